"""The delivery task and the management command: one pass, then the next run scheduled for what is left."""

import importlib
import math
from datetime import UTC, datetime, timedelta

import pytest
from django.apps import apps as django_apps
from django.core.exceptions import ImproperlyConfigured
from django.core.management import call_command
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from apps.messaging import later
from apps.messaging import tasks as tasks_module
from apps.messaging.delivery import CLAIM_LEASE
from apps.messaging.models import NotificationStatus
from apps.messaging.tasks import deliver_notifications, delivery_schedule
from tests.factories import NotificationFactory

from .braze_answers import accepted, refused

pytestmark = pytest.mark.django_db


# Every run that claims something also schedules a run for when its lease would lapse (the redelivery of a dead
# worker's claim). Pushed far away here so the tests below can tell it from the runs that follow the work.
LEASE_WATCH_MARGIN = timedelta(days=1000)


@pytest.fixture(autouse=True)
def _recognisable_lease_watch(monkeypatch):
    monkeypatch.setattr(tasks_module, "_LEASE_MARGIN", LEASE_WATCH_MARGIN)


def _is_lease_watch(result) -> bool:
    run_after = result.task.run_after
    return run_after is not None and run_after > timezone.now() + LEASE_WATCH_MARGIN / 2


def runs(tasks) -> list:
    """Runs scheduled for the work left (not the lease watch)."""
    return [r for r in tasks.results if r.task.func is deliver_notifications.func and not _is_lease_watch(r)]


def test_a_run_that_claims_schedules_the_redelivery_of_its_claim_should_it_die(braze, tasks):
    NotificationFactory()
    accepted(braze)
    deliver_notifications.call()
    [watch] = [r for r in tasks.results if _is_lease_watch(r)]
    assert watch.task.func is deliver_notifications.func


def test_a_run_that_claims_nothing_schedules_no_lease_watch(braze, tasks):
    deliver_notifications.call()
    assert tasks.results == []


def whole_second_after(moment: datetime) -> datetime:
    return datetime.fromtimestamp(math.ceil(moment.timestamp()), tz=UTC)


def test_a_run_sends_what_is_due_and_schedules_the_next_run_for_the_earliest_row_left(braze, tasks):
    due = NotificationFactory()
    later = NotificationFactory(due_at=timezone.now() + timedelta(hours=2))
    accepted(braze)

    report = deliver_notifications.call()

    assert report["sent"] == 1
    due.refresh_from_db()
    assert due.status == NotificationStatus.SENT
    [scheduled] = runs(tasks)
    assert scheduled.task.run_after == whole_second_after(later.next_attempt_at)


def test_a_run_after_a_failure_schedules_the_retry(braze, tasks):
    notification = NotificationFactory()
    refused(braze, 503)

    deliver_notifications.call()

    notification.refresh_from_db()
    [scheduled] = runs(tasks)
    assert scheduled.task.run_after == whole_second_after(notification.next_attempt_at)


def test_runs_that_find_the_same_earliest_row_schedule_it_once(braze, tasks):
    NotificationFactory(due_at=timezone.now() + timedelta(hours=2))

    deliver_notifications.call()
    deliver_notifications.call()
    deliver_notifications.call()

    assert len(runs(tasks)) == 1


def test_nothing_left_schedules_nothing(braze, tasks):
    NotificationFactory()
    accepted(braze)

    deliver_notifications.call()

    assert runs(tasks) == []


def test_a_stuck_claim_is_scheduled_for_when_its_lease_lapses(braze, tasks):
    claimed_at = timezone.now() - timedelta(seconds=10)
    NotificationFactory(status=NotificationStatus.SENDING, claimed_at=claimed_at, claim_token="another-run")

    deliver_notifications.call()

    [scheduled] = runs(tasks)
    assert scheduled.task.run_after == whole_second_after(claimed_at + CLAIM_LEASE)


def test_a_backend_that_cannot_defer_gets_no_future_runs(settings, tasks):
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}

    delivery_schedule(at=timezone.now() + timedelta(hours=1))  # would raise if it tried to defer


def test_the_command_runs_one_pass_and_reports_it(braze, tasks, capsys):
    NotificationFactory.create_batch(2)
    later = NotificationFactory(due_at=timezone.now() + timedelta(days=1))
    accepted(braze)

    call_command("deliver_notifications")

    out = capsys.readouterr().out
    assert "sent=2" in out
    assert later.next_attempt_at.isoformat() in out
    [scheduled] = runs(tasks)
    assert scheduled.task.run_after == whole_second_after(later.next_attempt_at)


def test_the_modules_below_tasks_reach_them_through_later(tasks):
    # MessagingConfig.ready() connected tasks.py: asking `later` for work enqueues the task.
    later.wallet_item_complete(41)
    later.sessionm_event_process(42)

    assert [(r.task.func, r.args) for r in tasks.results] == [
        (tasks_module.complete_wallet_item.func, [41]),
        (tasks_module.process_sessionm_event.func, [42]),
    ]


def test_asking_later_before_the_app_is_ready_is_an_error(monkeypatch):
    monkeypatch.setattr(later, "_worker", None)

    with pytest.raises(ImproperlyConfigured):
        later.delivery_schedule()


def test_runs_queued_at_the_old_task_paths_are_moved_to_tasks_py():
    migration = importlib.import_module("apps.messaging.migrations.0007_task_paths_in_tasks_module")
    queued = [
        DBTaskResult.objects.create(task_path=old, args_kwargs={"args": [1], "kwargs": {}}, backend_name="default")
        for old in migration.MOVED
    ]
    other = DBTaskResult.objects.create(
        task_path="apps.ops.tasks.prune_task_results", args_kwargs={"args": [], "kwargs": {}}, backend_name="default"
    )

    migration.forwards(django_apps, None)

    assert [DBTaskResult.objects.get(pk=row.pk).task_path for row in queued] == list(migration.MOVED.values())
    assert DBTaskResult.objects.get(pk=other.pk).task_path == "apps.ops.tasks.prune_task_results"
    for row in queued:
        # The new path names a task the worker can load.
        assert DBTaskResult.objects.get(pk=row.pk).task.func is not None
    migration.backwards(django_apps, None)
    assert [DBTaskResult.objects.get(pk=row.pk).task_path for row in queued] == list(migration.MOVED)
