"""The forget-me page: the password asked first, then the customer forgotten everywhere (or kept when
SessionM is down)."""

import pytest
from django.urls import reverse

from apps.accounts.models import CustomerStatus
from tests.customers import PASSWORD

from .pages import shown_messages, text

# Transactional: a page's SessionM reads run in worker threads, whose database connections must see the
# customer this test signed up (committed, not inside the test's own transaction).
pytestmark = pytest.mark.django_db(transaction=True)


def test_forget_me_asks_for_the_password_then_forgets_everywhere(customer_client, customer):
    confirm = text(customer_client.get(reverse("web:forget")))
    assert "Are you sure you want us to forget you?" in confirm

    wrong = customer_client.post(reverse("web:forget"), {"password": "nope"})
    assert wrong.status_code == 400
    assert '<a href="#id_password">Your password: That is not your password.</a>' in text(wrong)
    customer.refresh_from_db()
    assert customer.status == CustomerStatus.ACTIVE

    response = customer_client.post(reverse("web:forget"), {"password": PASSWORD}, follow=True)

    assert response.redirect_chain == [(reverse("web:landing"), 302)]
    assert shown_messages(response) == ["Your account and your personal data have been deleted. Goodbye!"]
    customer.refresh_from_db()
    assert customer.status == CustomerStatus.FORGOTTEN
    assert customer_client.get(reverse("web:wallet")).status_code == 302


def test_forget_me_while_sessionm_is_down_keeps_the_customer(customer_client, customer, sessionm_down):
    response = customer_client.post(reverse("web:forget"), {"password": PASSWORD})

    assert response.status_code == 503
    assert "The loyalty service is unavailable right now." in text(response)
    customer.refresh_from_db()
    assert customer.status == CustomerStatus.ACTIVE
