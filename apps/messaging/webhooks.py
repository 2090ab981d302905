"""SessionM's outbound webhook: authenticate it, record the event once, act on it in a task.

POST /integrations/sessionm/events carries one event {id, type, occurred_at, user_id, data}. SessionM
publishes no signing scheme: its delivery team builds each outbound webhook to the partner's needs. So the
receiver takes what such a webhook can realistically carry, chosen by SESSIONM_WEBHOOK_AUTH (README,
"SessionM webhook"), each compared in constant time against SESSIONM_WEBHOOK_SECRET:

- "bearer": `Authorization: Bearer <secret>`;
- "basic": `Authorization: Basic base64(<SESSIONM_WEBHOOK_USERNAME>:<secret>)`;
- "header": `<SESSIONM_WEBHOOK_HEADER>: <secret>` (a custom header);
- "hmac" (where the tenant agrees to sign): `X-SessionM-Timestamp: <unix seconds>` and
  `X-SessionM-Signature: sha256=<hex HMAC-SHA256 of "<timestamp>.<raw body>">`. The timestamp is inside the
  signed bytes, so a captured request cannot be replayed with a fresh one; it must be within TOLERANCE.

A static credential cannot stop a replay of a captured request: the event id makes a replay a no-op. The
request only records the event (its unique id turns a redelivery into a no-op) and queues its processing
(tasks.process_sessionm_event), so SessionM gets its answer at once.
"""

import base64
import binascii
import hashlib
import hmac
import logging
from collections.abc import Callable
from datetime import datetime, timedelta
from functools import partial

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext_lazy as _
from rest_framework.authentication import BaseAuthentication
from rest_framework.exceptions import AuthenticationFailed

from apps.accounts.languages import culture_for
from apps.accounts.models import Customer, CustomerStatus
from apps.braze import get_braze_client
from apps.braze.errors import BrazeError, BrazeRequestRejected
from apps.core.backoff import NO_JITTER, backoff_delay
from apps.sessionm.errors import SessionMError
from apps.sessionm.types import UserOffer

from . import later
from .connected_content import PartnerPrincipal
from .discovery import wallet_offer_find
from .ledger import OfferContext, OfferFacts, wallet_item_mark, wallet_item_points_record, wallet_item_record
from .models import InboundEvent, InboundEventStatus, WalletItemSource, WalletItemState
from .signals import sessionm_activity_reported

logger = logging.getLogger(__name__)

SIGNATURE_HEADER = "X-SessionM-Signature"
TIMESTAMP_HEADER = "X-SessionM-Timestamp"
TOLERANCE = timedelta(minutes=5)

OFFER_ISSUED = "offer_issued"
OFFER_REDEEMED = "offer_redeemed"
POINTS_AWARDED = "points_awarded"
TIER_CHANGED = "tier_changed"
EVENT_TYPES = (OFFER_ISSUED, OFFER_REDEEMED, POINTS_AWARDED, TIER_CHANGED)

# A failed event (Braze or SessionM down) is tried again this many times, backing off from RETRY_BASE.
MAX_ATTEMPTS = 5
RETRY_BASE = timedelta(minutes=1)
# Never reached with MAX_ATTEMPTS 5 (the fourth retry waits 8 minutes); there so a larger MAX_ATTEMPTS stays sane.
RETRY_CAP = timedelta(hours=1)


def webhook_signature(*, secret: str, timestamp: str, body: bytes) -> str:
    digest = hmac.new(secret.encode(), timestamp.encode() + b"." + body, hashlib.sha256).hexdigest()
    return f"sha256={digest}"


def _same(presented: str, expected: str) -> bool:
    return hmac.compare_digest(presented.encode(), expected.encode())


class SessionMSignatureAuthentication(BaseAuthentication):
    """Accepts a request only when it carries the credential agreed with SessionM (SESSIONM_WEBHOOK_AUTH)."""

    def authenticate(self, request):
        scheme = settings.SESSIONM_WEBHOOK_AUTH
        if scheme == "bearer":
            kind, _sep, token = request.headers.get("Authorization", "").partition(" ")
            if kind.lower() != "bearer" or not token.strip():
                raise AuthenticationFailed(_("The request carries no bearer token."))
            if not _same(token.strip(), settings.SESSIONM_WEBHOOK_SECRET):
                raise AuthenticationFailed(_("Invalid credentials."))
        elif scheme == "basic":
            kind, _sep, encoded = request.headers.get("Authorization", "").partition(" ")
            if kind.lower() != "basic":
                raise AuthenticationFailed(_("The request carries no Basic credentials."))
            try:
                username, _sep, password = base64.b64decode(encoded.strip(), validate=True).decode().partition(":")
            except (binascii.Error, UnicodeDecodeError) as exc:
                raise AuthenticationFailed(_("Malformed Basic credentials.")) from exc
            # Both compared every time, so the timing does not tell which one was wrong.
            username_ok = _same(username, settings.SESSIONM_WEBHOOK_USERNAME)
            if not (_same(password, settings.SESSIONM_WEBHOOK_SECRET) and username_ok):
                raise AuthenticationFailed(_("Invalid credentials."))
        elif scheme == "header":
            value = request.headers.get(settings.SESSIONM_WEBHOOK_HEADER, "").strip()
            if not value:
                raise AuthenticationFailed(_("The request carries no credential."))
            if not _same(value, settings.SESSIONM_WEBHOOK_SECRET):
                raise AuthenticationFailed(_("Invalid credentials."))
        else:
            self._check_signature(request)
        return PartnerPrincipal("sessionm"), None

    def _check_signature(self, request) -> None:
        timestamp = request.headers.get(TIMESTAMP_HEADER, "").strip()
        signature = request.headers.get(SIGNATURE_HEADER, "").strip()
        if not timestamp or not signature:
            raise AuthenticationFailed(_("The request is not signed."))
        if not timestamp.isdigit() or abs(timezone.now().timestamp() - int(timestamp)) > TOLERANCE.total_seconds():
            raise AuthenticationFailed(_("The signature timestamp is missing, malformed or too old."))
        expected = webhook_signature(secret=settings.SESSIONM_WEBHOOK_SECRET, timestamp=timestamp, body=request.body)
        if not hmac.compare_digest(expected.encode(), signature.encode()):
            raise AuthenticationFailed(_("The signature does not match."))

    def authenticate_header(self, request):
        scheme = settings.SESSIONM_WEBHOOK_AUTH
        if scheme == "bearer":
            return 'Bearer realm="sessionm-webhook"'
        if scheme == "basic":
            return 'Basic realm="sessionm-webhook"'
        if scheme == "header":
            return f'Token header="{settings.SESSIONM_WEBHOOK_HEADER}"'
        return f'HMAC-SHA256 header="{SIGNATURE_HEADER}"'


def sessionm_event_receive(
    *, event_id: str, event_type: str, occurred_at: datetime, user_id: str, data: dict
) -> tuple[InboundEvent, str]:
    """Record an event and queue its processing. Returns the event and what became of it: "queued",
    "ignored" (a type we do not act on, recorded all the same) or "duplicate" (the id was seen before)."""
    known = event_type in EVENT_TYPES
    try:
        with transaction.atomic():
            event = InboundEvent.objects.create(
                event_id=event_id,
                type=event_type,
                occurred_at=occurred_at,
                user_id=user_id,
                data=data,
                status=InboundEventStatus.RECEIVED if known else InboundEventStatus.IGNORED,
                note="" if known else "unknown event type",
            )
    except IntegrityError:
        return InboundEvent.objects.get(event_id=event_id), "duplicate"
    if not known:
        return event, "ignored"
    transaction.on_commit(lambda: later.sessionm_event_process(event.pk), robust=True)
    return event, "queued"


def sessionm_events_requeue(*, events: QuerySet[InboundEvent]) -> int:
    """Process failed events again (the admin's action, once what failed is fixed). Returns how many."""
    pks = list(events.filter(status=InboundEventStatus.FAILED).values_list("pk", flat=True))
    InboundEvent.objects.filter(pk__in=pks).update(status=InboundEventStatus.RECEIVED, attempts=0, processed_at=None)
    for pk in pks:
        transaction.on_commit(partial(later.sessionm_event_process, pk), robust=True)
    return len(pks)


class _Retry(Exception):
    """A dependency failed in a way worth trying again later."""


def sessionm_event_process(*, event_pk: int) -> str:
    """Act on a recorded event; returns its status. Safe to run twice: everything it calls is idempotent."""
    event = InboundEvent.objects.filter(pk=event_pk, status=InboundEventStatus.RECEIVED).first()
    if event is None:
        return "skipped"
    customer = (
        Customer.objects.select_related("user")
        .filter(sessionm_user_id=event.user_id, status=CustomerStatus.ACTIVE)
        .first()
    )
    if customer is None:
        return _finish(event, InboundEventStatus.IGNORED, "no active customer with this SessionM user id")
    try:
        note = _HANDLERS[event.type](event, customer)
    except _Retry as exc:
        return _retry_later(event, str(exc))
    except Exception as exc:
        # A bug must not leave the event "received" for ever: failed, it shows in the admin, which can rerun it.
        _finish(event, InboundEventStatus.FAILED, f"unexpected error: {exc.__class__.__name__}")
        raise
    status = _finish(event, InboundEventStatus.PROCESSED, note)
    # Every event type handled here is also an entry of the customer's SessionM timeline.
    sessionm_activity_reported.send(sender=sessionm_event_process, customer=customer)
    return status


def _finish(event: InboundEvent, status: str, note: str) -> str:
    InboundEvent.objects.filter(pk=event.pk).update(
        status=status, note=note, attempts=event.attempts + 1, processed_at=timezone.now()
    )
    return status


def _retry_later(event: InboundEvent, error: str) -> str:
    attempts = event.attempts + 1
    if attempts >= MAX_ATTEMPTS:
        logger.error("sessionm event %s failed %s times: %s", event.pk, attempts, error)
        InboundEvent.objects.filter(pk=event.pk).update(
            status=InboundEventStatus.FAILED, attempts=attempts, note=error, processed_at=timezone.now()
        )
        return InboundEventStatus.FAILED
    InboundEvent.objects.filter(pk=event.pk).update(attempts=attempts, note=error)
    # No jitter: one event pacing itself; the worker spreads the events it runs anyway.
    delay = backoff_delay(attempts, base=RETRY_BASE.total_seconds(), cap=RETRY_CAP.total_seconds(), jitter=NO_JITTER)
    later.sessionm_event_process(event.pk, run_after=timezone.now() + timedelta(seconds=delay))
    return InboundEventStatus.RECEIVED


def _moment(value) -> datetime | None:
    return parse_datetime(value) if isinstance(value, str) else None


def _offer_issued(event: InboundEvent, customer: Customer) -> str:
    data = event.data
    offer: OfferFacts | UserOffer = OfferFacts(
        user_offer_id=data["user_offer_id"],
        offer_id=data.get("offer_id"),
        name=data.get("name"),
        description=data.get("description"),
        terms=data.get("terms"),
        image_url=data.get("image_url"),
        pos_discount_id=data.get("pos_discount_id"),
        expires_at=_moment(data.get("redemption_end_date")),
        start_date=_moment(data.get("start_date")),
    )
    culture = data.get("culture") or culture_for(None)
    wanted = culture_for(customer.language)
    if culture.lower() != wanted.lower():
        # SessionM sends the offer in one language; the message goes out in the customer's.
        try:
            translated = wallet_offer_find(customer=customer, user_offer_id=offer.user_offer_id, culture=wanted)
        except SessionMError as exc:
            logger.warning(
                "sessionm event %s: wallet unavailable (%s); texts as sent", event.pk, exc.__class__.__name__
            )
            translated = None
        if translated is not None:
            offer, culture = translated, wanted
    wallet_item_record(
        customer=customer,
        offer=offer,
        source=WalletItemSource.WEBHOOK,
        context=OfferContext(
            culture=culture,
            campaign_id=data.get("campaign_id"),
            campaign_name=data.get("campaign_name"),
            points_awarded=data.get("points_awarded"),
            point_account_name=data.get("point_account_name"),
            campaign_runtime=data.get("campaign_runtime"),
            campaign_custom_data=data.get("campaign_custom_data"),
            triggering_event_data=data.get("triggering_event_data"),
        ),
    )
    return ""


def _offer_redeemed(event: InboundEvent, customer: Customer) -> str:
    item = wallet_item_mark(
        user_offer_id=event.data["user_offer_id"], state=WalletItemState.REDEEMED, customer=customer
    )
    return "" if item else "offer not in the ledger"


def _points_awarded(event: InboundEvent, customer: Customer) -> str:
    user_offer_id = event.data.get("user_offer_id")
    if not user_offer_id:
        return "points live in SessionM; nothing to record"
    item = wallet_item_points_record(
        customer=customer,
        user_offer_id=user_offer_id,
        points=event.data["points"],
        point_account_name=event.data.get("point_account_name") or "",
    )
    return "" if item else "offer not in the ledger"


def _tier_changed(event: InboundEvent, customer: Customer) -> str:
    # Braze segments and message templates read the tier from the customer's profile attribute.
    try:
        get_braze_client().track_users(
            attributes=[{"external_id": customer.sessionm_user_id, "loyalty_tier": event.data["tier"]}]
        )
    except BrazeRequestRejected as exc:
        return f"Braze refused the tier attribute: {exc}"
    except BrazeError as exc:
        raise _Retry(f"Braze unavailable: {exc.__class__.__name__}") from exc
    return ""


_HANDLERS: dict[str, Callable[[InboundEvent, Customer], str]] = {
    OFFER_ISSUED: _offer_issued,
    OFFER_REDEEMED: _offer_redeemed,
    POINTS_AWARDED: _points_awarded,
    TIER_CHANGED: _tier_changed,
}
