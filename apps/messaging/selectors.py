"""Reads of the notification outbox."""

from datetime import datetime

from django.db.models import Min

from .delivery import STALE_CLAIM_AFTER
from .models import Notification, NotificationStatus


def notification_next_run_at() -> datetime | None:
    """When a delivery run will next find work: the earliest pending row's next attempt, or the moment a
    claim held by a stopped worker becomes stale. None when nothing is waiting."""
    pending = Notification.objects.filter(status=NotificationStatus.PENDING).aggregate(at=Min("next_attempt_at"))["at"]
    claimed = Notification.objects.filter(status=NotificationStatus.SENDING).aggregate(at=Min("claimed_at"))["at"]
    moments = [moment for moment in (pending, claimed and claimed + STALE_CLAIM_AFTER) if moment is not None]
    return min(moments, default=None)
