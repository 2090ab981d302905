"""Periodic jobs without cron: the job table, and the services `manage.py scheduler` runs.

Run one scheduler per deployment, or two for availability: the active one holds a lease in the database
(`SchedulerLease`) and the other takes over when it lapses. The lease is only about who does the work;
exactly-once per period comes from the claim on each job row: a run is enqueued by the scheduler that moves
`ScheduledJob.next_run_at` on from the value it read (an UPDATE ... WHERE next_run_at = <read>), so two
schedulers that both think they are active (a paused process whose lease lapsed, clock skew between hosts)
still enqueue one run per period. Both are plain row updates, so this works the same on SQLite and
PostgreSQL. With the database task backend the claim and the enqueued task commit in one transaction.
"""

import logging
import math
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone
from django_tasks.base import Task

from .models import ScheduledJob, SchedulerLease

logger = logging.getLogger(__name__)

LEASE_NAME = "scheduler"


@dataclass(frozen=True)
class PeriodicJob:
    name: str
    every: timedelta
    task: Task
    kwargs: dict = field(default_factory=dict)


def periodic_jobs() -> dict[str, PeriodicJob]:
    """The jobs of this deployment, by name. Imported lazily: tasks import services, services import models."""
    from apps.messaging.tasks import deliver_notifications

    from . import tasks

    jobs = [
        # The outbox enqueues a delivery run whenever it has work; the sweep is the safety net for a run that
        # was lost (a worker killed mid-task) or a claim that went stale.
        PeriodicJob(
            "deliver_notifications",
            timedelta(seconds=settings.SCHEDULER_DELIVERY_SWEEP_SECONDS),
            deliver_notifications,
        ),
        PeriodicJob("forget_abandoned_signups", timedelta(days=1), tasks.forget_abandoned_signups, {"days": 7}),
        PeriodicJob("prune_idempotency_keys", timedelta(hours=1), tasks.prune_idempotency_keys),
        # Till nonces accumulate with every till request: prune them as often as idempotency keys.
        PeriodicJob("prune_pos_intake", timedelta(hours=1), tasks.prune_pos_intake),
        PeriodicJob("clear_expired_sessions", timedelta(days=1), tasks.clear_expired_sessions),
    ]
    if settings.TASKS["default"]["BACKEND"] == "django_tasks_db.DatabaseBackend":
        # Other task backends (RQ, Celery) expire their own results.
        jobs.append(PeriodicJob("prune_task_results", timedelta(days=1), tasks.prune_task_results))
    return {job.name: job for job in jobs}


def scheduled_jobs_sync(*, now: datetime) -> None:
    """Give every job a row (first run now) and keep intervals in step with the code; rows of jobs that no
    longer exist are left alone for the record but never enqueued."""
    for job in periodic_jobs().values():
        seconds = int(job.every.total_seconds())
        row, created = ScheduledJob.objects.get_or_create(
            name=job.name, defaults={"interval_seconds": seconds, "next_run_at": now}
        )
        if not created and row.interval_seconds != seconds:
            # A shorter interval applies from now on, not after the old, longer wait.
            ScheduledJob.objects.filter(pk=row.pk).update(
                interval_seconds=seconds, next_run_at=min(row.next_run_at, now + job.every)
            )


def scheduler_lease_acquire(*, holder: str, now: datetime, ttl: timedelta) -> bool:
    """Take or renew the lease. True while `holder` is the active scheduler."""
    SchedulerLease.objects.get_or_create(name=LEASE_NAME, defaults={"expires_at": now})
    mine = SchedulerLease.objects.filter(name=LEASE_NAME, holder=holder).update(expires_at=now + ttl)
    if mine:
        return True
    taken = (
        SchedulerLease.objects.filter(name=LEASE_NAME)
        .filter(Q(holder="") | Q(expires_at__lte=now))
        .update(holder=holder, acquired_at=now, expires_at=now + ttl)
    )
    if taken:
        logger.info("scheduler %s is now the active scheduler", holder)
    return bool(taken)


def scheduler_lease_release(*, holder: str, now: datetime) -> None:
    """Let a standby take over at once instead of after the lease lapses (a clean shutdown)."""
    SchedulerLease.objects.filter(name=LEASE_NAME, holder=holder).update(holder="", expires_at=now)


def _following_run(next_run_at: datetime, interval: timedelta, now: datetime) -> datetime:
    """The first slot on the job's grid after `now`: a scheduler that was down runs a job once, not once per
    missed period."""
    missed = math.floor((now - next_run_at) / interval)
    return next_run_at + interval * (missed + 1)


def due_jobs_enqueue(*, holder: str, now: datetime) -> list[str]:
    """Enqueue every job whose time has come, each at most once per period. Returns the names enqueued."""
    jobs = periodic_jobs()
    enqueued = []
    for row in ScheduledJob.objects.filter(name__in=list(jobs), next_run_at__lte=now):
        job = jobs[row.name]
        interval = timedelta(seconds=row.interval_seconds)
        with transaction.atomic():
            claimed = ScheduledJob.objects.filter(pk=row.pk, next_run_at=row.next_run_at).update(
                next_run_at=_following_run(row.next_run_at, interval, now),
                last_run_at=now,
                last_run_by=holder,
                runs=F("runs") + 1,
            )
            if not claimed:
                continue  # another scheduler enqueued this period's run
            result = job.task.enqueue(**job.kwargs)
            ScheduledJob.objects.filter(pk=row.pk).update(last_task_id=str(result.id)[:64])
        logger.info("scheduler enqueued %s (task %s)", job.name, result.id)
        enqueued.append(job.name)
    return enqueued


def scheduler_tick(*, holder: str, now: datetime | None = None, ttl: timedelta | None = None) -> list[str]:
    """One round of the scheduler loop: renew the lease and, while active, enqueue what is due."""
    now = now or timezone.now()
    ttl = ttl or timedelta(seconds=settings.SCHEDULER_LEASE_SECONDS)
    if not scheduler_lease_acquire(holder=holder, now=now, ttl=ttl):
        return []
    return due_jobs_enqueue(holder=holder, now=now)
