"""Reads that shape a web page out of the loyalty selectors the app API uses too.

The wallet page is the app's offers screen on one page: the points and tier on top, then "Ready to Redeem"
and the "Rewards Store". The points page puts the balances and tier above the point history. Both raise the
loyalty selectors' domain errors (LoyaltyUnavailable …) when SessionM can't answer.
"""

from dataclasses import dataclass

from apps.api.pagination import UpstreamPage
from apps.loyalty.selectors import points_get, points_history_get, rewards_store_get, wallet_get
from apps.loyalty.types import PointsStatus

WALLET_PAGE_SIZE = 12
HISTORY_PAGE_SIZE = 20


@dataclass(frozen=True)
class WalletPage:
    points: PointsStatus
    offers: UpstreamPage  # "Ready to Redeem"
    rewards: UpstreamPage  # "Rewards Store"


def wallet_page_get(*, customer, offers_page: int = 1, rewards_page: int = 1) -> WalletPage:
    return WalletPage(
        points=points_get(customer=customer),
        offers=wallet_get(customer=customer, page=offers_page, page_size=WALLET_PAGE_SIZE),
        rewards=rewards_store_get(customer=customer, page=rewards_page, page_size=WALLET_PAGE_SIZE),
    )


@dataclass(frozen=True)
class PointsPage:
    status: PointsStatus
    history: UpstreamPage  # point audit log, newest first


def points_page_get(*, customer, history_page: int = 1) -> PointsPage:
    return PointsPage(
        status=points_get(customer=customer),
        history=points_history_get(customer=customer, page=history_page, page_size=HISTORY_PAGE_SIZE),
    )
