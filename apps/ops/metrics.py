"""Prometheus metrics of the BFF.

Counters and histograms are recorded in the process that sees the event (a gunicorn worker, a task worker).
With several processes per host, set PROMETHEUS_MULTIPROC_DIR (the same empty directory for every process
of one instance, deploy/gunicorn.conf.py wipes it on start): each process writes its own file and /metrics
adds them up, so any worker can answer the scrape for all of them. Gauges of the database (outbox, task
queue, scheduler) are read at scrape time by the process answering it, so they are never stale or summed.
"""

import logging
import os
import time
from collections.abc import Callable, Iterable
from datetime import datetime

from django.db import DatabaseError
from django.db.models import Count, Min
from django.utils import timezone
from prometheus_client import REGISTRY, CollectorRegistry, Counter, Histogram, generate_latest, multiprocess
from prometheus_client.core import GaugeMetricFamily, Metric

logger = logging.getLogger(__name__)

REQUEST_SECONDS = Histogram(
    "bff_http_request_duration_seconds",
    "Time to answer a request, by route (URL pattern name), method and status.",
    ["route", "method", "status"],
    buckets=(0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0),
)
THROTTLED = Counter(
    "bff_http_throttled_requests_total",
    "Requests refused with 429 by a throttle, by route.",
    ["route"],
)


def _outbox_gauges(now: datetime) -> Iterable[Metric]:
    from apps.messaging.models import Notification, NotificationStatus

    # Only the non-final statuses: counting `sent` would scan a table that only grows.
    watched = [
        NotificationStatus.PENDING,
        NotificationStatus.SENDING,
        NotificationStatus.FAILED,
        NotificationStatus.DEAD,
    ]
    by_status = GaugeMetricFamily(
        "bff_outbox_messages", "Outbox messages by status (not sent ones).", labels=["status"]
    )
    counts = dict(
        Notification.objects.filter(status__in=watched).values_list("status").annotate(n=Count("id")).order_by()
    )
    for status in watched:
        by_status.add_metric([status.value], counts.get(status.value, 0))
    yield by_status

    due = Notification.objects.filter(
        status__in=[NotificationStatus.PENDING, NotificationStatus.SENDING], due_at__lte=now
    ).aggregate(n=Count("id"), oldest=Min("due_at"))
    yield GaugeMetricFamily(
        "bff_outbox_due_messages", "Messages due now and not yet delivered (the outbox depth).", value=due["n"]
    )
    yield GaugeMetricFamily(
        "bff_outbox_oldest_due_age_seconds",
        "How long the oldest undelivered due message has been waiting (0 when none is).",
        value=(now - due["oldest"]).total_seconds() if due["oldest"] else 0.0,
    )
    yield GaugeMetricFamily(
        "bff_outbox_dead_letters",
        "Messages dead-lettered after NOTIFICATION_MAX_ATTEMPTS (retry them from the admin).",
        value=counts.get(NotificationStatus.DEAD.value, 0),
    )


def _task_queue_gauges(now: datetime) -> Iterable[Metric]:
    from django.conf import settings

    if settings.TASKS["default"]["BACKEND"] != "django_tasks_db.DatabaseBackend":
        return  # RQ / Celery have their own exporters
    from django_tasks_db.models import DBTaskResult, get_date_max

    ready = DBTaskResult.objects.ready()
    deferred = ready.exclude(run_after=get_date_max()).aggregate(n=Count("id"), since=Min("run_after"))
    immediate = ready.filter(run_after=get_date_max()).aggregate(n=Count("id"), since=Min("enqueued_at"))
    # A task is waiting from when it became runnable: enqueued, or its run_after for a deferred one.
    waiting_since = [at for at in (deferred["since"], immediate["since"]) if at]
    yield GaugeMetricFamily(
        "bff_tasks_ready", "Tasks due and waiting for a worker.", value=deferred["n"] + immediate["n"]
    )
    yield GaugeMetricFamily(
        "bff_tasks_oldest_ready_age_seconds",
        "How long the oldest due task has waited for a worker (grows when no worker is running).",
        value=max(0.0, (now - min(waiting_since)).total_seconds()) if waiting_since else 0.0,
    )


def _scheduler_gauges(now: datetime) -> Iterable[Metric]:
    from .models import ScheduledJob, SchedulerLease

    last = GaugeMetricFamily(
        "bff_scheduler_job_last_run_timestamp_seconds", "When each periodic job was last enqueued.", labels=["job"]
    )
    following = GaugeMetricFamily(
        "bff_scheduler_job_next_run_timestamp_seconds", "When each periodic job is enqueued next.", labels=["job"]
    )
    for name, last_run_at, next_run_at in ScheduledJob.objects.values_list("name", "last_run_at", "next_run_at"):
        if last_run_at:
            last.add_metric([name], last_run_at.timestamp())
        following.add_metric([name], next_run_at.timestamp())
    yield last
    yield following
    lease = SchedulerLease.objects.filter(holder__gt="").values_list("expires_at", flat=True).first()
    yield GaugeMetricFamily(
        "bff_scheduler_active", "1 while a scheduler holds an unexpired lease.", value=int(bool(lease and lease > now))
    )


def _worker_gauges(now: datetime) -> Iterable[Metric]:
    from apps.messaging.selectors import worker_heartbeat_age

    age = worker_heartbeat_age(now=now)
    # -1 when no worker ever wrote one: an alert on "> N" must not read a fresh deployment as healthy forever.
    yield GaugeMetricFamily(
        "bff_worker_heartbeat_age_seconds",
        "Seconds since the most recent outbox worker heartbeat (-1: none ever); /readyz fails past "
        "WORKER_HEARTBEAT_MAX_AGE_SECONDS.",
        value=age.total_seconds() if age is not None else -1.0,
    )


# Gauges read from the database at scrape time. One function per source, each yielding metric families.
SCRAPE_TIME_GAUGES: list[Callable[[datetime], Iterable[Metric]]] = [
    _outbox_gauges,
    _task_queue_gauges,
    _scheduler_gauges,
    _worker_gauges,
]


class DatabaseGaugesCollector:
    def collect(self) -> Iterable[Metric]:
        now = timezone.now()
        started = time.monotonic()
        healthy = 1
        for source in SCRAPE_TIME_GAUGES:
            try:
                yield from list(source(now))
            except DatabaseError:
                # A scrape must still answer (with the process counters) while the database is down.
                logger.warning("metrics: %s failed", source.__name__, exc_info=True)
                healthy = 0
        yield GaugeMetricFamily("bff_metrics_database_up", "1 if the scrape-time database gauges were read.", healthy)
        yield GaugeMetricFamily(
            "bff_metrics_scrape_seconds", "Time taken to read the database gauges.", time.monotonic() - started
        )


class _ThisProcess:
    """The default registry (this process only), when not in multiprocess mode."""

    def collect(self):
        return REGISTRY.collect()


def metrics_exposition() -> tuple[bytes, str]:
    from prometheus_client import CONTENT_TYPE_LATEST

    registry = CollectorRegistry()
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        multiprocess.MultiProcessCollector(registry)
    else:
        registry.register(_ThisProcess())
    registry.register(DatabaseGaugesCollector())
    return generate_latest(registry), CONTENT_TYPE_LATEST
