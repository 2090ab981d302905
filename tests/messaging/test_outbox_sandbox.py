"""The outbox end to end: real signups, the real Braze client, the sandbox's emulated Braze."""

from datetime import timedelta

import pytest
from django.utils import timezone

from apps.accounts.services import customer_signup
from apps.messaging.delivery import deliver_due
from apps.messaging.models import Notification, NotificationStatus
from apps.sandbox import faults
from apps.sandbox.models import BrazeMessage, Document

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _faults_off():
    yield
    faults.clear_faults()


def sign_up(email: str, **fields):
    defaults = {"password": "Crispy-Golden-42", "first_name": "Amanda", "language": "pt-br"}
    return customer_signup(email=email, **{**defaults, **fields})


def test_the_welcome_message_reaches_braze_once_and_creates_the_profile(settings):
    customer = sign_up("amanda@example.com")

    deliver_due()
    deliver_due()

    [message] = BrazeMessage.objects.using("sandbox").all()
    assert message.recipient == customer.sessionm_user_id
    assert (message.target_type, message.target_id) == ("campaign", settings.BRAZE_MESSAGES["welcome"]["id"])
    assert message.properties == {
        "customer_id": customer.sessionm_user_id,
        "email": "amanda@example.com",
        "campaign_id": settings.BRAZE_MESSAGES["welcome"]["id"],
    }
    profile = Document.objects.using("sandbox").get(kind="braze.user", key=customer.sessionm_user_id)
    assert profile.data["attributes"] == {"email": "amanda@example.com", "first_name": "Amanda", "language": "pt"}
    welcome = Notification.objects.get(customer=customer)
    assert welcome.status == NotificationStatus.SENT
    assert welcome.dispatch_id == message.dispatch_id


def test_several_welcomes_go_out_in_one_call():
    customers = [sign_up(f"customer{n}@example.com") for n in range(3)]

    report = deliver_due()

    assert report.calls == 1 and report.sent == 3
    assert {m.recipient for m in BrazeMessage.objects.using("sandbox")} == {c.sessionm_user_id for c in customers}
    assert len({m.dispatch_id for m in BrazeMessage.objects.using("sandbox")}) == 1


def test_a_rate_limited_braze_is_waited_for_then_sent_to():
    sign_up("amanda@example.com")
    faults.set_faults(upstreams=["braze"], rate_limit_rate=1.0)

    limited = deliver_due()

    welcome = Notification.objects.get()
    assert limited.sent == 0 and limited.paused_until is not None
    assert welcome.status == NotificationStatus.PENDING
    assert welcome.next_attempt_at == limited.paused_until
    assert welcome.attempts == 0

    faults.clear_faults()
    resumed = deliver_due(now=limited.paused_until + timedelta(seconds=1))

    assert resumed.sent == 1
    assert BrazeMessage.objects.using("sandbox").count() == 1


def test_a_failing_braze_is_retried_later_and_nothing_is_sent_twice():
    sign_up("amanda@example.com")
    faults.set_faults(upstreams=["braze"], error_rate=1.0)

    deliver_due()
    welcome = Notification.objects.get()
    assert (welcome.status, welcome.attempts) == (NotificationStatus.PENDING, 1)
    assert welcome.next_attempt_at > timezone.now()

    faults.clear_faults()
    deliver_due(now=welcome.next_attempt_at)
    deliver_due(now=welcome.next_attempt_at + timedelta(hours=1))

    welcome.refresh_from_db()
    assert welcome.status == NotificationStatus.SENT
    assert BrazeMessage.objects.using("sandbox").count() == 1


def test_braze_queued_during_maintenance_is_sent_once_never_again():
    # Braze documents 202 {"message":"queued"} during maintenance as received and queued
    # (https://braze.com/docs/api/errors): the outbox must not send it again.
    customer = sign_up("amanda@example.com")
    faults.set_faults(upstreams=["braze"], deferred_rate=1.0)

    first = deliver_due()
    faults.clear_faults()
    second = deliver_due()

    assert (first.sent, first.calls, second.calls) == (1, 1, 0)
    welcome = Notification.objects.get(customer=customer)
    assert welcome.status == NotificationStatus.SENT
    assert "queued" in welcome.delivery_attempts.get().error
    # Braze processed it (later, in real life): one message, never two.
    assert BrazeMessage.objects.using("sandbox").filter(recipient=customer.sessionm_user_id).count() == 1
