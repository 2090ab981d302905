"""DELETE /api/v1/me: the customer forgotten in SessionM, Braze and here; safe to repeat after a failure."""

from datetime import timedelta

import pytest
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from apps.accounts.models import Customer, CustomerStatus
from apps.accounts.services import customer_forget, customer_signup
from apps.braze import get_braze_client
from apps.braze.errors import BrazeTimeout
from apps.core.errors import DomainError, LoyaltyTimeout
from apps.messaging.delivery import deliver_due
from apps.messaging.models import Notification, NotificationStatus
from apps.sandbox import faults, server
from apps.sandbox.models import Document
from apps.sessionm import get_sessionm_client
from apps.sessionm.errors import SessionMBadResponse, SessionMNotFound, SessionMTimeout
from tests.factories import CustomerFactory

from .helpers import PASSWORD, as_customer, lose_create_answers, signup, signup_body

pytestmark = pytest.mark.django_db

ME = reverse("api:me")


def braze_profile_exists(external_id: str) -> bool:
    return Document.objects.using("sandbox").filter(kind="braze.user", key=external_id).exists()


def test_forgetting_erases_the_customer_everywhere_and_kills_every_token(api, amanda):
    deliver_due()  # the welcome message creates the Braze profile
    sessionm_user_id = amanda.customer.sessionm_user_id
    assert braze_profile_exists(sessionm_user_id)
    other_session = api.post(reverse("api:token"), {"email": amanda.email, "password": PASSWORD}, format="json")

    response = as_customer(amanda.access).delete(ME)

    assert response.status_code == 204
    with pytest.raises(SessionMNotFound):
        get_sessionm_client().get_user(sessionm_user_id)
    assert not braze_profile_exists(sessionm_user_id)
    customer = Customer.objects.select_related("user").get(pk=amanda.customer.pk)
    assert customer.status == CustomerStatus.FORGOTTEN
    assert customer.forgotten_at is not None
    assert (customer.first_name, customer.last_name, customer.birth_date) == ("", "", None)
    assert amanda.email not in (customer.user.username, customer.user.email)
    assert customer.user.email.endswith("@forgotten.invalid")
    assert not customer.user.has_usable_password()
    assert not customer.user.is_active
    welcome = Notification.objects.get(customer=customer)
    assert welcome.status == NotificationStatus.SENT  # the record stays...
    assert (welcome.trigger_properties, welcome.attributes) == ({}, {})  # ...without personal data

    assert as_customer(amanda.access).get(ME).status_code == 401
    refresh = reverse("api:token-refresh")
    for token in (amanda.refresh, other_session.json()["refresh"]):
        assert api.post(refresh, {"refresh": token}, format="json").status_code == 401
    login = api.post(reverse("api:token"), {"email": amanda.email, "password": PASSWORD}, format="json")
    assert login.status_code == 401


def test_a_queued_message_is_cancelled_rather_than_sent(amanda):
    as_customer(amanda.access).delete(ME)

    welcome = Notification.objects.get(customer=amanda.customer)
    assert welcome.status == NotificationStatus.CANCELLED
    assert deliver_due().calls == 0


def test_the_email_is_free_again_for_a_new_customer(api, amanda):
    as_customer(amanda.access).delete(ME)

    again = signup(api, email=amanda.email)

    assert again.customer.pk != amanda.customer.pk
    assert again.customer.external_id != amanda.customer.external_id


def test_braze_down_is_a_503_and_asking_again_finishes_the_job(amanda, down):
    down("braze")

    failed = as_customer(amanda.access).delete(ME)

    assert failed.status_code == 503
    assert failed.json()["error"]["code"] == "loyalty_unavailable"
    customer = Customer.objects.get(pk=amanda.customer.pk)
    assert customer.status == CustomerStatus.ACTIVE  # still there, still able to ask again
    with pytest.raises(SessionMNotFound):
        get_sessionm_client().get_user(customer.sessionm_user_id)  # this part was done

    faults.clear_faults()
    retried = as_customer(amanda.access).delete(ME)

    assert retried.status_code == 204
    assert Customer.objects.get(pk=amanda.customer.pk).status == CustomerStatus.FORGOTTEN


def test_sessionm_down_is_a_503_and_nothing_is_erased(amanda, down):
    down("sessionm-core")

    response = as_customer(amanda.access).delete(ME)

    assert response.status_code == 503
    customer = Customer.objects.get(pk=amanda.customer.pk)
    assert (customer.status, customer.first_name) == (CustomerStatus.ACTIVE, "Amanda")
    assert as_customer(amanda.access).get(ME).status_code == 200


def test_forgetting_twice_is_harmless(amanda):
    customer_forget(customer=amanda.customer)
    customer = Customer.objects.get(pk=amanda.customer.pk)
    forgotten_at = customer.forgotten_at

    customer_forget(customer=customer)

    assert Customer.objects.get(pk=customer.pk).forgotten_at == forgotten_at


def test_a_pending_customer_whose_profile_was_made_is_forgotten_in_sessionm_too(monkeypatch):
    client = get_sessionm_client()
    lose_create_answers(monkeypatch)
    with pytest.raises(LoyaltyTimeout):
        customer_signup(**{**signup_body(), "birth_date": None})
    pending = Customer.objects.get()

    customer_forget(customer=pending)

    with pytest.raises(SessionMNotFound):
        client.get_user_by_external_id(pending.external_id)
    assert Customer.objects.get().status == CustomerStatus.FORGOTTEN


def test_signups_left_pending_are_forgotten_after_a_while_with_any_profile_a_lost_answer_made(monkeypatch, capsys):
    client = get_sessionm_client()
    lose_create_answers(monkeypatch)
    with pytest.raises(LoyaltyTimeout):
        customer_signup(**{**signup_body(), "birth_date": None})
    abandoned = Customer.objects.get()
    Customer.objects.filter(pk=abandoned.pk).update(updated_at=timezone.now() - timedelta(days=8))
    recent = CustomerFactory(pending=True)

    call_command("forget_abandoned_signups", "--days", "7")

    assert "1 pending signups" in capsys.readouterr().out
    assert Customer.objects.get(pk=abandoned.pk).status == CustomerStatus.FORGOTTEN
    assert Customer.objects.get(pk=recent.pk).status == CustomerStatus.PENDING
    with pytest.raises(SessionMNotFound):
        client.get_user_by_external_id(abandoned.external_id)


def test_sessionm_is_asked_through_a_data_privacy_forget_request(amanda):
    # "Create Request to Forget Customer Data" (https://docs.sessionm.com/developer/APIs/Core/Customers/
    # customers_data_privacy.htm), not a guessed DELETE of the profile.
    server.stats.reset()

    assert as_customer(amanda.access).delete(ME).status_code == 204

    routes = server.stats.snapshot()["by_route"]
    assert routes.get("privacy_forget_request") == 1
    assert not any(name.startswith("user_delete") for name in routes)


@pytest.mark.parametrize(
    ("method", "failure", "status", "code"),
    [
        # The one mapping of apps.core: a timeout is 504 on this path as on every other (it was 503 here).
        ("request_forget", SessionMTimeout("slow"), 504, "loyalty_timeout"),
        ("request_forget", SessionMBadResponse("not json"), 502, "loyalty_bad_gateway"),
        ("get_user_by_external_id", SessionMTimeout("slow"), 504, "loyalty_timeout"),
    ],
)
def test_sessionm_failures_while_forgetting_read_as_on_every_other_path(monkeypatch, method, failure, status, code):
    # A pending customer: its SessionM id is looked up by external id, unless the signup got to store it.
    pending = CustomerFactory(pending=True, sessionm_user_id="sm-1" if method == "request_forget" else None)

    def fail(*args, **kwargs):
        raise failure

    monkeypatch.setattr(type(get_sessionm_client()), method, fail)

    with pytest.raises(DomainError) as raised:
        customer_forget(customer=pending)

    assert (raised.value.status, raised.value.code) == (status, code)
    assert Customer.objects.get(pk=pending.pk).status == CustomerStatus.PENDING  # nothing erased: ask again


def test_braze_slow_while_forgetting_is_a_504(amanda, monkeypatch):
    def slow(self, external_ids):
        raise BrazeTimeout("slow")

    monkeypatch.setattr(type(get_braze_client()), "delete_users", slow)

    response = as_customer(amanda.access).delete(ME)

    assert response.status_code == 504
    assert response.json()["error"]["code"] == "loyalty_timeout"
    assert Customer.objects.get(pk=amanda.customer.pk).status == CustomerStatus.ACTIVE
