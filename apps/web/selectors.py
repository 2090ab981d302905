"""Reads that shape a web page out of the loyalty selectors the app API uses too.

The wallet page is the app's offers screen on one page: the points and tier on top, then "Ready to Redeem"
and the "Rewards Store". The points page puts the balances and tier above the point history. Each page's
SessionM reads run at once under one deadline (as the app's home screen does), so a page takes as long as
its slowest read, not their sum.
"""

from dataclasses import dataclass

from apps.accounts.models import Customer
from apps.api.pagination import UpstreamPage
from apps.loyalty.fanout import gather
from apps.loyalty.selectors import (
    WalletPage as OffersPage,
)
from apps.loyalty.selectors import (
    home_deadline,
    points_get,
    points_history_get,
    rewards_store_get,
    wallet_get,
)
from apps.loyalty.types import PointsStatus
from apps.messaging.models import WalletItem as LedgerItem

WALLET_PAGE_SIZE = 12
HISTORY_PAGE_SIZE = 20


@dataclass(frozen=True)
class WalletPage:
    points: PointsStatus
    # "Ready to Redeem"; None when SessionM could not give it in time. Its `read` is for the view to hand to
    # loyalty's wallet_read_record: this page is a read, and writes nothing.
    offers: OffersPage | None
    rewards: UpstreamPage | None  # "Rewards Store"; likewise
    # How each offer shown came to be in the wallet, by user_offer_id, as the wallet ledger knows it: the same
    # offer from opting in and from a promo code are two cards that must not look the same.
    origins: dict[str, dict] | None = None


def wallet_item_origins(*, customer: Customer, user_offer_ids: list[str]) -> dict[str, dict]:
    """{user_offer_id: {"source", "campaign_name"}} from the BFF's wallet ledger (apps/messaging/ledger.py)."""
    rows = LedgerItem.objects.filter(customer=customer, user_offer_id__in=user_offer_ids).values(
        "user_offer_id", "source", "campaign_name"
    )
    return {row["user_offer_id"]: dict(row) for row in rows}


def wallet_page_get(*, customer: Customer, offers_page: int = 1, rewards_page: int = 1) -> WalletPage:
    results = gather(
        screen="web wallet",
        required={"points": lambda: points_get(customer=customer)},
        optional={
            "offers": lambda: wallet_get(customer=customer, page=offers_page, page_size=WALLET_PAGE_SIZE),
            "rewards": lambda: rewards_store_get(customer=customer, page=rewards_page, page_size=WALLET_PAGE_SIZE),
        },
        deadline=home_deadline(),
    )
    offers = results["offers"]
    origins = (
        wallet_item_origins(customer=customer, user_offer_ids=[item.id for item in offers.results]) if offers else {}
    )
    return WalletPage(**results, origins=origins)


@dataclass(frozen=True)
class PointsPage:
    status: PointsStatus
    history: UpstreamPage  # point audit log, newest first


def points_page_get(*, customer: Customer, history_page: int = 1) -> PointsPage:
    return PointsPage(
        **gather(
            screen="web points",
            required={
                "status": lambda: points_get(customer=customer),
                "history": lambda: points_history_get(
                    customer=customer, page=history_page, page_size=HISTORY_PAGE_SIZE
                ),
            },
            deadline=home_deadline(),
        )
    )
