"""The scheduler: each periodic job is enqueued once per period per deployment, however many schedulers run.

Time is passed in (`now=`), never waited for. Runs are counted as the task rows the database task backend
wrote, i.e. what a worker would actually run."""

import threading
from collections import Counter
from datetime import UTC, datetime, timedelta

import pytest
from django.db import connection
from django.urls import reverse
from django_tasks_db.models import DBTaskResult

from apps.ops.models import ScheduledJob, SchedulerLease
from apps.ops.scheduler import (
    due_jobs_enqueue,
    periodic_jobs,
    scheduled_jobs_sync,
    scheduler_lease_release,
    scheduler_tick,
)

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
SWEEP = 10  # seconds
LEASE = timedelta(seconds=5)


@pytest.fixture(autouse=True)
def _db_tasks(settings):
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default"]}}
    settings.SCHEDULER_DELIVERY_SWEEP_SECONDS = SWEEP


def enqueued() -> Counter:
    """Enqueued runs per job name (by the task each job enqueues)."""
    by_path = {job.task.module_path: name for name, job in periodic_jobs().items()}
    return Counter(by_path[path] for path in DBTaskResult.objects.values_list("task_path", flat=True))


def at(seconds: float) -> datetime:
    return T0 + timedelta(seconds=seconds)


@pytest.mark.django_db
def test_two_schedulers_ticking_enqueue_each_job_once_per_period():
    scheduled_jobs_sync(now=T0)
    for second in range(0, 35):  # 35 s: sweep periods starting at 0, 10, 20, 30
        scheduler_tick(holder="a", now=at(second), ttl=LEASE)
        scheduler_tick(holder="b", now=at(second + 0.5), ttl=LEASE)

    runs = enqueued()
    assert runs["deliver_notifications"] == 4
    for name in (
        "forget_abandoned_signups",
        "prune_idempotency_keys",
        "prune_pos_intake",
        "clear_expired_sessions",
        "prune_task_results",
    ):
        assert runs[name] == 1, name
    assert set(ScheduledJob.objects.values_list("last_run_by", flat=True)) == {"a"}
    assert ScheduledJob.objects.get(name="deliver_notifications").next_run_at == at(40)


@pytest.mark.django_db
def test_the_standby_takes_over_when_the_active_scheduler_dies_and_nothing_runs_twice():
    scheduled_jobs_sync(now=T0)
    for second in range(0, 15):  # a is active, then is killed at 15 s (stops renewing its lease)
        scheduler_tick(holder="a", now=at(second), ttl=LEASE)
        scheduler_tick(holder="b", now=at(second + 0.5), ttl=LEASE)
    for second in range(15, 45):
        scheduler_tick(holder="b", now=at(second + 0.5), ttl=LEASE)

    assert enqueued()["deliver_notifications"] == 5  # 0, 10, 20, 30, 40: b took 20 s at the latest
    lease = SchedulerLease.objects.get()
    assert lease.holder == "b"
    assert ScheduledJob.objects.get(name="deliver_notifications").last_run_by == "b"


@pytest.mark.django_db
def test_a_clean_shutdown_hands_over_at_once():
    scheduled_jobs_sync(now=T0)
    assert scheduler_tick(holder="a", now=at(0), ttl=LEASE)
    assert scheduler_tick(holder="b", now=at(1), ttl=LEASE) == []
    scheduler_lease_release(holder="a", now=at(2))
    assert scheduler_tick(holder="b", now=at(10), ttl=LEASE) == ["deliver_notifications"]


@pytest.mark.django_db
def test_two_schedulers_that_both_think_they_are_active_still_enqueue_once():
    """The lease can be wrong (a process paused past its lease); the claim on the job row is what counts."""
    scheduled_jobs_sync(now=T0)
    first = due_jobs_enqueue(holder="a", now=at(0))
    second = due_jobs_enqueue(holder="b", now=at(0))
    assert len(first) == len(periodic_jobs())
    assert second == []
    assert due_jobs_enqueue(holder="b", now=at(10)) == ["deliver_notifications"]
    assert due_jobs_enqueue(holder="a", now=at(10)) == []
    assert enqueued()["deliver_notifications"] == 2


@pytest.mark.django_db(transaction=True)
def test_concurrent_schedulers_race_for_the_same_period():
    """Two schedulers in their own database connections, released at the same instant, period after period."""
    if connection.vendor == "sqlite":
        pytest.skip(
            "SQLite's shared in-memory test database fails concurrent writers with 'table is locked' instead of "
            "waiting as a database file does; CI runs this on PostgreSQL, and `make cluster` runs two schedulers"
        )
    scheduled_jobs_sync(now=T0)
    periods = 5
    barrier = threading.Barrier(2)
    errors = []

    def scheduler(holder):
        try:
            for period in range(periods):
                barrier.wait(timeout=30)
                due_jobs_enqueue(holder=holder, now=at(period * SWEEP))
        except Exception as exc:  # noqa: BLE001 - reported by the test
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=scheduler, args=(name,)) for name in ("a", "b")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    assert errors == []
    assert enqueued()["deliver_notifications"] == periods
    assert ScheduledJob.objects.get(name="deliver_notifications").runs == periods


@pytest.mark.django_db
def test_a_scheduler_that_was_down_runs_a_job_once_then_keeps_to_its_grid():
    scheduled_jobs_sync(now=T0)
    due_jobs_enqueue(holder="a", now=at(0))
    assert due_jobs_enqueue(holder="a", now=at(95)) == ["deliver_notifications"]  # 9 periods missed: one run
    assert ScheduledJob.objects.get(name="deliver_notifications").next_run_at == at(100)


@pytest.mark.django_db
def test_a_shorter_interval_applies_from_now(settings):
    scheduled_jobs_sync(now=T0)
    due_jobs_enqueue(holder="a", now=at(0))
    settings.SCHEDULER_DELIVERY_SWEEP_SECONDS = 3
    scheduled_jobs_sync(now=at(1))
    row = ScheduledJob.objects.get(name="deliver_notifications")
    assert (row.interval_seconds, row.next_run_at) == (3, at(4))


@pytest.mark.django_db
def test_the_admin_shows_jobs_and_the_lease_to_staff(admin_client, client, django_user_model):
    scheduled_jobs_sync(now=T0)
    scheduler_tick(holder="host-1:42:abc", now=at(0), ttl=LEASE)
    jobs = admin_client.get(reverse("admin:ops_scheduledjob_changelist"))
    assert jobs.status_code == 200
    assert b"deliver_notifications" in jobs.content and b"host-1:42:abc" in jobs.content
    lease = admin_client.get(reverse("admin:ops_schedulerlease_changelist"))
    assert lease.status_code == 200 and b"host-1:42:abc" in lease.content

    customer = django_user_model.objects.create_user("c@example.com", "c@example.com", "pw-123456789")
    client.force_login(customer)
    assert client.get(reverse("admin:ops_scheduledjob_changelist")).status_code == 302


@pytest.mark.django_db
def test_run_now_action_makes_the_job_due_at_the_next_tick(admin_client):
    scheduled_jobs_sync(now=T0)
    row = ScheduledJob.objects.get(name="prune_idempotency_keys")
    admin_client.post(reverse("admin:ops_scheduledjob_changelist"), {"action": "run_now", "_selected_action": [row.pk]})
    row.refresh_from_db()
    assert row.next_run_at <= datetime.now(UTC)
