"""Reads of the loyalty screens. Each asks SessionM for exactly what its screen shows, in the customer's
language, one page at a time; SessionM stays the system of record. Reads only: nothing here writes or queues
anything (a wallet read hands what it saw to services.wallet_read_record, which the views call)."""

from dataclasses import dataclass
from datetime import UTC, datetime

from django.conf import settings
from django.utils import timezone, translation

from apps.accounts.languages import culture_for
from apps.accounts.models import Customer
from apps.api.pagination import UpstreamPage
from apps.sessionm import get_sessionm_client
from apps.sessionm.types import SessionMUser, UserOffer
from apps.sessionm.wallet import user_offers_walk
from apps.upstream.budget import budget_remaining

from .catalogue import catalogue_page
from .cursors import activity_cursor, activity_since, invalid_cursor
from .errors import sessionm_errors
from .fanout import gather
from .labels import program_name
from .timeline import timeline_with_names
from .types import (
    ActivityEntry,
    ActivityPage,
    CampaignItem,
    HomeScreen,
    PointAccountBalance,
    PointHistoryEntry,
    PointsStatus,
    PointsSummary,
    RewardItem,
    TierStatus,
    WalletItem,
)

_BEGINNING = datetime.min.replace(tzinfo=UTC)
HOME_WALLET_ITEMS = 3
HOME_CAMPAIGNS = 3
# Wallet pages read while looking one offer up, at most (100 offers each).
_WALLET_LOOKUP_PAGE_SIZE = 100
_WALLET_LOOKUP_MAX_PAGES = 10


def home_deadline() -> float:
    """How long the home screen waits for SessionM, all calls together: one read timeout, and never past the
    request's upstream budget."""
    left = budget_remaining()
    return settings.SESSIONM_TIMEOUT[1] if left is None else min(settings.SESSIONM_TIMEOUT[1], left)


@sessionm_errors()
def home_get(*, customer: Customer) -> HomeScreen:
    """Points (required), a few wallet items and featured campaigns (each None when SessionM fails or is
    too slow), fetched at once. Raises the points call's failure, or DeadlineExceeded."""
    client = get_sessionm_client()
    user_id = customer.sessionm_id
    culture = culture_for(customer.language)
    sections = gather(
        screen="home",
        required={"points": lambda: client.get_point_balances(user_id)},
        optional={
            "wallet": lambda: client.get_user_offers(user_id, culture=culture, skip=0, take=HOME_WALLET_ITEMS),
            "campaigns": lambda: client.get_eligible_campaigns(user_id),
        },
        deadline=home_deadline(),
    )
    balances, wallet, campaigns = sections["points"], sections["wallet"], sections["campaigns"]
    return HomeScreen(
        points=PointsSummary(available=balances.total_points, lifetime=balances.life_time_points),
        wallet=None if wallet is None else tuple(WalletItem.from_user_offer(offer) for offer in wallet.offers),
        wallet_count=None if wallet is None else wallet.total,
        campaigns=None
        if campaigns is None
        else tuple(CampaignItem.from_campaign(campaign) for campaign in campaigns[:HOME_CAMPAIGNS]),
    )


@sessionm_errors()
def campaigns_list(*, customer: Customer, page: int, page_size: int) -> UpstreamPage:
    """Campaigns the customer is eligible for, with progress and opt-in state. SessionM answers them all at
    once (there are few), so they are paged here."""
    campaigns = get_sessionm_client().get_eligible_campaigns(customer.sessionm_id)
    start = (page - 1) * page_size
    return UpstreamPage(
        results=[CampaignItem.from_campaign(campaign) for campaign in campaigns[start : start + page_size]],
        page=page,
        page_size=page_size,
        count=len(campaigns),
        has_next=start + page_size < len(campaigns),
    )


@dataclass(frozen=True)
class WalletRead:
    """What one read of the customer's SessionM wallet showed, for the wallet ledger to learn from
    (services.wallet_read_record): the offers, their language, whether they are the whole wallet, and when
    the read started."""

    offers: tuple[UserOffer, ...]
    culture: str
    complete: bool
    read_at: datetime


@dataclass(frozen=True)
class WalletPage(UpstreamPage):
    read: WalletRead | None = None


@sessionm_errors()
def wallet_get(*, customer: Customer, page: int, page_size: int) -> WalletPage:
    """ "Ready to Redeem": the customer's issued offers in their language. A read: what SessionM showed is
    handed back in `read`, and the views pass it to services.wallet_read_record, which keeps the ledger current."""
    skip = (page - 1) * page_size
    culture = culture_for(customer.language)
    read_at = timezone.now()
    offers = get_sessionm_client().get_user_offers(customer.sessionm_id, culture=culture, skip=skip, take=page_size)
    has_next = skip + len(offers.offers) < offers.total
    return WalletPage(
        results=[WalletItem.from_user_offer(offer) for offer in offers.offers],
        page=page,
        page_size=page_size,
        count=offers.total,
        has_next=has_next,
        read=WalletRead(offers=offers.offers, culture=culture, complete=skip == 0 and not has_next, read_at=read_at),
    )


@sessionm_errors()
def wallet_item_get(*, customer: Customer, user_offer_id: str) -> WalletItem | None:
    """One offer of this customer's wallet, or None when it is not (or no longer) in it. SessionM has no read
    of a single user offer, so the customer's own wallet is searched: another customer's offer is never found."""
    walk = user_offers_walk(
        get_sessionm_client(),
        customer.sessionm_id,
        culture=culture_for(customer.language),
        page_size=_WALLET_LOOKUP_PAGE_SIZE,
        max_pages=_WALLET_LOOKUP_MAX_PAGES,
        until_found={user_offer_id},
    )
    offer = walk.found({user_offer_id}).get(user_offer_id)
    return None if offer is None else WalletItem.from_user_offer(offer)


def rewards_store_get(*, customer: Customer, page: int, page_size: int) -> UpstreamPage:
    """ "Rewards Store": offers purchasable with points, each saying whether the customer can afford it."""
    skip = (page - 1) * page_size
    catalogue = catalogue_page(
        sessionm_user_id=customer.sessionm_id, culture=culture_for(customer.language), skip=skip, take=page_size
    )
    available = get_sessionm_client().get_point_balances(customer.sessionm_id).total_points
    return UpstreamPage(
        results=[RewardItem.from_store_offer(offer, available_points=available) for offer in catalogue.offers],
        page=page,
        page_size=page_size,
        count=catalogue.total,
        has_next=skip + len(catalogue.offers) < catalogue.total,
    )


@sessionm_errors()
def points_get(*, customer: Customer) -> PointsStatus:
    """Balances per account and the tier with progress to the next one: SessionM's heavy "user with
    incentives" call, made by this screen only."""
    user = get_sessionm_client().get_user(customer.sessionm_id, expand_incentives=True)
    with translation.override(customer.language):
        return _points_status(user)


def _points_status(user: SessionMUser) -> PointsStatus:
    balances = user.point_account_balances
    accounts = () if balances is None else balances.accounts
    return PointsStatus(
        available=user.available_points,
        total=user.available_points if balances is None else balances.total_points,
        lifetime=0 if balances is None else balances.life_time_points,
        accounts=tuple(
            PointAccountBalance(
                id=account.point_account_id,
                name=program_name(account.account_name) or "",
                available=account.available_balance,
                lifetime=account.life_time_value,
            )
            for account in accounts
        ),
        tier=_tier_status(user),
    )


def _tier_status(user: SessionMUser) -> TierStatus | None:
    if user.tier is None and user.tier_points is None:
        return None
    points = user.tier_points or 0
    # (required points, name) of the tiers SessionM gives a threshold for, lowest first.
    levels = sorted(
        ((level.required_points, level.name) for level in user.tier_levels if level.required_points is not None),
        key=lambda level: level[0],
    )
    floor = max((required for required, _name in levels if required <= points), default=0)
    upcoming = next(((required, name) for required, name in levels if required > points), None)
    if upcoming is not None:
        threshold, next_name = upcoming
    elif not levels and user.next_tier_points is not None and user.next_tier_points > points:
        # No tier table: SessionM's next_tier_points is the threshold of a tier it does not name.
        next_name, threshold = None, user.next_tier_points
    else:
        return TierStatus(
            name=program_name(user.tier), points=points, next_name=None, points_to_next=None, progress_percent=100
        )
    return TierStatus(
        name=program_name(user.tier),
        points=points,
        next_name=program_name(next_name),
        points_to_next=threshold - points,
        progress_percent=(points - floor) * 100 // (threshold - floor),
    )


@sessionm_errors()
def points_history_get(*, customer: Customer, page: int, page_size: int) -> UpstreamPage:
    """The point audit log, newest first. SessionM gives no total, so one entry more than the page is asked
    for: it tells whether a next page exists (a full page alone does not: 40 entries fill exactly 2 pages)."""
    entries = get_sessionm_client().get_point_audit_log(
        customer.sessionm_id, skip=(page - 1) * page_size, take=page_size + 1
    )
    with translation.override(customer.language):
        results = [PointHistoryEntry.from_audit_entry(entry) for entry in entries]
    return UpstreamPage(
        results=results[:page_size],
        page=page,
        page_size=page_size,
        has_next=len(entries) > page_size,
    )


@sessionm_errors()
def activity_get(*, customer: Customer, page_size: int, cursor: str | None = None) -> ActivityPage:
    """One page of the activity log (SessionM's timeline), newest first. `cursor` is the `next_cursor` of the
    previous page; InvalidInput when it is not one we issued to this customer.

    SessionM's timeline pages forward in time only (`since` = a timestamp, later events) and promises no event
    id, so the log is read whole (apps/loyalty/timeline.py: up to ACTIVITY_MAX_EVENTS, in pages of 1,000, kept
    a short while in the shared cache) and paged here. The cursor is the last shown event's time and how many
    events of that same second were shown: events that arrive later are newer and never shift an older page."""
    before, shown_at_before = (None, 0) if cursor is None else _activity_position(customer=customer, cursor=cursor)
    # Labels in the customer's language, as SessionM's own texts are asked for in it; an offer is named when the
    # wallet ledger has its name in that language (read with the timeline: apps/loyalty/timeline.py).
    events, names = timeline_with_names(customer=customer, culture=culture_for(customer.language))
    newest = list(reversed(events))
    start = 0
    if before is not None:
        start = next((index for index, event in enumerate(newest) if _at(event) <= before), len(newest))
        start += shown_at_before
        if start > len(newest):
            raise invalid_cursor()
    page = newest[start : start + page_size]
    next_cursor = None
    if start + page_size < len(newest) and page:
        last_at = _at(page[-1])
        first_of_second = next(index for index, event in enumerate(newest) if _at(event) == last_at)
        next_cursor = activity_cursor(
            customer_pk=customer.pk, since=f"{last_at.isoformat()}|{start + len(page) - first_of_second}"
        )
    with translation.override(customer.language):
        results = tuple(
            ActivityEntry.from_timeline_event(event, offer_name=names.get(event.user_offer_id or "")) for event in page
        )
    return ActivityPage(results=results, next_cursor=next_cursor)


def _at(event) -> datetime:
    return event.timestamp or _BEGINNING


def _activity_position(*, customer: Customer, cursor: str) -> tuple[datetime, int]:
    at, _sep, shown = activity_since(customer_pk=customer.pk, cursor=cursor).partition("|")
    try:
        moment, count = datetime.fromisoformat(at), int(shown)
    except ValueError as exc:
        raise invalid_cursor() from exc
    if moment.tzinfo is None or count < 0:
        raise invalid_cursor()
    return moment, count
