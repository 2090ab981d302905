"""What the loyalty screens show: frozen dataclasses the selectors and services return, shaped for a screen
(not for SessionM), so the API serializers and the web wallet templates read the same fields."""

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from apps.sessionm.types import (
    Campaign,
    PointAuditEntry,
    RewardStoreOffer,
    TimelineEvent,
    TransactionLine,
    TransactionPayment,
    UserOffer,
)

from .labels import activity_title, point_history_label, program_name


@dataclass(frozen=True)
class WalletItem:
    """An issued offer, "Ready to Redeem"."""

    id: str | None  # the user_offer_id (None only for a just-bought offer SessionM did not name yet)
    offer_id: str | None
    name: str
    description: str
    terms: str
    image: str | None
    expires_at: datetime | None
    redeemable: bool
    # What a till applies for this offer; None when SessionM names none.
    pos_discount_id: str | None = None
    issued_at: datetime | None = None  # SessionM's start_date: tells two copies of the same offer apart

    @classmethod
    def from_user_offer(cls, offer: UserOffer) -> "WalletItem":
        return cls(
            id=offer.user_offer_id,
            offer_id=offer.offer_id,
            name=offer.name or "",
            description=offer.description or "",
            terms=offer.terms or "",
            image=offer.image_url,
            expires_at=offer.expires_at,
            redeemable=offer.is_redeemable,
            pos_discount_id=offer.pos_discount_id,
            issued_at=offer.start_date,
        )


@dataclass(frozen=True)
class RewardItem:
    """An offer of the Rewards Store, purchasable with points."""

    id: str  # the reward_store_offer_id
    reward_store_id: str | None
    name: str
    description: str
    terms: str
    image: str | None
    price: int
    affordable: bool

    @classmethod
    def from_store_offer(cls, offer: RewardStoreOffer, *, available_points: int) -> "RewardItem":
        return cls(
            id=offer.reward_store_offer_id,
            reward_store_id=offer.reward_store_id,
            name=offer.title or "",
            description=offer.description or "",
            terms=offer.terms or "",
            image=offer.image_url,
            price=offer.price,
            affordable=offer.price <= available_points,
        )


@dataclass(frozen=True)
class CampaignItem:
    id: str
    name: str
    header: str
    description: str
    image: str | None
    starts_at: datetime | None
    ends_at: datetime | None
    requires_opt_in: bool
    opted_in: bool
    state: str | None  # available | opted_in | in_progress | completed
    progress_percent: int

    @classmethod
    def from_campaign(cls, campaign: Campaign) -> "CampaignItem":
        return cls(
            id=campaign.campaign_id,
            name=campaign.name or "",
            header=campaign.header or "",
            description=campaign.description or "",
            image=campaign.image_url,
            starts_at=campaign.start_date,
            ends_at=campaign.end_date,
            requires_opt_in=campaign.requires_opt_in,
            opted_in=campaign.opted_in,
            state=campaign.state,
            progress_percent=max(0, min(100, campaign.percent)),
        )


@dataclass(frozen=True)
class PointAccountBalance:
    id: str | None
    name: str
    available: int
    lifetime: int


@dataclass(frozen=True)
class TierStatus:
    name: str | None
    points: int  # tier points, which decide the tier
    next_name: str | None  # None at the top tier
    points_to_next: int | None
    progress_percent: int  # toward the next tier; 100 at the top


@dataclass(frozen=True)
class PointsStatus:
    available: int  # spendable now
    total: int  # every point account's balance
    lifetime: int  # ever earned
    accounts: tuple[PointAccountBalance, ...]
    tier: TierStatus | None


@dataclass(frozen=True)
class PointsSummary:
    """The home screen's points: balances only (the tier is the points screen's heavy call)."""

    available: int
    lifetime: int


@dataclass(frozen=True)
class HomeScreen:
    """`points` is required; `wallet` and `campaigns` are None when SessionM could not give them in time."""

    points: PointsSummary
    wallet: tuple[WalletItem, ...] | None
    wallet_count: int | None
    campaigns: tuple[CampaignItem, ...] | None


@dataclass(frozen=True)
class PointHistoryEntry:
    id: str | None
    occurred_at: datetime | None
    points: int  # signed: earned > 0, spent < 0
    expired: int
    kind: str | None  # SessionM's modification_type
    source: str | None  # SessionM's point_source_name, as SessionM words it
    label: str  # what the entry is, in the customer's language (apps.loyalty.labels)
    account: str | None
    transaction_id: str | None

    @classmethod
    def from_audit_entry(cls, entry: PointAuditEntry) -> "PointHistoryEntry":
        return cls(
            id=entry.id,
            occurred_at=entry.time_of_occurrence,
            points=entry.modification,
            expired=entry.amount_expired,
            kind=entry.modification_type,
            source=entry.point_source_name,
            label=point_history_label(entry),
            account=program_name(entry.account_name),
            transaction_id=entry.transaction_id,
        )


# Timeline event kinds whose points left the balance (the program's timeline event types, apps/sandbox/demo.py).
SPENDING_EVENT_KINDS = frozenset({"offer_purchased", "points_spent"})


@dataclass(frozen=True)
class ActivityEntry:
    id: str | None  # SessionM does not promise one
    occurred_at: datetime | None
    kind: str | None
    title: str
    points: int | None
    amount: Decimal | None
    offer_id: str | None
    user_offer_id: str | None

    @property
    def points_change(self) -> int | None:
        """Points signed as the balance moved: SessionM's timeline gives spends unsigned, its kind tells."""
        if self.points is None:
            return None
        return -abs(self.points) if self.kind in SPENDING_EVENT_KINDS else self.points

    @classmethod
    def from_timeline_event(cls, event: TimelineEvent, *, offer_name: str | None = None) -> "ActivityEntry":
        return cls(
            id=event.id,
            occurred_at=event.timestamp,
            kind=event.kind,
            title=activity_title(event, offer_name=offer_name),
            points=event.points,
            amount=event.amount,
            offer_id=event.offer_id,
            user_offer_id=event.user_offer_id,
        )


@dataclass(frozen=True)
class ActivityPage:
    results: tuple[ActivityEntry, ...]
    next_cursor: str | None  # opaque; pass back as `cursor` for the next (older) page


@dataclass(frozen=True)
class OptIn:
    campaign_id: str
    opted_in: bool


@dataclass(frozen=True)
class Redemption:
    item: WalletItem
    redeemed_at: datetime


@dataclass(frozen=True)
class RewardPurchase:
    item: WalletItem  # the new wallet item
    points_spent: int
    available_points: int | None


@dataclass(frozen=True)
class RecordedTransaction:
    """The purchase as sent to SessionM's Cloud POS; points and offers follow from SessionM's rules."""

    transaction_id: str
    request_id: str
    state: str | None
    channel: str
    opened_at: datetime
    lines: tuple[TransactionLine, ...]
    subtotal: Decimal
    promo_code: str | None
    store_id: str
    payments: tuple[TransactionPayment, ...]


@dataclass(frozen=True)
class PromoCodeClaim:
    code: str
    offer_id: str | None
    user_offer_id: str | None


@dataclass(frozen=True)
class EventReport:
    event: str
    recorded: bool
    points_awarded: int
