"""Password reset (POST /api/v1/auth/password-reset, …/confirm) and change (POST /api/v1/me/password): the
reset message through the outbox to its own Braze campaign, one answer for known and unknown addresses,
single-use short-lived links, and every other session and token ended by a new password."""

from datetime import datetime, timedelta
from urllib.parse import urlsplit

import pytest
from django.contrib.auth.tokens import PasswordResetTokenGenerator
from django.urls import reverse
from rest_framework.test import APIClient

from apps.messaging.delivery import deliver_due
from apps.messaging.models import Notification, NotificationKind, NotificationStatus
from apps.sandbox.braze.selectors import message_list

from .helpers import PASSWORD, as_customer

pytestmark = pytest.mark.django_db

RESET = reverse("api:password-reset")
CONFIRM = reverse("api:password-reset-confirm")
CHANGE = reverse("api:me-password")
NEW_PASSWORD = "Salted-Potato-Wedges-7"


def reset_link_from_sandbox(customer) -> str:
    """The link in the newest reset message the sandbox Braze would have delivered to `customer`."""
    deliver_due()
    message = message_list(target_id="sandbox-password-reset-campaign", recipient=customer.sessionm_user_id).first()
    assert message is not None, "no password reset message reached Braze"
    return message.properties["reset_url"]


def uid_and_token(link: str) -> dict:
    _, _, uid, token, _ = urlsplit(link).path.split("/")[-5:]
    return {"uid": uid, "token": token}


def link_token(notification) -> str:
    return uid_and_token(notification.trigger_properties["reset_url"])["token"]


def login(api, email, password):
    return api.post(reverse("api:token"), {"email": email, "password": password}, format="json")


def test_the_answer_is_the_same_whether_or_not_the_address_has_an_account(api, amanda):
    known = api.post(RESET, {"email": amanda.email.upper()}, format="json")
    unknown = api.post(RESET, {"email": "nobody@example.com"}, format="json")

    assert (known.status_code, known.content) == (unknown.status_code, unknown.content) == (202, b"")
    reset = Notification.objects.get(kind=NotificationKind.PASSWORD_RESET)
    assert reset.customer == amanda.customer
    assert (reset.target_type, reset.target_id) == ("campaign", "sandbox-password-reset-campaign")
    assert reset.trigger_properties["reset_url"].startswith("http://testserver/password-reset/")
    assert reset.trigger_properties["expires_in_minutes"] == 60
    assert reset.trigger_properties["language"] == "pt"
    assert link_token(reset) not in reset.dedupe_key  # the key never holds the secret


def test_a_bad_address_shape_is_a_400_with_the_envelope(api):
    response = api.post(RESET, {}, format="json")
    assert response.status_code == 400
    assert "email" in response.json()["error"]["details"]


def test_the_link_in_the_message_sets_a_new_password_once_and_ends_every_session(api, amanda):
    other_device = login(api, amanda.email, PASSWORD).json()
    api.post(RESET, {"email": amanda.email}, format="json")
    link = reset_link_from_sandbox(amanda.customer)

    response = api.post(CONFIRM, {**uid_and_token(link), "new_password": NEW_PASSWORD}, format="json")

    assert response.status_code == 204
    assert login(api, amanda.email, PASSWORD).status_code == 401
    assert login(api, amanda.email, NEW_PASSWORD).status_code == 200
    # Access tokens issued before stop working at once; refresh tokens are revoked.
    for access in (amanda.access, other_device["access"]):
        assert as_customer(access).get(reverse("api:me")).status_code == 401
    for refresh in (amanda.refresh, other_device["refresh"]):
        assert api.post(reverse("api:token-refresh"), {"refresh": refresh}, format="json").status_code == 401
    # The link is single use.
    again = api.post(CONFIRM, {**uid_and_token(link), "new_password": "Another-Crispy-Fry-8"}, format="json")
    assert again.status_code == 400
    assert again.json()["error"]["code"] == "invalid_reset_link"


def test_a_link_older_than_the_timeout_is_refused(api, amanda, monkeypatch):
    api.post(RESET, {"email": amanda.email}, format="json")
    link = reset_link_from_sandbox(amanda.customer)
    later = datetime.now() + timedelta(seconds=3601)
    monkeypatch.setattr(PasswordResetTokenGenerator, "_now", lambda self: later)

    response = api.post(CONFIRM, {**uid_and_token(link), "new_password": NEW_PASSWORD}, format="json")

    assert response.status_code == 400
    assert response.json()["error"]["code"] == "invalid_reset_link"
    assert login(api, amanda.email, PASSWORD).status_code == 200


@pytest.mark.parametrize(
    "change", [{"uid": "Zm9v"}, {"token": "abc-123"}, {"uid": "!!"}], ids=["other-user", "bad-token", "garbage"]
)
def test_an_altered_link_is_refused(api, amanda, change):
    api.post(RESET, {"email": amanda.email}, format="json")
    body = {**uid_and_token(reset_link_from_sandbox(amanda.customer)), **change, "new_password": NEW_PASSWORD}

    response = api.post(CONFIRM, body, format="json")

    assert response.status_code == 400
    assert response.json()["error"]["code"] == "invalid_reset_link"


def test_a_weak_new_password_is_refused_on_its_field_and_the_link_still_works(api, amanda):
    api.post(RESET, {"email": amanda.email}, format="json")
    link = reset_link_from_sandbox(amanda.customer)

    weak = api.post(CONFIRM, {**uid_and_token(link), "new_password": "12345678"}, format="json")
    good = api.post(CONFIRM, {**uid_and_token(link), "new_password": NEW_PASSWORD}, format="json")

    assert weak.status_code == 400
    assert "new_password" in weak.json()["error"]["details"]
    assert good.status_code == 204


def test_requests_are_throttled_per_client(api, amanda, monkeypatch, rates):
    rates(password_reset="2/hour")
    answers = [api.post(RESET, {"email": amanda.email}, format="json").status_code for _ in range(3)]
    assert answers == [202, 202, 429]


def test_an_address_gets_a_few_messages_at_most_whoever_asks(amanda, monkeypatch, rates):
    rates(password_reset="100000/hour", password_reset_email="2/hour")
    asked = []
    monkeypatch.setattr(
        "apps.accounts.passwords.notification_password_reset_enqueue", lambda **kwargs: asked.append(kwargs)
    )

    answers = [
        APIClient(REMOTE_ADDR=f"127.0.0.{n}").post(RESET, {"email": amanda.email}, format="json").status_code
        for n in range(1, 6)
    ]

    assert answers == [202] * 5  # the same answer...
    assert len(asked) == 2  # ...but no more messages than the rate allows


def test_changing_the_password_needs_the_current_one_and_ends_other_sessions(api, amanda):
    other_device = login(api, amanda.email, PASSWORD).json()
    me = as_customer(amanda.access)

    wrong = me.post(CHANGE, {"current_password": "Not-Mine-123", "new_password": NEW_PASSWORD}, format="json")
    weak = me.post(CHANGE, {"current_password": PASSWORD, "new_password": "password"}, format="json")
    changed = me.post(CHANGE, {"current_password": PASSWORD, "new_password": NEW_PASSWORD}, format="json")

    assert wrong.status_code == 400
    assert list(wrong.json()["error"]["details"]) == ["current_password"]
    assert weak.status_code == 400
    assert list(weak.json()["error"]["details"]) == ["new_password"]
    assert changed.status_code == 200
    assert as_customer(changed.json()["access"]).get(reverse("api:me")).status_code == 200
    assert me.get(reverse("api:me")).status_code == 401
    assert as_customer(other_device["access"]).get(reverse("api:me")).status_code == 401
    refreshed = api.post(reverse("api:token-refresh"), {"refresh": other_device["refresh"]}, format="json")
    assert refreshed.status_code == 401
    assert login(api, amanda.email, NEW_PASSWORD).status_code == 200


def test_changing_the_password_needs_a_token(api):
    response = api.post(CHANGE, {"current_password": PASSWORD, "new_password": NEW_PASSWORD}, format="json")
    assert response.status_code == 401


def test_the_reset_message_is_delivered_and_a_forgotten_customer_gets_none(api, amanda):
    api.post(RESET, {"email": amanda.email}, format="json")
    deliver_due()
    assert Notification.objects.get(kind=NotificationKind.PASSWORD_RESET).status == NotificationStatus.SENT
    as_customer(amanda.access).delete(reverse("api:me"))

    api.post(RESET, {"email": amanda.email}, format="json")

    assert Notification.objects.filter(kind=NotificationKind.PASSWORD_RESET).count() == 1
