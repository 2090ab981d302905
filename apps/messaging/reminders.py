"""Expiry reminders: one per wallet item, scheduled from its expiry and checked again when it is sent.

Each wallet item has at most one reminder, an outbox notification (kind offer_expiring, dedupe key
"offer_expiring:<customer>:<user_offer_id>") due OFFER_EXPIRY_REMINDER_DAYS before the offer expires; the
outbox enqueues its delivery run with run_after = due_at. While it is pending, a new expiry moves it; an
item that is redeemed, revoked or expired cancels it.

When the run picks it up, `reminders_screen` checks the item once more before anything reaches Braze:
still issued, not expired, and at least LAST_CALL left. If SessionM has not shown us the item for
CONFIRM_MAX_AGE, it reads the customer's SessionM wallet first: an offer no longer there is not reminded
of, and an expiry SessionM moved moves the reminder. So a reminder is sent at most once (the outbox marks it
sent) and never after the offer expired.

Offers issued with less than the lead time left (see `reminder_due_at`): with more than
SHORT_NOTICE_MIN_REMAINING (48 h) to go, the reminder is sent SHORT_NOTICE_BEFORE (24 h) before expiry;
with less, there is no reminder, because the offer-issued message, which states the expiry date, went out
only hours earlier.
"""

import logging
import time
from datetime import datetime, timedelta
from functools import partial

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from apps.accounts.languages import culture_for
from apps.accounts.models import CustomerStatus
from apps.sessionm import get_sessionm_client
from apps.sessionm.errors import SessionMError, SessionMNotFound
from apps.sessionm.wallet import user_offers_walk

from . import later
from .content import offer_message_properties
from .models import (
    Notification,
    NotificationKind,
    NotificationStatus,
    WalletItem,
    WalletItemState,
)
from .services import notification_enqueue

logger = logging.getLogger(__name__)

SHORT_NOTICE_MIN_REMAINING = timedelta(hours=48)
SHORT_NOTICE_BEFORE = timedelta(hours=24)
# A reminder is pointless (and reads as a mistake) this close to the end.
LAST_CALL = timedelta(hours=1)
# Older than this, the ledger's word that an item is still issued is checked with SessionM before reminding.
CONFIRM_MAX_AGE = timedelta(hours=24)
# Time one delivery claim may spend asking SessionM: half the outbox's claim lease (delivery.CLAIM_LEASE, 30 s),
# so the claim is still ours, and renewed, when its first batch is sent.
CONFIRM_BUDGET = timedelta(seconds=15)
# Wallet pages read (of WALLET_PAGE_SIZE offers) when looking for the items to confirm.
WALLET_PAGE_SIZE = 100
WALLET_MAX_PAGES = 10
# Cancellations made by this module start with this, so a changed expiry may bring such a reminder back;
# a reminder an operator cancelled stays cancelled.
CANCEL_MARK = "reminder: "


def reminder_due_at(*, expires_at: datetime, now: datetime) -> datetime | None:
    """When to remind of an offer expiring at `expires_at`, or None for no reminder.

    OFFER_EXPIRY_REMINDER_DAYS before expiry; for an offer issued with less time left than that, 24 h before
    expiry if more than 48 h remain, else no reminder (the offer-issued message already gave the date).
    """
    due = expires_at - timedelta(days=settings.OFFER_EXPIRY_REMINDER_DAYS)
    if due > now:
        return due
    if expires_at - now > SHORT_NOTICE_MIN_REMAINING:
        return expires_at - SHORT_NOTICE_BEFORE
    return None


def _dedupe_key(item: WalletItem) -> str:
    return f"{NotificationKind.OFFER_EXPIRING}:{item.customer_id}:{item.user_offer_id}"


def reminder_schedule(*, item: WalletItem, now: datetime) -> Notification | None:
    """Make the item's one reminder match its state and expiry: create it, move it while it is pending,
    bring back one this module cancelled, or cancel it when no reminder is due. Sent reminders stay sent.

    Call inside the transaction that changed the item (the reminder commits with it).
    """
    due = None
    if item.state == WalletItemState.ISSUED and item.expires_at and item.customer.status == CustomerStatus.ACTIVE:
        due = reminder_due_at(expires_at=item.expires_at, now=now)
    if due is None:
        reminder_cancel(item=item, reason="no reminder due for this expiry")
        return item.reminder
    properties = offer_message_properties(item=item, kind=NotificationKind.OFFER_EXPIRING)
    reminder = item.reminder
    if reminder is None:
        reminder = notification_enqueue(
            kind=NotificationKind.OFFER_EXPIRING,
            customer=item.customer,
            dedupe_key=_dedupe_key(item),
            trigger_properties=properties,
            due_at=due,
        )
        item.reminder = reminder
        item.save(update_fields=["reminder", "updated_at"])
    if reminder.due_at == due and reminder.status == NotificationStatus.PENDING:
        return reminder
    movable = Notification.objects.filter(
        Q(status=NotificationStatus.PENDING)
        | Q(status=NotificationStatus.CANCELLED, last_error__startswith=CANCEL_MARK),
        pk=reminder.pk,
    )
    if movable.update(
        status=NotificationStatus.PENDING,
        due_at=due,
        next_attempt_at=due,
        trigger_properties=properties,
        last_error="",
        updated_at=now,
    ):
        transaction.on_commit(lambda: later.delivery_schedule(at=due), robust=True)
        reminder.refresh_from_db()
    return reminder


def reminder_cancel(*, item: WalletItem, reason: str) -> None:
    """Cancel the item's reminder if it is still waiting to be sent."""
    if item.reminder_id is not None:
        Notification.objects.filter(pk=item.reminder_id, status=NotificationStatus.PENDING).update(
            status=NotificationStatus.CANCELLED, last_error=CANCEL_MARK + reason, updated_at=timezone.now()
        )


def reminders_screen(notifications: list[Notification], *, now: datetime) -> list[Notification]:
    """Called by the delivery run on the rows it claimed, before sending: returns those still to be sent.

    Reminders whose offer is no longer issued, has expired or is about to are cancelled; reminders whose
    offer's expiry moved later go back to pending for the new time; the rest are sent with properties
    rebuilt from the ledger (texts and expiry as last seen). Other kinds pass untouched.
    """
    reminders = [n for n in notifications if n.kind == NotificationKind.OFFER_EXPIRING]
    if not reminders:
        return notifications
    items = {
        item.reminder_id: item
        for item in WalletItem.objects.select_related("customer__user").filter(reminder__in=reminders)
    }
    unconfirmed = _confirm_with_sessionm([item for item in items.values() if _needs_confirmation(item, now)], now=now)

    held: set[int] = set()
    refreshed: list[Notification] = []
    for notification in reminders:
        item = items.get(notification.pk)
        if item is not None and item.customer_id in unconfirmed:
            Notification.objects.in_flight([notification]).update(
                status=NotificationStatus.PENDING, claimed_at=None, updated_at=now
            )
            held.add(notification.pk)
            continue
        reason = _why_not(item, now)
        if reason or item is None or item.expires_at is None:  # (the last two only said again for the type checker)
            Notification.objects.in_flight([notification]).update(
                status=NotificationStatus.CANCELLED, claimed_at=None, last_error=CANCEL_MARK + reason, updated_at=now
            )
            held.add(notification.pk)
            continue
        due = item.expires_at - timedelta(days=settings.OFFER_EXPIRY_REMINDER_DAYS)
        if due > now:
            # SessionM extended the offer since the reminder was scheduled: remind closer to the new expiry.
            Notification.objects.in_flight([notification]).update(
                status=NotificationStatus.PENDING, claimed_at=None, due_at=due, next_attempt_at=due, updated_at=now
            )
            transaction.on_commit(partial(later.delivery_schedule, at=due), robust=True)
            held.add(notification.pk)
            continue
        notification.trigger_properties = offer_message_properties(item=item, kind=NotificationKind.OFFER_EXPIRING)
        refreshed.append(notification)
    Notification.objects.bulk_update(refreshed, ["trigger_properties"], batch_size=500)
    return [n for n in notifications if n.pk not in held]


def _why_not(item: WalletItem | None, now: datetime) -> str:
    if item is None:
        return "no wallet item"
    if item.customer.status != CustomerStatus.ACTIVE:
        return "customer no longer active"
    if item.state != WalletItemState.ISSUED:
        return f"offer {item.state}"
    if item.expires_at is None:
        return "offer has no expiry"
    if item.expires_at - now < LAST_CALL:
        return "offer expired" if item.expires_at <= now else "offer expires too soon to remind"
    return ""


def _needs_confirmation(item: WalletItem, now: datetime) -> bool:
    fresh = item.confirmed_at is not None and now - item.confirmed_at < CONFIRM_MAX_AGE
    return not fresh and not _why_not(item, now)


def _confirm_with_sessionm(items: list[WalletItem], *, now: datetime) -> set[int]:
    """Read each customer's SessionM wallet once and bring these ledger items up to date with it. When
    SessionM cannot answer, the ledger's word stands: a reminder on its word beats no reminder at all.

    Stops after CONFIRM_BUDGET (having confirmed at least one customer, so every pass makes progress) and
    returns the customers left unconfirmed: their reminders wait for the next claim, so that a slow SessionM
    never keeps a claim long enough for another worker to take it as abandoned and send it too.
    """
    by_customer: dict[int, list[WalletItem]] = {}
    for item in items:
        by_customer.setdefault(item.customer_id, []).append(item)
    client = get_sessionm_client()
    ends = time.monotonic() + CONFIRM_BUDGET.total_seconds()
    left = set(by_customer)
    for customer_id, customer_items in by_customer.items():
        if len(left) < len(by_customer) and time.monotonic() >= ends:
            break
        left.discard(customer_id)
        customer = customer_items[0].customer
        wanted = {item.user_offer_id: item for item in customer_items}
        try:
            walk = user_offers_walk(
                client,
                customer.sessionm_id,
                culture=culture_for(customer.language),
                page_size=WALLET_PAGE_SIZE,
                max_pages=WALLET_MAX_PAGES,
                until_found=wanted,
            )
            found, complete = walk.found(wanted), walk.complete
        except SessionMNotFound:
            found, complete = {}, True
        except SessionMError as exc:
            logger.warning("reminders: SessionM wallet unavailable (%s); going by the ledger", exc.__class__.__name__)
            continue
        for user_offer_id, item in wanted.items():
            offer = found.get(user_offer_id)
            if offer is not None:
                item.expires_at = offer.expires_at or item.expires_at
                item.confirmed_at = now
                item.save(update_fields=["expires_at", "confirmed_at", "updated_at"])
            elif complete:
                # SessionM's wallet lists issued offers only: gone before its expiry means used (or withdrawn).
                expired = item.expires_at is not None and item.expires_at <= now
                item.state = WalletItemState.EXPIRED if expired else WalletItemState.REDEEMED
                item.save(update_fields=["state", "updated_at"])
    return left
