"""The landing page: a customer goes on to the wallet; visitors pick their language there."""

import pytest
from django.contrib.auth import get_user_model
from django.urls import reverse

from tests.customers import PASSWORD

from .pages import text

# Transactional: a page's SessionM reads run in worker threads, whose database connections must see the
# customer this test signed up (committed, not inside the test's own transaction).
pytestmark = pytest.mark.django_db(transaction=True)


def test_landing_sends_a_customer_to_the_wallet(customer_client):
    response = customer_client.get(reverse("web:landing"))

    assert response.status_code == 302
    assert response["Location"] == reverse("web:wallet")


def test_visitors_switch_through_django_set_language(client):
    page = client.get(reverse("web:landing")).content.decode()
    assert f'action="{reverse("set_language")}"' in page

    client.post(reverse("set_language"), {"language": "fr", "next": "/"})

    assert "Des récompenses qui ont du goût" in text(client.get(reverse("web:landing")))


def test_a_user_without_a_wallet_keeps_the_browser_language(client):
    staff = get_user_model().objects.create_user("staff@example.com", password=PASSWORD, is_staff=True)
    client.force_login(staff)

    response = client.get(reverse("web:landing"), HTTP_ACCEPT_LANGUAGE="fr")

    assert response.status_code == 200
    assert '<html lang="fr"' in text(response)
