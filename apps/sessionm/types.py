"""Typed values of the SessionM client: the results it reads (frozen dataclasses keeping what the screens
need) and the Cloud POS lines it is given to write (at the end).

Fields of a result are named after their wire field (renames are noted where the wire name is ambiguous, e.g. a user
offer's `id` is `user_offer_id`). Each `from_wire` is the one place its wire shape is read: SessionM omits
absent values, so every optional field may be missing; times are aware datetimes, money is Decimal and
points are int.
"""

import json
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

from . import wire


@dataclass(frozen=True)
class PointAccount:
    account_name: str | None
    point_account_id: str | None
    available_balance: int
    life_time_value: int

    @classmethod
    def from_wire(cls, data: Any) -> "PointAccount":
        data = wire.mapping(data)
        return cls(
            account_name=wire.text(data.get("account_name")),
            point_account_id=wire.text(data.get("point_account_id")),
            available_balance=wire.points(data.get("available_balance")) or 0,
            life_time_value=wire.points(data.get("life_time_value")) or 0,
        )


@dataclass(frozen=True)
class PointBalances:
    """Connect `all_balances` payload, and Core's `tier_details.point_account_balances`."""

    total_points: int
    life_time_points: int
    accounts: tuple[PointAccount, ...]  # wire `details`

    @classmethod
    def from_wire(cls, data: Any) -> "PointBalances":
        data = wire.mapping(data)
        summary = wire.mapping(data.get("summary"))
        return cls(
            total_points=wire.points(summary.get("total_points")) or 0,
            life_time_points=wire.points(summary.get("life_time_points")) or 0,
            accounts=tuple(PointAccount.from_wire(entry) for entry in wire.items(data.get("details"))),
        )


@dataclass(frozen=True)
class TierLevel:
    """One entry of `tier_details.tier_levels`. [inferred] Flat {"id","name","rank","required_points"};
    tenants seen in integrator code nest name and rank under `tier_overview`, which is read too."""

    id: str | None
    name: str | None
    rank: int | None
    required_points: int | None

    @classmethod
    def from_wire(cls, data: Any) -> "TierLevel":
        data = wire.mapping(data)
        overview = wire.mapping(data.get("tier_overview"))
        return cls(
            id=wire.text(data.get("id")),
            name=wire.text(data.get("name")) or wire.text(overview.get("name")),
            rank=wire.points(data.get("rank") if data.get("rank") is not None else overview.get("rank")),
            required_points=wire.points(data.get("required_points")),
        )


@dataclass(frozen=True)
class SessionMUser:
    """A Core user. The tier fields are set only when fetched with `expand_incentives`."""

    id: str
    external_id: str | None
    email: str | None
    first_name: str | None
    last_name: str | None
    dob: date | None
    locale: str | None
    opted_in: bool
    available_points: int
    created_at: datetime | None
    user_profile: dict[str, Any] = field(default_factory=dict)  # only when fetched with user_profile
    tier: str | None = None
    tier_points: int | None = None
    next_tier_points: int | None = None
    tier_levels: tuple[TierLevel, ...] = ()
    point_account_balances: PointBalances | None = None

    @classmethod
    def from_wire(cls, data: Any) -> "SessionMUser":
        data = wire.mapping(data)
        tier_details = wire.mapping(data.get("tier_details"))
        balances = tier_details.get("point_account_balances")
        return cls(
            id=wire.identifier(data.get("id")),
            external_id=wire.text(data.get("external_id")),
            email=wire.text(data.get("email")),
            first_name=wire.text(data.get("first_name")),
            last_name=wire.text(data.get("last_name")),
            dob=wire.day(data.get("dob")),
            locale=wire.text(data.get("locale")),
            opted_in=wire.flag(data.get("opted_in")),
            available_points=wire.points(data.get("available_points")) or 0,
            created_at=wire.moment(data.get("created_at")),
            user_profile=wire.mapping(data.get("user_profile")),
            tier=wire.text(data.get("tier")),
            tier_points=wire.points(data.get("tier_points")),
            next_tier_points=wire.points(data.get("next_tier_points")),
            tier_levels=tuple(TierLevel.from_wire(level) for level in wire.items(tier_details.get("tier_levels"))),
            point_account_balances=None if balances is None else PointBalances.from_wire(balances),
        )


@dataclass(frozen=True)
class TimelineEvent:
    """One activity-log event. SessionM documents `event_stream_event_type_id`, `timestamp`, `created_at` and
    `event_stream_payload` (https://docs.sessionm.com/developer/APIs/Core/Customers/customers_timeline.htm);
    an `id` is not promised, so nothing depends on one. `kind` is the slug of the event's type, named by the
    answer's `event_types` list (else the payload's own `kind`); `title` is SessionM's rendered text, shown
    only for kinds the BFF does not know."""

    id: str | None
    event_stream_event_type_id: str | None
    timestamp: datetime | None
    kind: str | None
    title: str | None
    points: int | None
    offer_id: str | None
    user_offer_id: str | None
    amount: Decimal | None
    payload: dict[str, Any] = field(default_factory=dict)

    @property
    def identity(self) -> tuple[Any, ...]:
        """What tells two events apart without an id: type, time and content."""
        return (
            self.event_stream_event_type_id,
            self.timestamp,
            json.dumps(self.payload, sort_keys=True, default=str),
        )

    @classmethod
    def from_wire(cls, data: Any, *, kinds: dict[str, str] | None = None) -> "TimelineEvent":
        data = wire.mapping(data)
        payload = wire.mapping(data.get("event_stream_payload"))
        type_id = wire.text(data.get("event_stream_event_type_id"))
        kind = (kinds or {}).get(type_id or "") or wire.text(payload.get("kind"))
        return cls(
            id=wire.text(data.get("id")),
            event_stream_event_type_id=type_id,
            timestamp=wire.moment(data.get("timestamp")) or wire.moment(data.get("created_at")),
            kind=kind,
            title=wire.text(payload.get("title")),
            points=wire.points(payload.get("points")),
            offer_id=wire.text(payload.get("offer_id")),
            user_offer_id=wire.text(payload.get("user_offer_id")),
            amount=wire.decimal(payload.get("amount")),
            payload=payload,
        )


@dataclass(frozen=True)
class TimelinePage:
    events: tuple[TimelineEvent, ...]  # oldest first
    next_since: datetime | None  # the last event's timestamp when the page was full; None on the last page

    @classmethod
    def from_wire(cls, data: Any, *, count: int) -> "TimelinePage":
        data = wire.mapping(data)
        kinds = {}
        for entry in wire.items(data.get("event_types")):
            entry = wire.mapping(entry)
            type_id, slug = wire.text(entry.get("id")), wire.text(entry.get("slug"))
            if type_id and slug:
                kinds[type_id] = slug
        if "result" not in data:
            raise KeyError("result")
        raw = wire.items(data.get("result"))
        events = [TimelineEvent.from_wire(event, kinds=kinds) for event in raw]
        # SessionM promises no order: sort by time (stable, so equal times keep SessionM's order).
        events.sort(key=lambda event: event.timestamp or datetime.min.replace(tzinfo=UTC))
        stamps = [event.timestamp for event in events if event.timestamp is not None]
        next_since = stamps[-1] if len(raw) >= count and stamps else None
        return cls(events=tuple(events), next_since=next_since)


@dataclass(frozen=True)
class PrivacyRequest:
    """A Data Privacy request SessionM accepted (for us, always "forget")."""

    id: str | None
    request_type: str | None
    status: str | None

    @classmethod
    def from_wire(cls, data: Any) -> "PrivacyRequest":
        data = data if isinstance(data, dict) else {}
        return cls(
            id=_lenient_text(data.get("id")),
            request_type=_lenient_text(data.get("request_type")),
            status=_lenient_text(data.get("status")),
        )


def _lenient_text(value: Any) -> str | None:
    try:
        return wire.text(value)
    except TypeError:
        return None


def _lenient_points(value: Any) -> int | None:
    try:
        return wire.points(value)
    except (TypeError, ValueError, ArithmeticError):
        return None


@dataclass(frozen=True)
class Campaign:
    campaign_id: str
    name: str | None
    start_date: datetime | None
    end_date: datetime | None
    requires_opt_in: bool  # custom_payload.requires_opt_in
    state: str | None  # progress.state: available | opted_in | in_progress | completed
    opted_in: bool  # progress.opted_in
    percent: int  # progress.percent, 0-100
    header: str | None  # template.message.header
    description: str | None  # template.message.description
    image_url: str | None  # template.message.image_url
    custom_payload: dict[str, Any] = field(default_factory=dict)

    @classmethod
    def from_wire(cls, data: Any) -> "Campaign":
        data = wire.mapping(data)
        custom = wire.mapping(data.get("custom_payload"))
        progress = wire.mapping(data.get("progress"))
        message = wire.mapping(wire.mapping(data.get("template")).get("message"))
        return cls(
            campaign_id=wire.identifier(data.get("campaign_id")),
            name=wire.text(data.get("name")),
            start_date=wire.moment(data.get("start_date")),
            end_date=wire.moment(data.get("end_date")),
            requires_opt_in=wire.flag(custom.get("requires_opt_in")),
            state=wire.text(progress.get("state")),
            opted_in=wire.flag(progress.get("opted_in")),
            percent=wire.points(progress.get("percent")) or 0,
            header=wire.text(message.get("header")),
            description=wire.text(message.get("description")),
            image_url=wire.text(message.get("image_url")),
            custom_payload=custom,
        )


@dataclass(frozen=True)
class PromoClaim:
    code: str | None
    offer_id: str | None
    user_offer_id: str | None

    @classmethod
    def from_wire(cls, data: Any) -> "PromoClaim":
        data = wire.mapping(data)
        return cls(
            code=wire.text(data.get("code")),
            offer_id=wire.text(data.get("offer_id")),
            user_offer_id=wire.text(data.get("user_offer_id")),
        )


@dataclass(frozen=True)
class UserOffer:
    """An issued offer in the customer's wallet ("Ready to Redeem"), in the culture asked for."""

    user_offer_id: str  # wire `id`
    offer_id: str | None
    name: str | None
    description: str | None
    terms: str | None
    image_url: str | None  # first `media[].uri`
    is_redeemable: bool
    start_date: datetime | None
    expires_at: datetime | None  # wire `redemption_end_date`
    pos_discount_id: str | None
    offer_type: str | None

    @classmethod
    def from_wire(cls, data: Any) -> "UserOffer":
        data = wire.mapping(data)
        return cls(
            user_offer_id=wire.identifier(data.get("id")),
            offer_id=wire.text(data.get("offer_id")),
            name=wire.text(data.get("name")),
            description=wire.text(data.get("description")),
            terms=wire.text(data.get("terms")),
            image_url=wire.first_media_uri(data.get("media")),
            is_redeemable=wire.flag(data.get("is_redeemable")),
            start_date=wire.moment(data.get("start_date")),
            expires_at=wire.moment(data.get("redemption_end_date")),
            pos_discount_id=wire.text(data.get("pos_discount_id")),
            offer_type=wire.text(data.get("offer_type")),
        )


@dataclass(frozen=True)
class UserOffersPage:
    offers: tuple[UserOffer, ...]
    total: int  # wire `total_records`: issued offers in all pages
    available_points: int
    total_points: int

    @classmethod
    def from_wire(cls, data: Any) -> "UserOffersPage":
        data = wire.mapping(data)
        offers = tuple(UserOffer.from_wire(offer) for offer in wire.items(data.get("user_offers")))
        total = wire.points(data.get("total_records"))
        return cls(
            offers=offers,
            total=len(offers) if total is None else total,
            available_points=wire.points(data.get("available_points")) or 0,
            total_points=wire.points(data.get("total_points")) or 0,
        )


@dataclass(frozen=True)
class IssuedOffer:
    """One entry of an issue call's `status_list`; a non-zero `fail_reason` means it was not issued."""

    user_offer_id: str | None
    offer_id: str | None
    fail_reason: int | None

    @property
    def issued(self) -> bool:
        return not self.fail_reason and self.user_offer_id is not None

    @classmethod
    def from_wire(cls, data: Any) -> "IssuedOffer":
        data = wire.mapping(data)
        return cls(
            user_offer_id=wire.text(data.get("user_offer_id")),
            offer_id=wire.text(data.get("offer_id")),
            fail_reason=wire.points(data.get("fail_reason")),
        )


@dataclass(frozen=True)
class RewardStore:
    id: str
    name: str | None
    point_account_id: str | None

    @classmethod
    def from_wire(cls, data: Any) -> "RewardStore":
        data = wire.mapping(data)
        return cls(
            id=wire.identifier(data.get("id")),
            name=wire.text(data.get("name")),
            point_account_id=wire.text(data.get("point_account_id")),
        )


@dataclass(frozen=True)
class RewardStoreOffer:
    """An offer purchasable with points ("Rewards Store"), in the culture asked for."""

    reward_store_offer_id: str  # wire `id`
    root_offer_id: str | None
    reward_store_id: str | None
    price: int  # points
    start_date: datetime | None
    end_date: datetime | None
    title: str | None  # offer_details.title
    description: str | None  # offer_details.description
    terms: str | None  # offer_details.terms
    image_url: str | None  # first offer_details.media[].uri
    pos_discount_id: str | None  # offer_details.pos_discount_id

    @classmethod
    def from_wire(cls, data: Any) -> "RewardStoreOffer":
        data = wire.mapping(data)
        details = wire.mapping(data.get("offer_details"))
        return cls(
            reward_store_offer_id=wire.identifier(data.get("id")),
            root_offer_id=wire.text(data.get("root_offer_id")),
            reward_store_id=wire.text(data.get("reward_store_id")),
            price=wire.points(data.get("price")) or 0,
            start_date=wire.moment(data.get("start_date")),
            end_date=wire.moment(data.get("end_date")),
            title=wire.text(details.get("title")),
            description=wire.text(details.get("description")),
            terms=wire.text(details.get("terms")),
            image_url=wire.first_media_uri(details.get("media")),
            pos_discount_id=wire.text(details.get("pos_discount_id")),
        )


@dataclass(frozen=True)
class RewardStoreOffersPage:
    offers: tuple[RewardStoreOffer, ...]
    total: int  # wire `total_rows`
    skip: int
    take: int

    @classmethod
    def from_wire(cls, data: Any, *, skip: int, take: int) -> "RewardStoreOffersPage":
        data = wire.mapping(data)
        offers = tuple(RewardStoreOffer.from_wire(offer) for offer in wire.items(data.get("reward_store_offers")))
        total = wire.points(data.get("total_rows"))
        echoed_skip = wire.points(data.get("skip"))
        echoed_take = wire.points(data.get("take"))
        return cls(
            offers=offers,
            total=len(offers) if total is None else total,
            skip=skip if echoed_skip is None else echoed_skip,
            take=take if echoed_take is None else echoed_take,
        )


@dataclass(frozen=True)
class Purchase:
    """The result of buying a Rewards Store offer with points: the new wallet item and the balance left.

    SessionM documents the call (https://docs.sessionm.com/developer/Tasks/Offers/t_purchase_store_offer.htm)
    but not its answer's fields, and by then the points are spent: every field is read leniently and may be
    None, so a success can never turn into an error shown to the customer. The new user offer is looked for
    under the names integrators have seen (`user_offer_id`, `user_offer.id`, `user_offers[0].id`,
    `status_list[0].user_offer_id`)."""

    user_offer_id: str | None
    offer_id: str | None
    reward_store_offer_id: str | None
    points_spent: int | None
    available_points: int | None

    @classmethod
    def from_wire(cls, data: Any) -> "Purchase":
        data = data if isinstance(data, dict) else {}
        return cls(
            user_offer_id=_purchased_user_offer_id(data),
            offer_id=_lenient_text(data.get("offer_id")),
            reward_store_offer_id=_lenient_text(data.get("reward_store_offer_id")),
            points_spent=_lenient_points(data.get("points_spent")),
            available_points=_lenient_points(data.get("available_points")),
        )


def _purchased_user_offer_id(data: dict[str, Any]) -> str | None:
    candidates = [data.get("user_offer_id")]
    for key, inner in (("user_offer", "id"), ("user_offers", "id"), ("status_list", "user_offer_id")):
        value = data.get(key)
        if isinstance(value, list):
            value = value[0] if value else None
        if isinstance(value, dict):
            candidates.append(value.get(inner))
    ids = data.get("user_offer_ids")
    if isinstance(ids, list) and ids:
        candidates.append(ids[0])
    return next((text for text in map(_lenient_text, candidates) if text), None)


@dataclass(frozen=True)
class PointAuditEntry:
    id: str | None
    account_name: str | None
    point_account_id: str | None
    modification: int  # signed: earned > 0, spent or expired < 0
    amount_expired: int
    modification_type: str | None
    point_source_name: str | None
    time_of_occurrence: datetime | None
    transaction_id: str | None

    @classmethod
    def from_wire(cls, data: Any) -> "PointAuditEntry":
        data = wire.mapping(data)
        return cls(
            id=wire.text(data.get("id")),
            account_name=wire.text(data.get("account_name")),
            point_account_id=wire.text(data.get("point_account_id")),
            modification=wire.points(data.get("modification")) or 0,
            amount_expired=wire.points(data.get("amount_expired")) or 0,
            modification_type=wire.text(data.get("modification_type")),
            point_source_name=wire.text(data.get("point_source_name")),
            time_of_occurrence=wire.moment(data.get("time_of_occurrence")),
            transaction_id=wire.text(data.get("transaction_id")),
        )


@dataclass(frozen=True)
class EventOutcome:
    """What the rules engine did with a reported behaviour."""

    user_event_id: str | None  # user_event.id
    time_of_occurrence: datetime | None  # user_event.time_of_occurrence
    event_saved_successfully: bool
    rules_processed_successfully: bool
    points_awarded: int  # sum over the applied outcomes

    @classmethod
    def from_wire(cls, data: Any) -> "EventOutcome":
        data = wire.mapping(data)
        event = wire.mapping(data.get("user_event"))
        outcomes = [wire.mapping(outcome) for outcome in wire.items(data.get("outcomes"))]
        return cls(
            user_event_id=wire.text(event.get("id")),
            time_of_occurrence=wire.moment(event.get("time_of_occurrence")),
            event_saved_successfully=wire.flag(data.get("event_saved_successfully")),
            rules_processed_successfully=wire.flag(data.get("rules_processed_successfully")),
            points_awarded=sum(
                wire.points(outcome.get("points_awarded")) or 0
                for outcome in outcomes
                if wire.flag(outcome.get("is_outcome_applied"))
            ),
        )


@dataclass(frozen=True)
class TransactionReceipt:
    """Cloud POS accepted the transaction; points and offers follow asynchronously from the rules."""

    transaction_id: str | None
    request_id: str | None
    state: str | None

    @classmethod
    def from_wire(cls, data: Any) -> "TransactionReceipt":
        data = wire.mapping(data)
        return cls(
            transaction_id=wire.text(data.get("transaction_id")),
            request_id=wire.text(data.get("request_id")),
            state=wire.text(data.get("state")),
        )


# --- Inputs: what a Cloud POS purchase is made of. The client writes the wire body from these
# (SessionMClient.send_transaction), so no caller builds SessionM's transaction dict.


@dataclass(frozen=True)
class TransactionLine:
    """One line of a purchase as the till rang it up."""

    sku: str  # wire items[].item_id
    quantity: int
    unit_price: Decimal

    @property
    def subtotal(self) -> Decimal:
        return self.unit_price * self.quantity


@dataclass(frozen=True)
class TransactionPayment:
    """One payment of a purchase; the client names the customer in it (Cloud POS attaches a purchase to a
    member through its payments)."""

    type: str  # as the till names it: CASH, CARD, GIFT_CARD, ...
    amount: Decimal


@dataclass(frozen=True)
class PromoCodeDiscount:
    """A promo code applied to a purchase; `user_offer_id` is the wallet offer its claim issued, when known."""

    code: str
    user_offer_id: str | None = None
