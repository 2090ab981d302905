"""Customers in the admin: staff only, search, filters, the live SessionM panel, forgetting on request."""

import pytest
from django.contrib.auth import get_user_model
from django.urls import reverse

from apps.accounts.models import Customer, CustomerStatus
from tests.factories import CustomerFactory

pytestmark = pytest.mark.django_db

CHANGELIST = "admin:accounts_customer_changelist"


@pytest.fixture
def staff(client):
    admin = get_user_model().objects.create_superuser("ops@fancyfries.test", "ops@fancyfries.test", "pw-Ops-12345")
    client.force_login(admin)
    return client


def results(response) -> list:
    return list(response.context["cl"].result_list)


def test_a_customer_cannot_open_the_admin(client, amanda):
    client.force_login(amanda.customer.user)

    assert client.get(reverse(CHANGELIST)).status_code == 302


def test_search_by_email_external_id_or_sessionm_id(staff, amanda, bruno):
    customer = amanda.customer

    assert results(staff.get(reverse(CHANGELIST), {"q": amanda.email.split("@")[0].upper()})) == [customer]
    assert results(staff.get(reverse(CHANGELIST), {"q": customer.external_id})) == [customer]
    assert results(staff.get(reverse(CHANGELIST), {"q": customer.sessionm_user_id})) == [customer]


def test_filter_by_status_and_language(staff):
    english = CustomerFactory(language="en")
    CustomerFactory(language="fr")
    pending = CustomerFactory(pending=True, language="en")

    assert results(staff.get(reverse(CHANGELIST), {"status__exact": "pending"})) == [pending]
    assert set(results(staff.get(reverse(CHANGELIST), {"language__exact": "en"}))) == {english, pending}


def test_the_change_page_shows_the_live_sessionm_profile(staff, amanda):
    response = staff.get(reverse("admin:accounts_customer_change", args=[amanda.customer.pk]))

    assert response.status_code == 200
    page = response.content.decode()
    assert "Live SessionM profile" in page
    assert amanda.customer.sessionm_user_id in page
    assert "available_points" in page
    assert "pt-br" in page  # the locale SessionM holds


def test_the_change_page_says_so_when_sessionm_is_down(staff, amanda, down):
    down("sessionm-core")

    response = staff.get(reverse("admin:accounts_customer_change", args=[amanda.customer.pk]))

    assert response.status_code == 200
    assert "The loyalty service is unavailable" in response.content.decode()


def test_a_pending_customer_has_no_profile_to_show(staff):
    pending = CustomerFactory(pending=True)

    response = staff.get(reverse("admin:accounts_customer_change", args=[pending.pk]))

    assert "This customer has no SessionM profile." in response.content.decode()


def test_profile_fields_cannot_be_edited_here(staff, amanda):
    url = reverse("admin:accounts_customer_change", args=[amanda.customer.pk])

    staff.post(url, {"first_name": "Hacked", "status": "forgotten"})

    customer = Customer.objects.get(pk=amanda.customer.pk)
    assert (customer.first_name, customer.status) == ("Amanda", CustomerStatus.ACTIVE)


def test_forget_selected_customers(staff, amanda):
    response = staff.post(
        reverse(CHANGELIST), {"action": "forget_selected", "_selected_action": [amanda.customer.pk]}, follow=True
    )

    assert "1 customer forgotten." in response.content.decode()
    assert Customer.objects.get(pk=amanda.customer.pk).status == CustomerStatus.FORGOTTEN
