"""Reads of the loyalty screens. Each asks SessionM for exactly what its screen shows, in the customer's
language, one page at a time; SessionM stays the system of record (nothing here is stored, except that a
wallet read keeps the BFF's wallet ledger current: apps.messaging.ledger)."""

import logging

from django.conf import settings
from django.utils import timezone

from apps.accounts.languages import culture_for
from apps.api.pagination import UpstreamPage
from apps.messaging.ledger import wallet_items_sync
from apps.sessionm import get_sessionm_client
from apps.sessionm.errors import SessionMValidationError
from apps.sessionm.types import SessionMUser
from apps.upstream.budget import budget_remaining
from apps.upstream.errors import UpstreamError

from .catalogue import catalogue_page
from .cursors import activity_cursor, activity_since, invalid_cursor
from .errors import sessionm_errors
from .fanout import fan_out, outcome
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

logger = logging.getLogger(__name__)

HOME_WALLET_ITEMS = 3
HOME_CAMPAIGNS = 3


def home_deadline() -> float:
    """How long the home screen waits for SessionM, all calls together: one read timeout, and never past the
    request's upstream budget."""
    left = budget_remaining()
    return settings.SESSIONM_TIMEOUT[1] if left is None else min(settings.SESSIONM_TIMEOUT[1], left)


@sessionm_errors()
def home_get(*, customer) -> HomeScreen:
    """Points (required), a few wallet items and featured campaigns (each None when SessionM fails or is
    too slow), fetched at once. Raises the points call's failure, or DeadlineExceeded."""
    client = get_sessionm_client()
    user_id = customer.sessionm_user_id
    culture = culture_for(customer.language)
    futures = fan_out(
        {
            "points": lambda: client.get_point_balances(user_id),
            "wallet": lambda: client.get_user_offers(user_id, culture=culture, skip=0, take=HOME_WALLET_ITEMS),
            "campaigns": lambda: client.get_eligible_campaigns(user_id),
        },
        deadline=home_deadline(),
    )
    balances = outcome(futures["points"], label="sessionm point_balances_get")
    wallet = _optional(futures["wallet"], label="sessionm user_offers_get")
    campaigns = _optional(futures["campaigns"], label="sessionm campaigns_eligible")
    return HomeScreen(
        points=PointsSummary(available=balances.total_points, lifetime=balances.life_time_points),
        wallet=None if wallet is None else tuple(WalletItem.from_user_offer(offer) for offer in wallet.offers),
        wallet_count=None if wallet is None else wallet.total,
        campaigns=None
        if campaigns is None
        else tuple(CampaignItem.from_campaign(campaign) for campaign in campaigns[:HOME_CAMPAIGNS]),
    )


def _optional(future, *, label: str):
    try:
        return outcome(future, label=label)
    except UpstreamError as exc:
        logger.warning("home: %s left out (%s)", label, exc.__class__.__name__)
        return None


@sessionm_errors()
def campaigns_list(*, customer, page: int, page_size: int) -> UpstreamPage:
    """Campaigns the customer is eligible for, with progress and opt-in state. SessionM answers them all at
    once (there are few), so they are paged here."""
    campaigns = get_sessionm_client().get_eligible_campaigns(customer.sessionm_user_id)
    start = (page - 1) * page_size
    return UpstreamPage(
        results=[CampaignItem.from_campaign(campaign) for campaign in campaigns[start : start + page_size]],
        page=page,
        page_size=page_size,
        count=len(campaigns),
        has_next=start + page_size < len(campaigns),
    )


@sessionm_errors()
def wallet_get(*, customer, page: int, page_size: int) -> UpstreamPage:
    """ "Ready to Redeem": the customer's issued offers in their language."""
    skip = (page - 1) * page_size
    culture = culture_for(customer.language)
    read_at = timezone.now()
    offers = get_sessionm_client().get_user_offers(
        customer.sessionm_user_id, culture=culture, skip=skip, take=page_size
    )
    has_next = skip + len(offers.offers) < offers.total
    # What SessionM just showed keeps the BFF's wallet ledger current (new offers, expiries, offers gone).
    wallet_items_sync(
        customer=customer,
        offers=list(offers.offers),
        culture=culture,
        complete=skip == 0 and not has_next,
        read_at=read_at,
    )
    return UpstreamPage(
        results=[WalletItem.from_user_offer(offer) for offer in offers.offers],
        page=page,
        page_size=page_size,
        count=offers.total,
        has_next=has_next,
    )


@sessionm_errors()
def rewards_store_get(*, customer, page: int, page_size: int) -> UpstreamPage:
    """ "Rewards Store": offers purchasable with points, each saying whether the customer can afford it."""
    skip = (page - 1) * page_size
    catalogue = catalogue_page(
        sessionm_user_id=customer.sessionm_user_id, culture=culture_for(customer.language), skip=skip, take=page_size
    )
    available = get_sessionm_client().get_point_balances(customer.sessionm_user_id).total_points
    return UpstreamPage(
        results=[RewardItem.from_store_offer(offer, available_points=available) for offer in catalogue.offers],
        page=page,
        page_size=page_size,
        count=catalogue.total,
        has_next=skip + len(catalogue.offers) < catalogue.total,
    )


@sessionm_errors()
def points_get(*, customer) -> PointsStatus:
    """Balances per account and the tier with progress to the next one: SessionM's heavy "user with
    incentives" call, made by this screen only."""
    user = get_sessionm_client().get_user(customer.sessionm_user_id, expand_incentives=True)
    balances = user.point_account_balances
    accounts = () if balances is None else balances.accounts
    return PointsStatus(
        available=user.available_points,
        total=user.available_points if balances is None else balances.total_points,
        lifetime=0 if balances is None else balances.life_time_points,
        accounts=tuple(
            PointAccountBalance(
                id=account.point_account_id,
                name=account.account_name or "",
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
    levels = sorted(
        (level for level in user.tier_levels if level.required_points is not None), key=lambda lv: lv.required_points
    )
    floor = max((lv.required_points for lv in levels if lv.required_points <= points), default=0)
    upcoming = next((lv for lv in levels if lv.required_points > points), None)
    if upcoming is not None:
        next_name, threshold = upcoming.name, upcoming.required_points
    elif not levels and user.next_tier_points is not None and user.next_tier_points > points:
        # No tier table: SessionM's next_tier_points is the threshold of a tier it does not name.
        next_name, threshold = None, user.next_tier_points
    else:
        return TierStatus(name=user.tier, points=points, next_name=None, points_to_next=None, progress_percent=100)
    return TierStatus(
        name=user.tier,
        points=points,
        next_name=next_name,
        points_to_next=threshold - points,
        progress_percent=(points - floor) * 100 // (threshold - floor),
    )


@sessionm_errors()
def points_history_get(*, customer, page: int, page_size: int) -> UpstreamPage:
    """The point audit log, newest first. SessionM gives no total: a full page means there may be more."""
    entries = get_sessionm_client().get_point_audit_log(
        customer.sessionm_user_id, skip=(page - 1) * page_size, take=page_size
    )
    return UpstreamPage(
        results=[PointHistoryEntry.from_audit_entry(entry) for entry in entries],
        page=page,
        page_size=page_size,
        has_next=len(entries) >= page_size,
    )


@sessionm_errors()
def activity_get(*, customer, page_size: int, cursor: str | None = None) -> ActivityPage:
    """One page of the activity log (SessionM's timeline), newest first. `cursor` is the `next_cursor` of the
    previous page; InvalidInput when it is not one we issued to this customer."""
    since = None if cursor is None else activity_since(customer_pk=customer.pk, cursor=cursor)
    try:
        timeline = get_sessionm_client().get_timeline(
            customer.sessionm_user_id, view=settings.SESSIONM_TIMELINE_VIEW, count=page_size, since=since
        )
    except SessionMValidationError as exc:
        if since is None:
            raise
        # The event the cursor points at is gone from SessionM's timeline: the cursor is stale.
        raise invalid_cursor() from exc
    return ActivityPage(
        results=tuple(ActivityEntry.from_timeline_event(event) for event in timeline.events),
        next_cursor=None
        if timeline.next_cursor is None
        else activity_cursor(customer_pk=customer.pk, since=timeline.next_cursor),
    )
