"""Reads of the notification outbox."""

from datetime import datetime, timedelta

from django.db.models import Max, Min
from django.utils import timezone

from apps.accounts.models import Customer

from .delivery import CLAIM_LEASE
from .models import Notification, NotificationStatus, WalletItem, WorkerHeartbeat


def notification_next_run_at() -> datetime | None:
    """When a delivery run will next find work: the earliest pending row's next attempt, or the moment a
    claim held by a stopped worker becomes stale. None when nothing is waiting."""
    pending = Notification.objects.filter(status=NotificationStatus.PENDING).aggregate(at=Min("next_attempt_at"))["at"]
    claimed = Notification.objects.filter(status=NotificationStatus.SENDING).aggregate(at=Min("claimed_at"))["at"]
    moments = [moment for moment in (pending, claimed and claimed + CLAIM_LEASE) if moment is not None]
    return min(moments, default=None)


def wallet_item_ids(*, customer: Customer, user_offer_ids: list[str]) -> set[str]:
    """Which of these user offers the wallet ledger already holds for the customer."""
    return set(
        WalletItem.objects.filter(customer=customer, user_offer_id__in=user_offer_ids).values_list(
            "user_offer_id", flat=True
        )
    )


def wallet_item_titles(*, customer: Customer, user_offer_ids: list[str], culture: str) -> dict[str, str]:
    """The names the wallet ledger holds for these user offers, where it holds them in `culture`."""
    if not user_offer_ids:
        return {}  # a timeline that names no offer: no query
    rows = WalletItem.objects.filter(
        customer=customer, user_offer_id__in=user_offer_ids, culture__iexact=culture
    ).exclude(title="")
    return dict(rows.values_list("user_offer_id", "title"))


def worker_heartbeat_age(*, now: datetime | None = None) -> timedelta | None:
    """How long ago the most recently seen outbox worker wrote its heartbeat; None when none ever has."""
    seen = WorkerHeartbeat.objects.aggregate(at=Max("seen_at"))["at"]
    if seen is None:
        return None
    return max(timedelta(0), (now or timezone.now()) - seen)
