"""The wallet the messaging tests share: a SessionM user offer as the sandbox's demo issues it, a stand-in for
SessionM's get_user_offers (patched in by the `sessionm_wallet` fixture of conftest.py), and an item recorded
in the wallet ledger."""

from dataclasses import replace
from datetime import timedelta

from django.conf import settings
from django.utils import timezone

from apps.messaging.ledger import wallet_item_record
from apps.messaging.models import WalletItemSource
from apps.sessionm.types import UserOffer, UserOffersPage
from tests.factories import CustomerFactory

# How long before its expiry an offer is reminded of.
LEAD = timedelta(days=settings.OFFER_EXPIRY_REMINDER_DAYS)


def make_offer(user_offer_id="uo-1", *, expires_in=timedelta(days=30), issued_ago=timedelta(0), **changes):
    now = timezone.now()
    offer = UserOffer(
        user_offer_id=user_offer_id,
        offer_id="free-large-fries",
        name="Free Large Fries",
        description="A large fries on us.",
        terms="One per customer.",
        image_url="https://img.example/large-fries.png",
        is_redeemable=True,
        start_date=now - issued_ago,
        expires_at=(now + expires_in).replace(microsecond=0),
        pos_discount_id="POS-LARGE",
        offer_type="manual_fulfillment",
    )
    return replace(offer, **changes)


class FakeWallet:
    """SessionM's get_user_offers: `offers[user_id]` a page at a time (an unknown user has an empty wallet), or
    `error` raised. Every call is in `calls`."""

    def __init__(self):
        self.offers: dict[str, list] = {}
        self.error: Exception | None = None
        self.calls: list[dict] = []

    def get_user_offers(self, user_id, *, culture, skip=0, take=20):
        self.calls.append({"user_id": user_id, "culture": culture, "skip": skip, "take": take})
        if self.error:
            raise self.error
        offers = self.offers.get(user_id, [])
        return UserOffersPage(
            offers=tuple(offers[skip : skip + take]), total=len(offers), available_points=0, total_points=0
        )


def record_item(customer=None, *, source=WalletItemSource.PURCHASE, **offer):
    """A wallet item recorded in the ledger (with its offer-issued message and reminder) for `customer`, or
    for a new customer; `offer` changes make_offer's."""
    return wallet_item_record(customer=customer or CustomerFactory(), offer=make_offer(**offer), source=source)
