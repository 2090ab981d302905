"""The SessionM client: Core, Connect and Cloud POS calls on one pooled session.

Plain Python: configuration comes in as keyword arguments (apps.sessionm.get_sessionm_client builds it from
settings), results come out as the frozen dataclasses of apps.sessionm.types, failures as the exceptions of
apps.sessionm.errors. The wire format is the client's alone: a caller passes typed values (a purchase's
TransactionLine, TransactionPayment and PromoCodeDiscount) and never builds a SessionM body. Paths, retry
safety and where each answer is kept live in apps.sessionm.routes only.
"""

import base64
import logging
import time
from collections.abc import Callable, Sequence
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any, TypeVar, cast
from urllib.parse import quote

import requests

from apps.upstream.session import send

from . import envelope, wire
from .errors import NO_ACTIVE_CAMPAIGN_FOUND, SessionMBadResponse, SessionMError, SessionMTimeout, SessionMUnavailable
from .routes import ROUTES
from .types import (
    Campaign,
    EventOutcome,
    IssuedOffer,
    PointAuditEntry,
    PointBalances,
    PrivacyRequest,
    PromoClaim,
    PromoCodeDiscount,
    Purchase,
    RewardStore,
    RewardStoreOffersPage,
    SessionMUser,
    TimelineEvent,
    TimelinePage,
    TransactionLine,
    TransactionPayment,
    TransactionReceipt,
    UserOffersPage,
    lines_subtotal,
)

logger = logging.getLogger(__name__)

T = TypeVar("T")

MAX_TAKE = 1000
MAX_TIMELINE_COUNT = 1000
MAX_REWARD_STORE_IDS = 100
MAX_POS_ITEMS = 1000
MAX_POS_DISCOUNTS = 100
MAX_POS_PAYMENTS = 100

# Core user attributes update_user may change (spec §3); anything else is a programming error.
_UPDATABLE_USER_FIELDS = frozenset(
    {
        "email",
        "first_name",
        "last_name",
        "gender",
        "dob",
        "locale",
        "opted_in",
        "address",
        "city",
        "state",
        "zip",
        "country",
        "phone_numbers",
        "user_profile",
    }
)


def _basic(key: str, secret: str) -> str:
    return "Basic " + base64.b64encode(f"{key}:{secret}".encode()).decode("ascii")


def _check_page(*, skip: int, take: int) -> None:
    if not 1 <= take <= MAX_TAKE:
        raise ValueError(f"take must be between 1 and {MAX_TAKE}")
    if skip < 0:
        raise ValueError("skip must not be negative")


def _check_quantity(quantity: int) -> None:
    if quantity < 1:
        raise ValueError("quantity must be at least 1")


def _user_params(*, expand_incentives: bool, user_profile: bool) -> dict[str, str]:
    # Only the flags asked for: expand_incentives is a heavy call on SessionM's side.
    params = {}
    if user_profile:
        params["user[user_profile]"] = "true"
    if expand_incentives:
        params["expand_incentives"] = "true"
    return params


def _user_attributes(changes: dict[str, Any]) -> dict[str, Any]:
    return {name: value.isoformat() if isinstance(value, date) else value for name, value in changes.items()}


class SessionMClient:
    def __init__(
        self,
        *,
        core_url: str,
        connect_url: str,
        pos_url: str,
        api_key: str,
        api_secret: str,
        connect_key: str,
        connect_secret: str,
        retailer_id: str,
        pos_key: str,
        pos_secret: str,
        pos_store_id: str,
        pos_client_id: str,
        external_id_type: str,
        timeout: tuple[float, float],
        retries: int,
        session: requests.Session,
    ):
        self._base_urls = {
            "core": core_url.rstrip("/"),
            "connect": connect_url.rstrip("/"),
            "pos": pos_url.rstrip("/"),
        }
        self._authorization = {
            "core": _basic(api_key, api_secret),
            "connect": _basic(connect_key, connect_secret),
            "pos": _basic(pos_key, pos_secret),
        }
        self._api_key = api_key
        self._retailer_id = retailer_id
        self._pos_store_id = pos_store_id
        self._pos_client_id = pos_client_id
        self._external_id_type = external_id_type
        self._timeout = timeout
        self._retries = retries
        self._session = session

    # --- Core: customers ---------------------------------------------------------------------------------

    def create_user(
        self,
        *,
        external_id: str,
        email: str,
        first_name: str = "",
        last_name: str = "",
        dob: date | None = None,
        locale: str | None = None,
        opted_in: bool = True,
        user_profile: dict[str, Any] | None = None,
    ) -> SessionMUser:
        optional = {
            "first_name": first_name,
            "last_name": last_name,
            "dob": dob,
            "locale": locale,
            "user_profile": user_profile,
        }
        attributes = {
            "external_id": external_id,
            "external_id_type": self._external_id_type,
            "email": email,
            "opted_in": opted_in,
            **{name: value for name, value in optional.items() if value not in (None, "")},
        }
        data = self._call("user_create", json={"user": _user_attributes(attributes)})
        return self._parse("user_create", SessionMUser.from_wire, data)

    def get_user(self, user_id: str, *, expand_incentives: bool = False, user_profile: bool = False) -> SessionMUser:
        params = _user_params(expand_incentives=expand_incentives, user_profile=user_profile)
        data = self._call("user_get", path_params={"user_id": user_id}, params=params)
        return self._parse("user_get", SessionMUser.from_wire, data)

    def get_user_by_external_id(
        self, external_id: str, *, expand_incentives: bool = False, user_profile: bool = False
    ) -> SessionMUser:
        params = _user_params(expand_incentives=expand_incentives, user_profile=user_profile)
        data = self._call("user_get_external", path_params={"external_id": external_id}, params=params)
        return self._parse("user_get_external", SessionMUser.from_wire, data)

    def update_user(self, user_id: str, **changes: Any) -> SessionMUser:
        """Partial update: only the attributes given are sent; SessionM answers with the full user."""
        if not changes:
            raise ValueError("update_user needs at least one attribute to change")
        unknown = set(changes) - _UPDATABLE_USER_FIELDS
        if unknown:
            raise TypeError(f"update_user got attributes SessionM does not update: {', '.join(sorted(unknown))}")
        data = self._call("user_update", path_params={"user_id": user_id}, json={"user": _user_attributes(changes)})
        return self._parse("user_update", SessionMUser.from_wire, data)

    def request_forget(self, user_id: str) -> PrivacyRequest:
        """Ask SessionM to forget the customer: a Data Privacy request SessionM carries out on its side
        (irreversible). Raises SessionMNotFound when the profile is already gone."""
        body = {"privacy_request": {"request_type": "forget"}}
        data = self._call("privacy_forget_request", path_params={"user_id": user_id}, json=body)
        return self._parse("privacy_forget_request", PrivacyRequest.from_wire, data)

    def add_tags(
        self,
        *,
        tags: list[str],
        ttl: int | None = None,
        user_id: str | None = None,
        external_id: str | None = None,
    ) -> None:
        """Without `ttl` each tag is a counter (+1 per call); with `ttl` (seconds) it expires instead."""
        if (user_id is None) == (external_id is None):
            raise ValueError("add_tags needs exactly one of user_id and external_id")
        if not tags:
            raise ValueError("add_tags needs at least one tag")
        if ttl is not None and ttl < 1:
            raise ValueError("ttl must be a positive number of seconds")
        body: dict[str, Any] = {"tags": list(tags)}
        if ttl is not None:
            body["ttl"] = ttl
        if user_id is not None:
            self._call("tags_add", path_params={"user_id": user_id}, json=body)
        else:
            # Exactly one of the two was given (checked above), so this one is a str.
            self._call("tags_add_external", path_params={"external_id": cast(str, external_id)}, json=body)

    # --- Core: activity, campaigns, promo codes ------------------------------------------------------------

    def get_timeline(
        self,
        user_id: str,
        *,
        view: str,
        count: int,
        since: datetime | None = None,
        event_types: list[str] | None = None,
    ) -> TimelinePage:
        """One page of the activity log, oldest first. SessionM documents `since` as a timestamp that asks for
        the events after it, and no `since` as "all events"; count is at most 1,000 (DOC_TIMELINE in routes).
        Events carry no promised id, so a page is continued by time: `next_since` is the timestamp to ask
        from next, None when the page was not full."""
        if not 1 <= count <= MAX_TIMELINE_COUNT:
            raise ValueError(f"count must be between 1 and {MAX_TIMELINE_COUNT}")
        params: dict[str, Any] = {"count": count}
        if since is not None:
            params["since"] = wire.core_timestamp(since)
        if event_types:
            params["event_types"] = ",".join(event_types)
        data = self._call("timeline_get", path_params={"user_id": user_id, "view": view}, params=params)
        return self._parse("timeline_get", lambda body: TimelinePage.from_wire(body, count=count), data)

    def get_timeline_events(
        self,
        user_id: str,
        *,
        view: str,
        since: datetime | None = None,
        max_events: int = MAX_TIMELINE_COUNT,
        page_size: int = MAX_TIMELINE_COUNT,
    ) -> tuple[TimelineEvent, ...]:
        """Every event after `since` (all events without it), oldest first, reading forward page by page
        until a short page or `max_events`. The next page asks from one second before the last timestamp
        (Core timestamps have whole seconds, and `since` may be exclusive), so events sharing that second
        are not lost; the ones already read are dropped by their content, as events have no promised id."""
        if max_events < 1:
            raise ValueError("max_events must be at least 1")
        events: list[TimelineEvent] = []
        seen: set[tuple[Any, ...]] = set()
        cursor = since
        count = min(page_size, max_events, MAX_TIMELINE_COUNT)
        while len(events) < max_events:
            page = self.get_timeline(user_id, view=view, count=count, since=cursor)
            fresh = [event for event in page.events if event.identity not in seen]
            for event in fresh:
                seen.add(event.identity)
            events.extend(fresh)
            if page.next_since is None:
                break
            if fresh:
                cursor = page.next_since - timedelta(seconds=1)
            elif count < MAX_TIMELINE_COUNT:
                # A full page of events already read: more of them share one second than a page holds.
                count = min(count * 2, MAX_TIMELINE_COUNT)
            else:
                logger.warning("sessionm timeline: over %d events in one second; reading on after it", count)
                cursor = page.next_since
        return tuple(events[:max_events])

    def get_eligible_campaigns(self, user_id: str) -> list[Campaign]:
        try:
            data = self._call("campaigns_eligible", path_params={"user_id": user_id})
        except SessionMError as exc:
            if exc.code == NO_ACTIVE_CAMPAIGN_FOUND:
                return []
            raise
        return self._parse("campaigns_eligible", _campaigns, data)

    def opt_in(self, user_id: str, campaign_id: str) -> None:
        self._call("campaign_opt_in", path_params={"user_id": user_id, "campaign_id": campaign_id})

    def claim_promo_code(self, user_id: str, code: str) -> PromoClaim:
        data = self._call("promo_code_claim", path_params={"user_id": user_id}, json={"promo_code": {"code": code}})
        return self._parse("promo_code_claim", PromoClaim.from_wire, data)

    # --- Connect: offers -----------------------------------------------------------------------------------

    def get_user_offers(self, user_id: str, *, culture: str, skip: int = 0, take: int = 20) -> UserOffersPage:
        """The customer's issued offers ("Ready to Redeem") in `culture`, with their point totals."""
        _check_page(skip=skip, take=take)
        body = {
            "user_id": user_id,
            "skip": skip,
            "take": take,
            "include_pending_extended_data": False,
            "culture": culture,
        }
        data = self._call("user_offers_get", json=body)
        return self._parse("user_offers_get", UserOffersPage.from_wire, data)

    def issue_offer(self, user_id: str, offer_id: str, *, quantity: int = 1) -> list[IssuedOffer]:
        """One entry per offer asked for; check `IssuedOffer.issued` (SessionM reports per-item failures)."""
        _check_quantity(quantity)
        body = {"user_id": user_id, "offer_id": offer_id, "quantity": quantity}
        data = self._call("offer_issue", json=body)
        return self._parse(
            "offer_issue",
            lambda payload: [IssuedOffer.from_wire(entry) for entry in _list(_dict(payload).get("status_list"))],
            data,
        )

    def redeem_offer(self, user_offer_id: str) -> None:
        self._call("offer_redeem", json={"user_offer_id": user_offer_id, "force_redeem": False})

    def get_reward_stores(self, user_id: str) -> list[RewardStore]:
        data = self._call("reward_stores_get", json={"user_id": user_id})
        return self._parse(
            "reward_stores_get",
            lambda payload: [RewardStore.from_wire(store) for store in _list(_dict(payload).get("reward_stores"))],
            data,
        )

    def get_reward_store_offers(
        self, reward_store_ids: list[str], *, culture: str, skip: int = 0, take: int = 20
    ) -> RewardStoreOffersPage:
        """Active offers of the given stores ("Rewards Store") in `culture`."""
        if not 1 <= len(reward_store_ids) <= MAX_REWARD_STORE_IDS:
            raise ValueError(f"reward_store_ids must name 1 to {MAX_REWARD_STORE_IDS} stores")
        _check_page(skip=skip, take=take)
        body = {
            "reward_store_ids": list(reward_store_ids),
            "limit_to_only_active": True,
            "exclude_free_offers": False,
            "include_expired": False,
            "skip": skip,
            "take": take,
            "culture": culture,
        }
        data = self._call("reward_store_offers_get", json=body)
        return self._parse(
            "reward_store_offers_get",
            lambda payload: RewardStoreOffersPage.from_wire(payload, skip=skip, take=take),
            data,
        )

    def purchase_offer(
        self,
        *,
        user_id: str,
        reward_store_id: str,
        reward_store_offer_id: str,
        point_account_ids: list[str],
        culture: str,
        quantity: int = 1,
    ) -> Purchase:
        """Spend points and issue the offer, atomically on SessionM's side. SessionM requires the GUIDs of
        the point accounts to spend from (DOC_PURCHASE in routes). Never retried: a lost answer might hide a
        purchase that happened. Raises SessionMInsufficientPoints when the balance is short. Any success
        envelope is a purchase, whatever its payload holds: the points are spent."""
        _check_quantity(quantity)
        accounts = [account for account in point_account_ids if isinstance(account, str) and account]
        if not accounts:
            raise ValueError("purchase_offer needs the point account id(s) to spend from")
        body = {
            "user_id": user_id,
            "reward_store_id": reward_store_id,
            "reward_store_offer_id": reward_store_offer_id,
            "point_account_ids": accounts,
            "quantity": quantity,
            "culture": culture,
        }
        data = self._call("reward_store_purchase", json=body)
        return Purchase.from_wire(data)

    # --- Connect: incentives -------------------------------------------------------------------------------

    def get_point_balances(self, user_id: str) -> PointBalances:
        data = self._call("point_balances_get", json={"user_id": user_id})
        return self._parse("point_balances_get", PointBalances.from_wire, data)

    def get_point_audit_log(self, user_id: str, *, skip: int = 0, take: int = 20) -> list[PointAuditEntry]:
        _check_page(skip=skip, take=take)
        data = self._call("point_audit_logs_get", json={"user_id": user_id, "skip": skip, "take": take})
        return self._parse(
            "point_audit_logs_get",
            lambda payload: [PointAuditEntry.from_wire(entry) for entry in _list(_dict(payload).get("results"))],
            data,
        )

    def trigger_event(self, user_id: str, event_lookup: str, *, culture: str) -> EventOutcome:
        """Report a behaviour (e.g. "survey_completed") to the rules engine. An event_lookup the tenant does
        not know raises SessionMValidationError with code "unknown_event"."""
        body = {"user_id": user_id, "event_lookup": event_lookup, "culture": culture, "include_progress": False}
        data = self._call("user_event_trigger", json=body)
        return self._parse("user_event_trigger", EventOutcome.from_wire, data)

    # --- Cloud POS -----------------------------------------------------------------------------------------

    def send_transaction(
        self,
        *,
        request_id: str,
        transaction_id: str,
        user_id: str,
        opened_at: datetime,
        channel: str,
        lines: Sequence[TransactionLine],
        payments: Sequence[TransactionPayment],
        discounts: Sequence[PromoCodeDiscount] = (),
        culture: str | None = None,
        store_id: str | None = None,
    ) -> TransactionReceipt:
        """Record a closed purchase of the customer `user_id`. `request_id` is SessionM's idempotency key:
        sending the same one again returns the first answer and changes nothing, so the call is retried safely.
        While the first call with this request_id is still processing SessionM answers "pending processing":
        SessionMPendingProcessing, meaning send the same request_id again later (DOC_POS_CONTAINER in routes).
        `store_id`: the store the till rang it up in (default: the configured SESSIONM_POS_STORE_ID)."""
        for name, entries, limit in (
            ("items", lines, MAX_POS_ITEMS),
            ("discounts", discounts, MAX_POS_DISCOUNTS),
            ("payments", payments, MAX_POS_PAYMENTS),
        ):
            if len(entries) > limit:
                raise ValueError(f"a transaction carries at most {limit} {name}")
        opened = opened_at.isoformat()
        # A closed, unvoided transaction, prices tax included (DOC_POS_SEND and DOC_POS_CONTAINER in routes).
        transaction = {
            "transaction_id": transaction_id,
            "is_closed": True,
            "is_voided": False,
            "channel": channel,
            "open_time": opened,
            "modified_time": opened,
            "subtotal": _money(lines_subtotal(lines)),
            "tax_total": _money(Decimal("0")),
            "items": [
                {
                    "line_id": str(number),
                    "item_id": line.sku,
                    "quantity": line.quantity,
                    "unit_price": _money(line.unit_price),
                    "subtotal": _money(line.subtotal),
                    "tax_included": True,
                }
                for number, line in enumerate(lines, start=1)
            ],
            # Every payment names the customer: Cloud POS attaches a transaction to a member through them.
            "payments": [
                {
                    "payment_id": str(number),
                    "type": payment.type,
                    "amount": _money(payment.amount),
                    "payment_time": opened,
                    "user_id": user_id,
                    "user_id_type": "SessionM_ID",
                }
                for number, payment in enumerate(payments, start=1)
            ],
            "discounts": [_promo_code_discount(number, discount) for number, discount in enumerate(discounts, start=1)],
        }
        body: dict[str, Any] = {
            "store_id": store_id or self._pos_store_id,
            "client_id": self._pos_client_id,
            "request_id": request_id,
        }
        if culture:
            body["culture"] = culture
        body["request_payload"] = transaction
        data = self._call("transaction_send", json=body)
        return self._parse("transaction_send", TransactionReceipt.from_wire, data)

    # --- Plumbing ------------------------------------------------------------------------------------------

    def _call(
        self,
        route_name: str,
        *,
        path_params: dict[str, str] | None = None,
        params: dict[str, Any] | None = None,
        json: dict[str, Any] | None = None,
    ) -> Any:
        """Send one call and return its resource (Core: the envelope's top key; Connect/POS: `payload`)."""
        route = ROUTES[route_name]
        segments = {name: quote(str(value), safe="") for name, value in (path_params or {}).items()}
        url = self._base_urls[route.product] + route.path.format(api_key=quote(self._api_key, safe=""), **segments)
        if route.product == "connect":
            json = {"retailer_id": self._retailer_id, **(json or {})}
        label = f"sessionm {route_name}"

        started = time.monotonic()
        try:
            response = send(
                self._session,
                route.method,
                url,
                label=label,
                unavailable=SessionMUnavailable,
                timed_out=SessionMTimeout,
                timeout=self._timeout,
                retries=self._retries,
                safe_to_retry=route.safe_to_retry,
                params=params,
                json=json,
                headers={"Authorization": self._authorization[route.product]},
            )
        except SessionMError as exc:
            logger.warning("%s failed: %s after %d ms", label, exc.__class__.__name__, _elapsed_ms(started))
            raise
        try:
            data = envelope.read(response, label=label, resource=route.resource)
        except SessionMError as exc:
            logger.warning(
                "%s -> HTTP %s %s (code %s) in %d ms",
                label,
                response.status_code,
                exc.__class__.__name__,
                exc.code,
                _elapsed_ms(started),
            )
            raise
        logger.info("%s -> HTTP %s in %d ms", label, response.status_code, _elapsed_ms(started))
        return data

    def _parse(self, route_name: str, parse: Callable[[Any], T], data: Any) -> T:
        try:
            return parse(data)
        except (KeyError, TypeError, ValueError, ArithmeticError) as exc:
            logger.warning("sessionm %s: unexpected shape (%s)", route_name, exc.__class__.__name__)
            raise SessionMBadResponse(f"sessionm {route_name}: unexpected response shape") from exc


def _elapsed_ms(started: float) -> int:
    return int((time.monotonic() - started) * 1000)


def _list(value: Any) -> list[Any]:
    if not isinstance(value, list):
        raise TypeError(f"expected a list, got {type(value).__name__}")
    return value


def _dict(value: Any) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise TypeError(f"expected an object, got {type(value).__name__}")
    return value


def _promo_code_discount(number: int, discount: PromoCodeDiscount) -> dict[str, str]:
    entry = {"discount_id": str(number), "type": "promo_code", "code": discount.code}
    if discount.user_offer_id:
        entry["user_offer_id"] = discount.user_offer_id
    return entry


def _money(amount: Decimal) -> str:
    """An amount as Cloud POS reads it: a decimal string with cents ("18.00")."""
    return str(amount.quantize(Decimal("0.01")))


def _campaigns(campaigns: Any) -> list[Campaign]:
    """Tiles then promotions, each campaign once."""
    campaigns = _dict(campaigns)
    seen: set[str] = set()
    result = []
    for entry in _list(campaigns.get("tiles") or []) + _list(campaigns.get("promotions") or []):
        campaign = Campaign.from_wire(entry)
        if campaign.campaign_id not in seen:
            seen.add(campaign.campaign_id)
            result.append(campaign)
    return result
