"""Typed values of the SessionM client: the results it reads (frozen dataclasses keeping what the screens
need) and the Cloud POS lines it is given to write (at the end).

Fields of a result are named after their wire field (`At` names the wire's path where it differs, e.g. a user
offer's `id` is `user_offer_id`). A result's field list is the one place its wire shape is read: most are
`wire.Record`s, whose annotations say how each field is read (the aliases below); the few whose reading is
not one value per field keep their own `from_wire`. SessionM omits absent values, so every optional field may
be missing; times are aware datetimes, money is Decimal and points are int.
"""

import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Annotated, Any

from . import wire
from .wire import At, Read, Record

# How the fields of a Record are read (wire.py): absent values are None, or 0 for a Count.
Text = Annotated[str | None, Read(wire.text)]
Id = Annotated[str, Read(wire.identifier)]  # required
Points = Annotated[int | None, Read(wire.points)]
Count = Annotated[int, Read(wire.count)]
Moment = Annotated[datetime | None, Read(wire.moment)]
Flag = Annotated[bool, Read(wire.flag)]
Image = Annotated[str | None, Read(wire.first_media_uri)]  # the first of a `media` list


@dataclass(frozen=True)
class PointAccount(Record):
    account_name: Text
    point_account_id: Text
    available_balance: Count
    life_time_value: Count


@dataclass(frozen=True)
class PointBalances(Record):
    """Connect `all_balances` payload, and Core's `tier_details.point_account_balances`."""

    total_points: Annotated[Count, At("summary.total_points")]
    life_time_points: Annotated[Count, At("summary.life_time_points")]
    accounts: Annotated[tuple[PointAccount, ...], Read(wire.records(PointAccount.from_wire)), At("details")]


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
class SessionMUser(Record):
    """A Core user. The tier fields are set only when fetched with `expand_incentives`."""

    id: Id
    external_id: Text
    email: Text
    first_name: Text
    last_name: Text
    dob: Annotated[date | None, Read(wire.day)]
    locale: Text
    opted_in: Flag
    available_points: Count
    created_at: Moment
    # Only when fetched with user_profile.
    user_profile: Annotated[dict[str, Any], Read(wire.mapping)] = field(default_factory=dict)
    tier: Text = None
    tier_points: Points = None
    next_tier_points: Points = None
    tier_levels: Annotated[
        tuple[TierLevel, ...], Read(wire.records(TierLevel.from_wire)), At("tier_details.tier_levels")
    ] = ()
    point_account_balances: Annotated[
        PointBalances | None,
        Read(wire.optional(PointBalances.from_wire)),
        At("tier_details.point_account_balances"),
    ] = None


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
class Campaign(Record):
    campaign_id: Id
    name: Text
    start_date: Moment
    end_date: Moment
    requires_opt_in: Annotated[Flag, At("custom_payload.requires_opt_in")]
    state: Annotated[Text, At("progress.state")]  # available | opted_in | in_progress | completed
    opted_in: Annotated[Flag, At("progress.opted_in")]
    percent: Annotated[Count, At("progress.percent")]  # 0-100
    header: Annotated[Text, At("template.message.header")]
    description: Annotated[Text, At("template.message.description")]
    image_url: Annotated[Text, At("template.message.image_url")]
    custom_payload: Annotated[dict[str, Any], Read(wire.mapping)] = field(default_factory=dict)


@dataclass(frozen=True)
class PromoClaim(Record):
    code: Text
    offer_id: Text
    user_offer_id: Text


@dataclass(frozen=True)
class UserOffer(Record):
    """An issued offer in the customer's wallet ("Ready to Redeem"), in the culture asked for."""

    user_offer_id: Annotated[Id, At("id")]
    offer_id: Text
    name: Text
    description: Text
    terms: Text
    image_url: Annotated[Image, At("media")]
    is_redeemable: Flag
    start_date: Moment
    expires_at: Annotated[Moment, At("redemption_end_date")]
    pos_discount_id: Text
    offer_type: Text


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
class IssuedOffer(Record):
    """One entry of an issue call's `status_list`; a non-zero `fail_reason` means it was not issued."""

    user_offer_id: Text
    offer_id: Text
    fail_reason: Points

    @property
    def issued(self) -> bool:
        return not self.fail_reason and self.user_offer_id is not None


@dataclass(frozen=True)
class RewardStore(Record):
    id: Id
    name: Text
    point_account_id: Text


@dataclass(frozen=True)
class RewardStoreOffer(Record):
    """An offer purchasable with points ("Rewards Store"), in the culture asked for."""

    reward_store_offer_id: Annotated[Id, At("id")]
    root_offer_id: Text
    reward_store_id: Text
    price: Count  # points
    start_date: Moment
    end_date: Moment
    title: Annotated[Text, At("offer_details.title")]
    description: Annotated[Text, At("offer_details.description")]
    terms: Annotated[Text, At("offer_details.terms")]
    image_url: Annotated[Image, At("offer_details.media")]
    pos_discount_id: Annotated[Text, At("offer_details.pos_discount_id")]


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
class PointAuditEntry(Record):
    id: Text
    account_name: Text
    point_account_id: Text
    modification: Count  # signed: earned > 0, spent or expired < 0
    amount_expired: Count
    modification_type: Text
    point_source_name: Text
    time_of_occurrence: Moment
    transaction_id: Text


def _points_awarded(outcomes: Any) -> int:
    """The points of the outcomes the rules engine applied."""
    applied = (wire.mapping(outcome) for outcome in wire.items(outcomes))
    return sum(
        wire.count(outcome.get("points_awarded")) for outcome in applied if wire.flag(outcome.get("is_outcome_applied"))
    )


@dataclass(frozen=True)
class EventOutcome(Record):
    """What the rules engine did with a reported behaviour."""

    user_event_id: Annotated[Text, At("user_event.id")]
    time_of_occurrence: Annotated[Moment, At("user_event.time_of_occurrence")]
    event_saved_successfully: Flag
    rules_processed_successfully: Flag
    points_awarded: Annotated[int, Read(_points_awarded), At("outcomes")]  # sum over the applied outcomes


@dataclass(frozen=True)
class TransactionReceipt(Record):
    """Cloud POS accepted the transaction; points and offers follow asynchronously from the rules."""

    transaction_id: Text
    request_id: Text
    state: Text


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


def lines_subtotal(lines: Iterable[TransactionLine]) -> Decimal:
    """What the lines add up to: the transaction's subtotal, tax included."""
    return sum((line.subtotal for line in lines), Decimal("0"))


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
