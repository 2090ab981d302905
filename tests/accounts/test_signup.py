"""POST /api/v1/auth/signup through the real SessionM client against the in-process sandbox."""

import re

import pytest
from django.contrib.auth import get_user_model
from django.urls import reverse

from apps.accounts import services
from apps.accounts.models import Customer, CustomerStatus
from apps.messaging.models import Notification, NotificationKind, NotificationStatus
from apps.messaging.tasks import deliver_notifications
from apps.sandbox import faults
from apps.sessionm import get_sessionm_client
from apps.sessionm.errors import SessionMNotFound, SessionMTimeout

from .helpers import PASSWORD, as_customer, lose_create_answers, signup, signup_body

pytestmark = pytest.mark.django_db

SIGNUP = reverse("api:signup")


def test_signup_creates_the_customer_here_and_in_sessionm_and_returns_working_tokens(api):
    body = signup_body(email="  Amanda.Souza@Example.COM ")

    response = api.post(SIGNUP, body, format="json")

    assert response.status_code == 201
    data = response.json()
    assert set(data) == {"profile", "access", "refresh"}
    profile = data["profile"]
    assert profile == {
        "email": "amanda.souza@example.com",
        "first_name": "Amanda",
        "last_name": "Souza",
        "birth_date": "1994-05-17",
        "language": "pt-br",
        "marketing_opt_in": True,
        "time_zone": "",
        "external_id": profile["external_id"],
        "created_at": profile["created_at"],
    }
    customer = Customer.objects.get(external_id=profile["external_id"])
    assert customer.status == CustomerStatus.ACTIVE
    assert customer.user.username == "amanda.souza@example.com"
    assert customer.user.is_active

    me = as_customer(data["access"]).get(reverse("api:me"))
    assert me.status_code == 200
    assert me.json()["external_id"] == customer.external_id

    sessionm = get_sessionm_client().get_user(customer.sessionm_user_id)
    assert sessionm.external_id == customer.external_id
    assert (sessionm.email, sessionm.first_name, sessionm.last_name) == ("amanda.souza@example.com", "Amanda", "Souza")
    assert sessionm.dob.isoformat() == "1994-05-17"
    assert sessionm.locale == "pt-br"
    assert sessionm.opted_in is True


def test_the_external_id_is_random_and_carries_no_personal_data(api):
    first = signup(api, email="amanda@example.com", first_name="Amanda")
    second = signup(api, email="bruno@example.com", first_name="Bruno")

    for signed_up in (first, second):
        external_id = signed_up.customer.external_id
        assert re.fullmatch(r"[0-9a-f]{32}", external_id)
        assert "amanda" not in external_id and "bruno" not in external_id
    assert first.customer.external_id != second.customer.external_id


def test_signup_writes_the_welcome_message_and_schedules_its_delivery(api, tasks, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        signed_up = signup(api)

    welcome = Notification.objects.get(dedupe_key=f"welcome:{signed_up.customer.pk}")
    assert welcome.kind == NotificationKind.WELCOME
    assert welcome.status == NotificationStatus.PENDING
    assert welcome.recipient == signed_up.customer.sessionm_user_id
    assert welcome.attributes["language"] == "pt"
    assert [result.task.func for result in tasks.results] == [deliver_notifications.func]


def test_activation_and_the_welcome_message_are_one_transaction(api, monkeypatch):
    def broken_outbox(*, customer):
        raise RuntimeError("outbox write failed")

    monkeypatch.setattr(services, "notification_welcome_enqueue", broken_outbox)
    body = signup_body()

    with pytest.raises(RuntimeError):
        services.customer_signup(**{**body, "birth_date": None})

    customer = Customer.objects.get(user__username=body["email"])
    assert customer.status == CustomerStatus.PENDING  # not active without its welcome message
    assert customer.sessionm_user_id is None
    assert not customer.user.is_active
    assert not Notification.objects.exists()


def test_an_email_already_used_by_a_customer_is_a_409_whatever_its_case(api, amanda):
    response = api.post(SIGNUP, signup_body(email=amanda.email.upper()), format="json")

    assert response.status_code == 409
    assert response.json()["error"]["code"] == "email_taken"
    assert Customer.objects.count() == 1


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"email": "not-an-email"}, "email"),
        ({"password": "12345678"}, "password"),
        ({"password": "amanda.souza@example"}, "password"),
        ({"first_name": "   "}, "first_name"),
        ({"birth_date": "2020-01-01"}, "birth_date"),
        ({"birth_date": "9999-12-31"}, "birth_date"),
        ({"language": "de"}, "language"),
    ],
    ids=["email", "numeric-password", "password-like-email", "blank-name", "under-13", "future", "language"],
)
def test_invalid_input_is_a_400_naming_the_field_and_creates_nothing(api, overrides, field):
    body = {**signup_body(email="amanda.souza@example.com"), **overrides}

    response = api.post(SIGNUP, body, format="json")

    assert response.status_code == 400
    error = response.json()["error"]
    assert error["code"] == "invalid"
    assert field in error["details"]
    assert not get_user_model().objects.exists()


def test_sessionm_down_is_a_503_and_a_retry_completes_the_same_pending_customer(api, down):
    down("sessionm-core")
    body = signup_body()

    failed = api.post(SIGNUP, body, format="json")

    assert failed.status_code == 503
    assert failed.json()["error"]["code"] == "loyalty_unavailable"
    assert failed["Retry-After"]
    pending = Customer.objects.get(user__username=body["email"])
    assert pending.status == CustomerStatus.PENDING
    login = api.post(reverse("api:token"), {"email": body["email"], "password": PASSWORD}, format="json")
    assert login.status_code == 401  # a pending account cannot log in, so taking it over dispossesses nobody

    faults.clear_faults()
    retried = api.post(SIGNUP, {**body, "password": "Another-Crispy-7", "first_name": "Mandy"}, format="json")

    assert retried.status_code == 201
    assert retried.json()["profile"]["external_id"] == pending.external_id
    customer = Customer.objects.get()
    assert customer.pk == pending.pk
    assert customer.status == CustomerStatus.ACTIVE
    assert customer.first_name == "Mandy"
    assert customer.user.check_password("Another-Crispy-7")
    assert get_sessionm_client().get_user(customer.sessionm_user_id).first_name == "Mandy"


def test_sessionm_timing_out_is_a_504(api, monkeypatch):
    client = get_sessionm_client()

    def slow(**fields):
        raise SessionMTimeout("sessionm user_create timed out after 5.0s")

    monkeypatch.setattr(client, "create_user", slow)

    response = api.post(SIGNUP, signup_body(), format="json")

    assert response.status_code == 504
    assert response.json()["error"]["code"] == "loyalty_timeout"
    assert Customer.objects.get().status == CustomerStatus.PENDING


def test_a_lost_create_response_is_recovered_by_external_id_without_a_second_profile(api, monkeypatch):
    client = get_sessionm_client()
    created = lose_create_answers(monkeypatch)
    body = signup_body()
    assert api.post(SIGNUP, body, format="json").status_code == 504
    pending = Customer.objects.get()
    assert pending.sessionm_user_id is None

    def must_not_create(**fields):
        raise AssertionError("the profile exists: it must be found, not created again")

    monkeypatch.setattr(client, "create_user", must_not_create)
    retried = api.post(SIGNUP, {**body, "last_name": "Oliveira"}, format="json")

    assert retried.status_code == 201
    customer = Customer.objects.get()
    assert customer.pk == pending.pk
    assert customer.sessionm_user_id == created[0].id
    assert client.get_user_by_external_id(customer.external_id).last_name == "Oliveira"


def test_a_sessionm_profile_already_holding_the_email_is_a_409(api):
    get_sessionm_client().create_user(external_id="made-at-a-till-1", email="amanda.till@example.com")

    response = api.post(SIGNUP, signup_body(email="amanda.till@example.com"), format="json")

    assert response.status_code == 409
    assert response.json()["error"]["code"] == "email_taken"
    with pytest.raises(SessionMNotFound):
        get_sessionm_client().get_user_by_external_id(Customer.objects.get().external_id)
