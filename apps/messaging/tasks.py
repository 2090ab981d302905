"""Every task of the messaging app (Django's Tasks API: the django-tasks backport, run by `db_worker`), and the
functions that enqueue them.

This module sits on top of the app's line (ARCHITECTURE.md): its tasks call delivery, discovery and the webhook's
event processing, and it is the only module of the app that imports django_tasks. The modules below it ask for
work through apps/messaging/later.py, which MessagingConfig.ready() connects to the enqueue functions here.

The outbox's delivery: every new notification enqueues a run when its transaction commits; a run that leaves
work due later (backoff, a rate-limit pause, a message scheduled for later) enqueues the next run for that moment.
Task paths are stored with every queued run ("apps.messaging.tasks.<name>"): renaming or moving a task needs a
migration of the queued rows, as 0007_task_paths_in_tasks_module did.
"""

import logging
import math
from datetime import datetime, timedelta

from django.core.cache import cache
from django.utils import timezone
from django_tasks import task

from . import discovery, webhooks
from .delivery import deliver_due
from .selectors import notification_next_run_at

logger = logging.getLogger(__name__)

# A run never re-enqueues itself sooner than this: rows due "now" after a run are held by another worker.
_MIN_RESCHEDULE = timedelta(seconds=5)
_SCHEDULED_KEY = "messaging:delivery-run-at:{}"
_LEASE_MARGIN = timedelta(seconds=1)


@task()
def deliver_notifications() -> dict:
    """One delivery pass, then schedule the next one if work remains for later."""
    # The moment this run claims anything, a run is scheduled for when its lease would lapse: if this worker
    # dies holding the claim, that run (on any worker) redelivers it.
    report = deliver_due(on_first_claim=lambda lease_ends: delivery_schedule(at=lease_ends + _LEASE_MARGIN))
    next_at = notification_next_run_at()
    if next_at is not None:
        delivery_schedule(at=max(next_at, timezone.now() + _MIN_RESCHEDULE))
    return report.as_dict()


def delivery_schedule(*, at: datetime | None = None) -> None:
    """Enqueue a delivery run now, or for `at`.

    Future runs are enqueued once per second they are due (remembered in the cache): every run that finds
    the same earliest row would otherwise add one more run for it, and the chains would multiply.
    """
    now = timezone.now()
    if at is None or at <= now:
        deliver_notifications.enqueue()
        return
    if not deliver_notifications.get_backend().supports_defer:
        logger.info("task backend cannot defer; notifications due at %s wait for the next run", at.isoformat())
        return
    second = math.ceil(at.timestamp())
    if cache.add(_SCHEDULED_KEY.format(second), True, timeout=second - math.floor(now.timestamp()) + 60):
        deliver_notifications.using(run_after=datetime.fromtimestamp(second, tz=at.tzinfo)).enqueue()


@task()
def complete_wallet_item(item_pk: int) -> str:
    """discovery.wallet_item_complete: the item's expiry and texts from the SessionM wallet."""
    return discovery.wallet_item_complete(item_pk=item_pk)


def wallet_item_complete_enqueue(item_pk: int) -> None:
    complete_wallet_item.enqueue(item_pk)


@task()
def wallet_items_discover(customer_pk: int, since: str, source: str) -> int:
    """discovery.wallet_items_discover: the offers a transaction earned. `since` is ISO 8601 (task arguments
    are JSON)."""
    return discovery.wallet_items_discover(customer_pk=customer_pk, since=datetime.fromisoformat(since), source=source)


def wallet_items_discover_enqueue(*, customer_pk: int, since: datetime, source: str) -> None:
    run = wallet_items_discover
    if run.get_backend().supports_defer:
        run = run.using(run_after=timezone.now() + discovery.DISCOVERY_DELAY)
    run.enqueue(customer_pk, since.isoformat(), source)


@task()
def process_sessionm_event(event_pk: int) -> str:
    """webhooks.sessionm_event_process: act on a recorded SessionM event."""
    return webhooks.sessionm_event_process(event_pk=event_pk)


def sessionm_event_process_enqueue(event_pk: int, *, run_after: datetime | None = None) -> None:
    if run_after is None:
        process_sessionm_event.enqueue(event_pk)
    elif process_sessionm_event.get_backend().supports_defer:
        process_sessionm_event.using(run_after=run_after).enqueue(event_pk)
    # else: a backend that cannot defer leaves the retry to the admin's requeue (as before this module held it).
