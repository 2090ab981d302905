"""The outbox delivery pass against exact Braze answer sequences (`responses`)."""

from datetime import timedelta

import pytest
import requests
import responses

from apps.messaging import delivery
from apps.messaging.delivery import CLAIM_LEASE, RETRY_BASE, RETRY_CAP, deliver_due, retry_delay
from apps.messaging.models import AttemptOutcome, Notification, NotificationStatus
from tests.factories import CustomerFactory, NotificationFactory

from .braze_answers import CAMPAIGN_SEND, CANVAS_SEND, accepted, rate_headers, refused, sent_bodies

pytestmark = pytest.mark.django_db


def statuses() -> dict[str, int]:
    counts: dict[str, int] = {}
    for status in Notification.objects.values_list("status", flat=True):
        counts[status] = counts.get(status, 0) + 1
    return counts


def test_a_due_notification_is_sent_with_its_recipient_properties_and_attributes(braze, now):
    notification = NotificationFactory(
        trigger_properties={"customer_id": "sm-1", "email": "amanda@example.com"},
        attributes={"email": "amanda@example.com", "first_name": "Amanda", "language": "pt"},
        send_to_existing_only=False,
        recipient="sm-1",
    )
    accepted(braze, dispatch_id="a" * 32)

    report = deliver_due(now=now)

    [body] = sent_bodies(braze)
    assert body["campaign_id"] == notification.target_id
    assert "broadcast" not in body
    assert body["recipients"] == [
        {
            "external_user_id": "sm-1",
            "trigger_properties": {"customer_id": "sm-1", "email": "amanda@example.com"},
            "attributes": {"email": "amanda@example.com", "first_name": "Amanda", "language": "pt"},
            "send_to_existing_only": False,
        }
    ]
    notification.refresh_from_db()
    assert notification.status == NotificationStatus.SENT
    assert notification.dispatch_id == "a" * 32
    assert notification.sent_at == now
    assert notification.attempts == 1
    assert notification.claimed_at is None
    [attempt] = notification.delivery_attempts.all()
    assert (attempt.outcome, attempt.dispatch_id) == (AttemptOutcome.SENT, "a" * 32)
    assert report.sent == 1 and report.calls == 1


def test_running_delivery_again_never_sends_twice(braze, now):
    NotificationFactory.create_batch(3)
    accepted(braze)

    deliver_due(now=now)
    second = deliver_due(now=now + timedelta(hours=1))

    assert len(braze.calls) == 1
    assert second.calls == 0
    assert statuses() == {NotificationStatus.SENT: 3}


def test_120_due_rows_go_out_in_3_calls_of_at_most_50(braze, now):
    NotificationFactory.create_batch(120)
    accepted(braze)

    report = deliver_due(now=now)

    assert [len(body["recipients"]) for body in sent_bodies(braze)] == [50, 50, 20]
    assert report.sent == 120
    assert statuses() == {NotificationStatus.SENT: 120}


def test_a_recipient_is_listed_once_per_call(braze, now):
    # Braze sends one message to a recipient listed twice in a call: the second one would be lost.
    customer = CustomerFactory()
    NotificationFactory.create_batch(2, customer=customer)
    accepted(braze)

    deliver_due(now=now)

    assert [len(body["recipients"]) for body in sent_bodies(braze)] == [1, 1]
    assert statuses() == {NotificationStatus.SENT: 2}


def test_notifications_are_grouped_by_their_braze_target(braze, now):
    NotificationFactory(target_type="canvas", target_id="canvas-welcome", trigger_properties={"a": 1})
    NotificationFactory(target_type="campaign", target_id="campaign-offer")
    accepted(braze, CAMPAIGN_SEND)
    accepted(braze, CANVAS_SEND)

    deliver_due(now=now)

    [campaign] = sent_bodies(braze, CAMPAIGN_SEND)
    [canvas] = sent_bodies(braze, CANVAS_SEND)
    assert campaign["campaign_id"] == "campaign-offer"
    assert canvas["canvas_id"] == "canvas-welcome"
    assert canvas["recipients"][0]["canvas_entry_properties"] == {"a": 1}


def test_rows_not_due_yet_and_settled_rows_are_left_alone(braze, now):
    NotificationFactory(due_at=now + timedelta(minutes=5))
    for status in (NotificationStatus.CANCELLED, NotificationStatus.FAILED, NotificationStatus.DEAD):
        NotificationFactory(status=status)

    report = deliver_due(now=now)

    assert report.calls == 0
    assert len(braze.calls) == 0


# --- 429 and pacing ------------------------------------------------------------------------------------------


def test_429_puts_everything_back_until_the_reset_and_stops_sending(braze, now):
    reset = now + timedelta(minutes=10)
    NotificationFactory.create_batch(60)
    refused(braze, 429, headers=rate_headers(remaining=0, reset=reset), message="rate limited")

    report = deliver_due(now=now)

    assert len(braze.calls) == 1  # the second batch of 10 was not tried
    assert report.paused_until == reset
    assert report.deferred == 60
    rows = Notification.objects.all()
    assert {row.status for row in rows} == {NotificationStatus.PENDING}
    assert {row.next_attempt_at for row in rows} == {reset}
    assert {row.attempts for row in rows} == {0}  # a 429 is not a failed attempt
    assert {a.outcome for a in delivery.DeliveryAttempt.objects.all()} == {AttemptOutcome.RATE_LIMITED}
    assert delivery.DeliveryAttempt.objects.filter(http_status=429).count() == 50


def test_after_a_429_nothing_is_sent_before_the_reset_then_everything_is(braze, now):
    reset = now + timedelta(minutes=10)
    NotificationFactory.create_batch(2)
    refused(braze, 429, headers=rate_headers(remaining=0, reset=reset))
    deliver_due(now=now)
    NotificationFactory()  # a new message while Braze is pausing us

    early = deliver_due(now=reset - timedelta(seconds=30))
    assert early.calls == 0 and early.paused_until == reset

    braze.replace(responses.POST, CAMPAIGN_SEND, json={"dispatch_id": "b" * 32, "message": "success"}, status=201)
    late = deliver_due(now=reset + timedelta(seconds=1))

    assert late.sent == 3
    assert len(braze.calls) == 2
    assert statuses() == {NotificationStatus.SENT: 3}


def test_a_nearly_used_window_pauses_sending_until_its_reset(braze, now):
    reset = now + timedelta(minutes=20)
    NotificationFactory.create_batch(70)
    accepted(braze, headers=rate_headers(remaining=2, reset=reset))

    report = deliver_due(now=now)

    assert len(braze.calls) == 1
    assert report.sent == 50 and report.deferred == 20
    assert report.paused_until == reset
    waiting = Notification.objects.filter(status=NotificationStatus.PENDING)
    assert waiting.count() == 20
    assert {row.next_attempt_at for row in waiting} == {reset}


def test_a_comfortable_window_does_not_pause(braze, now):
    NotificationFactory.create_batch(70)
    accepted(braze, headers=rate_headers(remaining=5_000, reset=now + timedelta(minutes=20)))

    report = deliver_due(now=now)

    assert report.sent == 70 and report.paused_until is None


# --- Transient failures, rejections, dead letters --------------------------------------------------------------


@pytest.mark.parametrize(
    "answer",
    [
        {"status": 503, "json": {"message": "unavailable"}},
        {"status": 500, "body": "<html>oops</html>"},
        {"body": requests.ConnectionError("connection refused")},
        {"body": requests.ReadTimeout("read timed out")},
    ],
    ids=["503", "500-html", "unreachable", "timeout"],
)
def test_transient_failures_back_off_and_then_succeed(braze, now, answer):
    notification = NotificationFactory()
    braze.add(responses.POST, CAMPAIGN_SEND, **answer)

    report = deliver_due(now=now)

    notification.refresh_from_db()
    assert notification.status == NotificationStatus.PENDING
    assert notification.attempts == 1
    assert now + RETRY_BASE / 2 <= notification.next_attempt_at <= now + RETRY_BASE
    assert notification.last_error
    [attempt] = notification.delivery_attempts.all()
    assert attempt.outcome == AttemptOutcome.TRANSIENT_ERROR
    assert report.retrying == 1

    assert deliver_due(now=notification.next_attempt_at - timedelta(seconds=1)).calls == 0
    braze.replace(responses.POST, CAMPAIGN_SEND, json={"dispatch_id": "c" * 32, "message": "success"}, status=201)
    deliver_due(now=notification.next_attempt_at)

    notification.refresh_from_db()
    assert notification.status == NotificationStatus.SENT
    assert notification.attempts == 2
    assert notification.last_error == ""


def test_backoff_grows_with_each_attempt_and_is_capped():
    for attempts in range(1, 15):
        ceiling = min(RETRY_CAP, RETRY_BASE * 2 ** (attempts - 1))
        for _ in range(20):
            assert ceiling / 2 <= retry_delay(attempts) <= ceiling
    assert retry_delay(40) <= RETRY_CAP


@pytest.mark.parametrize("status", [400, 404])
def test_other_4xx_fail_at_once_without_looping(braze, now, status):
    notification = NotificationFactory()
    refused(braze, status, message="The max number of external_ids and aliases per request was exceeded")

    report = deliver_due(now=now)
    again = deliver_due(now=now + timedelta(days=1))

    notification.refresh_from_db()
    assert notification.status == NotificationStatus.FAILED
    assert notification.attempts == 1
    assert "max number" in notification.last_error
    assert notification.delivery_attempts.get().http_status == status
    assert report.failed == 1
    assert again.calls == 0
    assert len(braze.calls) == 1


def test_dead_after_the_maximum_number_of_attempts(braze, now, settings):
    settings.NOTIFICATION_MAX_ATTEMPTS = 3
    notification = NotificationFactory()
    refused(braze, 502)

    moment = now
    for _ in range(5):
        deliver_due(now=moment)
        notification.refresh_from_db()
        moment = max(moment, notification.next_attempt_at) + timedelta(seconds=1)

    assert notification.status == NotificationStatus.DEAD
    assert notification.attempts == 3
    assert len(braze.calls) == 3
    assert notification.delivery_attempts.count() == 3


def test_an_unexpected_error_is_retried_rather_than_left_in_sending(braze, now, monkeypatch):
    notification = NotificationFactory()

    def explode(**kwargs):
        raise RuntimeError("bug")

    monkeypatch.setattr(delivery.get_braze_client(), "trigger", explode)

    report = deliver_due(now=now)

    notification.refresh_from_db()
    assert notification.status == NotificationStatus.PENDING
    assert notification.attempts == 1
    assert notification.last_error == "RuntimeError"
    assert report.retrying == 1


def test_success_with_non_fatal_errors_counts_as_sent_and_keeps_the_errors(braze, now):
    notification = NotificationFactory()
    accepted(braze, errors=[{"type": "not_found", "input_array": "recipients"}])

    deliver_due(now=now)

    notification.refresh_from_db()
    assert notification.status == NotificationStatus.SENT
    assert "not_found" in notification.delivery_attempts.get().error


# --- Crashed workers ------------------------------------------------------------------------------------------


def test_rows_claimed_by_a_worker_that_died_are_reclaimed_once_stale(braze, now):
    NotificationFactory.create_batch(3)
    claimed = delivery._claim(now=now, token="dead-worker")  # a worker claims, then dies before calling Braze
    assert len(claimed) == 3
    accepted(braze)

    fresh = deliver_due(now=now + CLAIM_LEASE - timedelta(seconds=1))
    assert fresh.calls == 0  # the claim may still be in progress: not stolen

    stale = deliver_due(now=now + CLAIM_LEASE + timedelta(seconds=1))

    assert stale.sent == 3
    assert len(braze.calls) == 1
    assert statuses() == {NotificationStatus.SENT: 3}


def test_a_run_whose_lease_lapsed_does_not_send_or_mark_rows_another_run_took_over(braze, now):
    NotificationFactory.create_batch(3)
    slow = delivery._claim(now=now, token="slow-run")
    # The slow run stalled past its lease; another run takes the rows over and sends them.
    accepted(braze)
    assert deliver_due(now=now + CLAIM_LEASE + timedelta(seconds=1)).sent == 3
    # The slow run wakes up: its renewal finds nothing still its own, so it sends nothing and marks nothing.
    assert delivery._renew(slow, now=now + CLAIM_LEASE + timedelta(seconds=2)) == []
    delivery._retry_later(slow, started=now, finished=now, status=None, error="late")
    assert len(braze.calls) == 1
    assert statuses() == {NotificationStatus.SENT: 3}


def test_the_first_claim_schedules_the_run_that_would_redeliver_it(braze, now):
    NotificationFactory.create_batch(2)
    accepted(braze)
    scheduled = []
    deliver_due(now=now, on_first_claim=scheduled.append)
    assert scheduled == [now + CLAIM_LEASE]


def test_a_batch_braze_accepted_before_a_crash_is_not_sent_again(braze, now):
    NotificationFactory.create_batch(60)
    accepted(braze, dispatch_id="1" * 32)

    def worker_killed(request):
        raise SystemExit("worker killed")

    braze.add_callback(responses.POST, CAMPAIGN_SEND, callback=worker_killed)

    with pytest.raises(SystemExit):
        deliver_due(now=now)
    assert statuses() == {NotificationStatus.SENT: 50, NotificationStatus.SENDING: 10}

    braze.replace(responses.POST, CAMPAIGN_SEND, json={"dispatch_id": "2" * 32, "message": "success"}, status=201)
    deliver_due(now=now + CLAIM_LEASE + timedelta(seconds=1))

    bodies = sent_bodies(braze)
    assert [len(body["recipients"]) for body in bodies] == [50, 10, 10]  # first batch once; the lost one again
    assert statuses() == {NotificationStatus.SENT: 60}
    assert Notification.objects.filter(dispatch_id="1" * 32).count() == 50
