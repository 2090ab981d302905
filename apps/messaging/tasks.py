"""The outbox's delivery task (Django's Tasks API: the django-tasks backport, run by `db_worker`).

Every new notification enqueues a run when its transaction commits; a run that leaves work due later
(backoff, a rate-limit pause, a message scheduled for later) enqueues the next run for that moment.
"""

import logging
import math
from datetime import datetime, timedelta

from django.core.cache import cache
from django.utils import timezone
from django_tasks import task

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
