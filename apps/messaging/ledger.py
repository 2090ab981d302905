"""The wallet ledger: every offer issued to a customer that the BFF has learnt of, and what follows from it.

The screens (purchase, promo code, transaction, wallet read), the SessionM webhook and discovery (looking in
the SessionM wallet, apps/messaging/discovery.py) report wallet items here. A new item queues its offer-issued
message in the same transaction and schedules its expiry reminder; a known item whose expiry changed moves its
reminder; a redeemed, revoked or expired item cancels it. The ledger only writes what it is told: reading
SessionM is discovery's job. SessionM stays the system of record: the ledger never holds points or decides what
is in a wallet.
"""

import logging
import threading
import time
from collections import OrderedDict
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import partial
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone

from apps.accounts.languages import braze_language, culture_for
from apps.accounts.models import Customer, CustomerStatus

from . import later
from .content import offer_message_properties
from .models import Notification, NotificationKind, NotificationStatus, WalletItem, WalletItemSource, WalletItemState
from .reminders import reminder_cancel, reminder_schedule
from .services import notification_enqueue

logger = logging.getLogger(__name__)

# A wallet read can turn up offers issued long ago (the first read after the ledger went live, a migrated
# customer): those are recorded, and reminded of, but not announced as new.
ANNOUNCE_WITHIN = timedelta(days=7)
# A purchase or a promo code names the new user offer but not its expiry (nor, for a code, its texts): the
# offer-issued message then waits this long while the item is completed from the SessionM wallet.
COMPLETION_GRACE = timedelta(seconds=60)
# Wallet reads refresh `confirmed_at` of unchanged items at most this often, not on every read.
CONFIRM_REFRESH = timedelta(hours=1)


@dataclass(frozen=True)
class OfferContext:
    """What the caller knows beyond the offer itself."""

    culture: str | None = None  # the language the offer's texts are in (default: the customer's)
    campaign_id: str | None = None  # the SessionM campaign that issued it
    campaign_name: str | None = None
    points_awarded: int | None = None  # points that came with it, and their account
    point_account_name: str | None = None
    # From SessionM's webhook, as Braze's SessionM partner page names them.
    campaign_runtime: dict | None = None  # e.g. {"start_date": ..., "end_date": ...}
    campaign_custom_data: dict | None = None
    triggering_event_data: dict | None = None


_CONTEXT_DATA = ("campaign_runtime", "campaign_custom_data", "triggering_event_data")


@dataclass(frozen=True)
class OfferFacts:
    """An offer as far as a caller knows it, with UserOffer's field names (a UserOffer itself will do)."""

    user_offer_id: str
    offer_id: str | None = None
    name: str | None = None
    description: str | None = None
    terms: str | None = None
    image_url: str | None = None
    pos_discount_id: str | None = None
    expires_at: datetime | None = None
    start_date: datetime | None = None


# The offer's fields a wallet read can tell, and so compares with the ledger (_offer_fields, _same).
_COMPARED = ("offer_id", "title", "description", "terms", "image_url", "pos_discount_id", "expires_at")


def _offer_fields(offer: Any) -> dict:
    """A UserOffer (or any object with its field names; `title` is read when there is no `name`)."""
    return {
        "offer_id": getattr(offer, "offer_id", None) or "",
        "title": getattr(offer, "name", None) or getattr(offer, "title", None) or "",
        "description": getattr(offer, "description", None) or "",
        "terms": getattr(offer, "terms", None) or "",
        "image_url": getattr(offer, "image_url", None) or "",
        "pos_discount_id": getattr(offer, "pos_discount_id", None) or "",
        "expires_at": getattr(offer, "expires_at", None),
    }


def wallet_item_record(
    *,
    customer: Customer,
    offer: Any,
    source: str,
    context: OfferContext | None = None,
    now: datetime | None = None,
) -> WalletItem | None:
    """Record that SessionM shows `offer` (a UserOffer-like object with `user_offer_id`) issued to `customer`.

    Idempotent on user_offer_id. A new item queues the offer-issued message (once: the outbox's dedupe key
    is "offer_issued:<customer>:<user_offer_id>") and schedules the expiry reminder, both committed with the
    item. A known item takes the newer facts; a changed expiry moves its reminder. Returns None, recording
    nothing, for a customer who is not active, or when the ledger holds the item for another customer (a
    user offer belongs to one SessionM user; that is logged).
    """
    if customer.status != CustomerStatus.ACTIVE:
        return None
    now = now or timezone.now()
    context = context or OfferContext()
    culture = context.culture or culture_for(customer.language)
    fields = _offer_fields(offer)
    with transaction.atomic():
        item = WalletItem.objects.select_for_update().filter(user_offer_id=offer.user_offer_id).first()
        if item is None:
            item = _create(
                customer=customer,
                user_offer_id=offer.user_offer_id,
                source=source,
                now=now,
                fields={
                    **fields,
                    "culture": culture,
                    "campaign_id": context.campaign_id or "",
                    "campaign_name": context.campaign_name or "",
                    "points_awarded": context.points_awarded,
                    "point_account_name": context.point_account_name or "",
                    **{name: getattr(context, name) or {} for name in _CONTEXT_DATA},
                },
            )
            if item is not None:
                incomplete = item.expires_at is None or not item.title
                if _is_news(source=source, offer=offer, now=now):
                    _offer_issued_enqueue(item, due_at=now + COMPLETION_GRACE if incomplete else None)
                reminder_schedule(item=item, now=now)
                if incomplete:
                    transaction.on_commit(partial(later.wallet_item_complete, item.pk), robust=True)
                return item
            item = WalletItem.objects.select_for_update().get(user_offer_id=offer.user_offer_id)
        if item.customer_id != customer.pk:
            logger.warning("ledger: user offer reported for a customer other than its owner; ignored")
            return None
        item.customer = customer
        _update(item, fields=fields, culture=culture, context=context, now=now)
    return item


def _create(*, customer: Customer, user_offer_id: str, source: str, now: datetime, fields: dict) -> WalletItem | None:
    """The new item, or None when another request recorded it first."""
    try:
        with transaction.atomic():
            return WalletItem.objects.create(
                customer=customer,
                user_offer_id=user_offer_id,
                source=source,
                confirmed_at=now,
                first_seen_at=now,
                **fields,
            )
    except IntegrityError:
        return None


def _is_news(*, source: str, offer: Any, now: datetime) -> bool:
    if source != WalletItemSource.WALLET_READ:
        return True
    issued_at = getattr(offer, "start_date", None)
    return issued_at is None or now - issued_at <= ANNOUNCE_WITHIN


def _update(item: WalletItem, *, fields: dict, culture: str, context: OfferContext, now: datetime) -> None:
    changed = {"confirmed_at"}
    item.confirmed_at = now
    # Texts are kept in one language: the customer's, else whichever came first.
    texts = ("title", "description", "terms")
    take_texts = culture == item.culture or culture == culture_for(item.customer.language)
    for name, value in fields.items():
        if name in texts and not take_texts:
            continue
        if value not in (None, "") and getattr(item, name) != value:
            setattr(item, name, value)
            changed.add(name)
    if take_texts and item.culture != culture:
        item.culture = culture
        changed.add("culture")
    for name in ("campaign_id", "campaign_name", "points_awarded", "point_account_name", *_CONTEXT_DATA):
        value = getattr(context, name)
        if value not in (None, "") and not getattr(item, name):
            setattr(item, name, value)
            changed.add(name)
    item.save(update_fields=[*changed, "updated_at"])
    if changed != {"confirmed_at"}:
        _offer_issued_refresh(item)
    if "expires_at" in changed:
        reminder_schedule(item=item, now=now)


def _offer_issued_refresh(item: WalletItem) -> None:
    """A message not sent yet carries the item as the ledger now knows it."""
    Notification.objects.filter(dedupe_key=_offer_issued_key(item), status=NotificationStatus.PENDING).update(
        trigger_properties=offer_message_properties(item=item, kind=NotificationKind.OFFER_ISSUED),
        updated_at=timezone.now(),
    )


def _offer_issued_key(item: WalletItem) -> str:
    return f"{NotificationKind.OFFER_ISSUED}:{item.customer_id}:{item.user_offer_id}"


def _offer_issued_enqueue(item: WalletItem, *, due_at: datetime | None) -> None:
    customer = item.customer
    notification_enqueue(
        kind=NotificationKind.OFFER_ISSUED,
        customer=customer,
        dedupe_key=_offer_issued_key(item),
        trigger_properties=offer_message_properties(item=item, kind=NotificationKind.OFFER_ISSUED),
        due_at=due_at,
        # Braze drops a send to a profile it does not have. The welcome creates it, but if the welcome is
        # still queued (or failed), this message creates it too, with the same attributes, rather than vanish.
        attributes={
            "email": customer.user.email,
            "first_name": customer.first_name,
            "language": braze_language(customer.language),
        },
        send_to_existing_only=False,
    )


def wallet_item_mark(*, user_offer_id: str, state: str, customer: Customer | None = None) -> WalletItem | None:
    """Record that an issued item was redeemed, revoked or expired, and cancel its reminder. A later state
    never goes back to issued. None when the ledger does not know the item (or it is another customer's)."""
    if state == WalletItemState.ISSUED:
        raise ValueError("wallet_item_mark records an item leaving the wallet; use wallet_item_record")
    with transaction.atomic():
        item = WalletItem.objects.select_for_update().filter(user_offer_id=user_offer_id).first()
        if item is None or (customer is not None and item.customer_id != customer.pk):
            return None
        if item.state == WalletItemState.ISSUED:
            item.state = state
            item.save(update_fields=["state", "updated_at"])
            reminder_cancel(item=item, reason=f"offer {state}")
    return item


def wallet_item_points_record(
    *, customer: Customer, user_offer_id: str, points: int, point_account_name: str
) -> WalletItem | None:
    """Record the points that came with an item (a points_awarded event naming it). If its offer-issued
    message is still waiting to be sent, it will carry them. None when the ledger does not know the item."""
    with transaction.atomic():
        item = (
            WalletItem.objects.select_for_update()
            .select_related("customer__user")
            .filter(user_offer_id=user_offer_id, customer=customer)
            .first()
        )
        if item is None:
            return None
        item.points_awarded = points
        item.point_account_name = point_account_name
        item.save(update_fields=["points_awarded", "point_account_name", "updated_at"])
        _offer_issued_refresh(item)
    return item


# The wallets this process found the ledger already in line with, by customer: (what the read showed, when).
# A wallet read is a hot path, and most reads show what the last one did, which the ledger already holds: the
# comparison alone (one query) was about a third of the wallet screen's CPU (bench/profile_screens.py). The same
# read within SYNC_REPEAT_SECONDS is not compared again. Only a comparison that changed nothing and left nothing
# for later is remembered, so a read after any change is compared at least once more. What the memory can delay,
# by SYNC_REPEAT_SECONDS at most: comparing the wallet with what the ledger learnt meanwhile from elsewhere (a
# purchase, the webhook), and refreshing confirmed_at (CONFIRM_REFRESH, an hour). Per process and bounded (the
# least recently synced customers are forgotten first).
SYNC_REPEAT_SECONDS = 60.0
_SYNCED_MAX = 2000
_synced: OrderedDict[tuple[int, str | None], tuple[tuple, float]] = OrderedDict()
_synced_lock = threading.Lock()


def _read_shown(offers: list, culture: str, complete: bool) -> tuple:
    return (culture, complete, tuple(offers))


def _recently_synced(customer: Customer, shown: tuple) -> bool:
    with _synced_lock:
        found = _synced.get((customer.pk, customer.sessionm_user_id))
    return found is not None and found[0] == shown and time.monotonic() - found[1] < SYNC_REPEAT_SECONDS


def _synced_remember(customer: Customer, shown: tuple) -> None:
    key = (customer.pk, customer.sessionm_user_id)
    with _synced_lock:
        _synced[key] = (shown, time.monotonic())
        _synced.move_to_end(key)
        while len(_synced) > _SYNCED_MAX:
            _synced.popitem(last=False)


def wallet_items_sync_forget() -> None:
    """Forget which wallets were synced (tests; a process that changed the ledger behind the sync's back)."""
    with _synced_lock:
        _synced.clear()


def wallet_items_sync(*, customer: Customer, offers: list, culture: str, complete: bool, read_at: datetime) -> None:
    """Bring the ledger in line with a read of the customer's SessionM wallet (issued offers, in `culture`)
    that started at `read_at`.

    New offers and changed ones go through wallet_item_record (source wallet_read). When `complete` (the read
    covered the whole wallet), issued items missing from it have left the wallet: expired when past their
    expiry, else redeemed (SessionM lists issued offers only, and redemption is how they usually leave).
    Items the ledger learnt of after `read_at` are left alone: the read could not have listed them.
    """
    if customer.status != CustomerStatus.ACTIVE:
        return
    shown = _read_shown(offers, culture, complete)
    if _recently_synced(customer, shown):
        return
    now = timezone.now()
    # Only the rows the read can speak of: the offers it listed, and the issued items (which may have left the
    # wallet). A member's redeemed and expired history grows for years and is never compared here.
    listed = {offer.user_offer_id for offer in offers}
    rows = (
        WalletItem.objects.filter(customer=customer)
        .filter(Q(state=WalletItemState.ISSUED) | Q(user_offer_id__in=listed))
        # What the comparison and the marking below read (not the campaign's JSON, decoded per row for nothing).
        .only("user_offer_id", *_COMPARED, "culture", "state", "confirmed_at")
    )
    known = {item.user_offer_id: item for item in rows}
    unchanged = []
    in_line = True  # the ledger already held what the read showed, and nothing is left for a later read
    confirm_before = read_at - CONFIRM_REFRESH
    for offer in offers:
        item = known.get(offer.user_offer_id)
        if item is not None and _same(item, _offer_fields(offer), culture):
            # Most reads confirm recent items: no statement at all then (a wallet read is a hot path).
            if item.confirmed_at is not None and item.confirmed_at < confirm_before:
                unchanged.append(item.pk)
        else:
            in_line = False
            wallet_item_record(
                customer=customer,
                offer=offer,
                source=WalletItemSource.WALLET_READ,
                context=OfferContext(culture=culture),
                now=now,
            )
    # One statement for the items the read merely confirmed, and only when their confirmation is getting old.
    if unchanged:
        WalletItem.objects.filter(pk__in=unchanged, confirmed_at__lt=confirm_before).update(confirmed_at=read_at)
    if complete:
        for user_offer_id, item in known.items():
            if item.state != WalletItemState.ISSUED or user_offer_id in listed:
                continue
            in_line = False
            seen_before_the_read = item.confirmed_at is None or item.confirmed_at < read_at
            if seen_before_the_read:
                expired = item.expires_at is not None and item.expires_at <= read_at
                wallet_item_mark(
                    user_offer_id=user_offer_id,
                    state=WalletItemState.EXPIRED if expired else WalletItemState.REDEEMED,
                    customer=customer,
                )
    if in_line:
        _synced_remember(customer, shown)


def _same(item: WalletItem, fields: dict, culture: str) -> bool:
    texts_comparable = culture == item.culture
    return all(
        value in (None, "") or getattr(item, name) == value
        for name, value in fields.items()
        if texts_comparable or name not in ("title", "description", "terms")
    )
