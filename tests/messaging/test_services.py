"""Queueing notifications: dedupe, scheduling on commit, the welcome message, forgetting, retry and cancel."""

from datetime import timedelta

import pytest
from django.db import transaction
from django.utils import timezone

from apps.accounts.models import CustomerStatus
from apps.messaging.models import Notification, NotificationKind, NotificationStatus
from apps.messaging.services import (
    notification_enqueue,
    notification_welcome_enqueue,
    notifications_cancel,
    notifications_forget_customer,
    notifications_retry,
)
from apps.messaging.tasks import deliver_notifications
from tests.factories import CustomerFactory, NotificationFactory

pytestmark = pytest.mark.django_db


def enqueued_runs(tasks) -> list:
    return [result for result in tasks.results if result.task.func is deliver_notifications.func]


def test_enqueue_writes_one_row_and_schedules_delivery_when_the_transaction_commits(
    tasks, django_capture_on_commit_callbacks
):
    customer = CustomerFactory()
    with django_capture_on_commit_callbacks(execute=True):
        with transaction.atomic():
            notification = notification_enqueue(
                kind=NotificationKind.OFFER_ISSUED,
                customer=customer,
                dedupe_key=f"offer_issued:{customer.pk}:uo-1",
                trigger_properties={"user_offer_id": "uo-1"},
            )
            assert enqueued_runs(tasks) == []  # nothing runs before the row is committed

    assert notification.recipient == customer.sessionm_user_id
    assert notification.target_id == "sandbox-offer-issued-campaign"
    assert notification.status == NotificationStatus.PENDING
    assert notification.send_to_existing_only is True
    [run] = enqueued_runs(tasks)
    assert run.task.run_after is None


def test_the_same_dedupe_key_never_queues_a_second_message(tasks, django_capture_on_commit_callbacks):
    customer = CustomerFactory()
    with django_capture_on_commit_callbacks(execute=True):
        first = notification_enqueue(
            kind=NotificationKind.WELCOME, customer=customer, dedupe_key="k", trigger_properties={}
        )
        again = notification_enqueue(
            kind=NotificationKind.WELCOME, customer=customer, dedupe_key="k", trigger_properties={"other": 1}
        )

    assert again.pk == first.pk
    assert again.trigger_properties == {}
    assert Notification.objects.count() == 1
    assert len(enqueued_runs(tasks)) == 1


def test_a_rolled_back_transaction_leaves_no_row_and_no_run(tasks, django_capture_on_commit_callbacks):
    customer = CustomerFactory()
    with django_capture_on_commit_callbacks(execute=True), pytest.raises(RuntimeError):
        with transaction.atomic():
            notification_enqueue(
                kind=NotificationKind.WELCOME, customer=customer, dedupe_key="k", trigger_properties={}
            )
            raise RuntimeError("the change that caused it failed")

    assert Notification.objects.count() == 0
    assert enqueued_runs(tasks) == []


def test_a_message_due_later_schedules_a_run_for_then(tasks, django_capture_on_commit_callbacks):
    customer = CustomerFactory()
    due = timezone.now() + timedelta(days=20)
    with django_capture_on_commit_callbacks(execute=True):
        notification = notification_enqueue(
            kind=NotificationKind.OFFER_EXPIRING, customer=customer, dedupe_key="k", trigger_properties={}, due_at=due
        )

    assert notification.next_attempt_at == due
    [run] = enqueued_runs(tasks)
    assert due <= run.task.run_after < due + timedelta(seconds=1)


def test_a_customer_without_a_sessionm_profile_cannot_be_messaged():
    customer = CustomerFactory(pending=True)
    with pytest.raises(ValueError, match="SessionM user id"):
        notification_enqueue(kind=NotificationKind.WELCOME, customer=customer, dedupe_key="k", trigger_properties={})


def test_creating_the_braze_profile_needs_attributes():
    with pytest.raises(ValueError, match="attributes"):
        notification_enqueue(
            kind=NotificationKind.WELCOME,
            customer=CustomerFactory(),
            dedupe_key="k",
            trigger_properties={},
            send_to_existing_only=False,
        )


def test_properties_braze_would_refuse_are_refused_when_queued():
    with pytest.raises(ValueError, match="bytes"):
        notification_enqueue(
            kind=NotificationKind.OFFER_ISSUED,
            customer=CustomerFactory(),
            dedupe_key="k",
            trigger_properties={"terms": "x" * 60_000},
        )
    assert not Notification.objects.exists()


def test_the_welcome_message(settings):
    customer = CustomerFactory(first_name="Amanda", language="pt-br", user__email="amanda@example.com")

    welcome = notification_welcome_enqueue(customer=customer)

    assert welcome.kind == NotificationKind.WELCOME
    assert welcome.dedupe_key == f"welcome:{customer.pk}"
    assert welcome.recipient == customer.sessionm_user_id
    assert (welcome.target_type, welcome.target_id) == ("campaign", settings.BRAZE_MESSAGES["welcome"]["id"])
    assert welcome.send_to_existing_only is False
    assert welcome.trigger_properties == {
        "customer_id": customer.sessionm_user_id,
        "email": "amanda@example.com",
        "campaign_id": settings.BRAZE_MESSAGES["welcome"]["id"],
    }
    assert welcome.attributes == {"email": "amanda@example.com", "first_name": "Amanda", "language": "pt"}


def test_a_welcome_canvas_names_the_canvas(settings):
    settings.BRAZE_MESSAGES = {**settings.BRAZE_MESSAGES, "welcome": {"type": "canvas", "id": "canvas-42"}}

    welcome = notification_welcome_enqueue(customer=CustomerFactory())

    assert (welcome.target_type, welcome.target_id) == ("canvas", "canvas-42")
    assert welcome.trigger_properties["canvas_id"] == "canvas-42"
    assert "campaign_id" not in welcome.trigger_properties


def test_forgetting_cancels_unsent_messages_and_erases_every_payload():
    customer = CustomerFactory()
    rows = {
        status: NotificationFactory(
            customer=customer, status=status, trigger_properties={"email": "a@example.com"}, attributes={"x": 1}
        )
        for status in NotificationStatus.values
    }
    someone_else = NotificationFactory(trigger_properties={"email": "b@example.com"})

    notifications_forget_customer(customer=customer)

    for status, row in rows.items():
        row.refresh_from_db()
        assert (row.trigger_properties, row.attributes) == ({}, {})
        expected = NotificationStatus.CANCELLED if status in ("pending", "failed", "dead") else status
        assert row.status == expected
    someone_else.refresh_from_db()
    assert someone_else.trigger_properties == {"email": "b@example.com"}


def test_retry_puts_failed_and_dead_messages_back_with_fresh_attempts(tasks, django_capture_on_commit_callbacks):
    failed = NotificationFactory(status=NotificationStatus.FAILED, attempts=1)
    dead = NotificationFactory(status=NotificationStatus.DEAD, attempts=8)
    sent = NotificationFactory(status=NotificationStatus.SENT, attempts=1)
    forgotten = NotificationFactory(status=NotificationStatus.DEAD, customer__status=CustomerStatus.FORGOTTEN)

    with django_capture_on_commit_callbacks(execute=True):
        count = notifications_retry(notifications=Notification.objects.all())

    assert count == 2
    for row in (failed, dead):
        row.refresh_from_db()
        assert (row.status, row.attempts) == (NotificationStatus.PENDING, 0)
        assert row.next_attempt_at <= timezone.now()
    sent.refresh_from_db()
    forgotten.refresh_from_db()
    assert sent.status == NotificationStatus.SENT
    assert forgotten.status == NotificationStatus.DEAD
    assert len(enqueued_runs(tasks)) == 1


def test_cancel_touches_only_what_was_not_sent_and_is_not_in_flight():
    rows = {status: NotificationFactory(status=status) for status in NotificationStatus.values}

    count = notifications_cancel(notifications=Notification.objects.all())

    assert count == 3
    for status, row in rows.items():
        row.refresh_from_db()
        expected = NotificationStatus.CANCELLED if status in ("pending", "failed", "dead") else status
        assert row.status == expected
