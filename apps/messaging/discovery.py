"""Learning of wallet items from the customer's SessionM wallet, for the ledger (apps/messaging/ledger.py):
completing an item a purchase or a promo code named without its expiry and texts, and discovering the offers
a transaction earned. Both run in the task worker (tasks.py); the ledger and the loyalty services ask for them.
"""

import logging
from datetime import datetime, timedelta

from django.db import transaction

from apps.accounts.languages import culture_for
from apps.accounts.models import Customer, CustomerStatus
from apps.sessionm import get_sessionm_client
from apps.sessionm.errors import SessionMError
from apps.sessionm.types import UserOffer
from apps.sessionm.wallet import user_offers_walk

from . import later
from .ledger import OfferContext, wallet_item_record
from .models import WalletItem

logger = logging.getLogger(__name__)

# Offers a transaction earns are issued by SessionM's rules after the transaction is accepted: the wallet is
# looked at this long after it, for tenants whose webhook does not tell us first.
DISCOVERY_DELAY = timedelta(seconds=30)
DISCOVERY_PAGE_SIZE = 100
# SessionM's clock and ours may differ a little; offers already known are skipped anyway.
DISCOVERY_CLOCK_SKEW = timedelta(minutes=5)
# Wallet pages read (of LOOKUP_PAGE_SIZE offers) when looking for one offer.
LOOKUP_PAGE_SIZE = 100
LOOKUP_MAX_PAGES = 10


def wallet_offer_find(*, customer: Customer, user_offer_id: str, culture: str) -> UserOffer | None:
    """The offer `user_offer_id` as the customer's SessionM wallet shows it in `culture`; None when it is not
    there. SessionM's errors propagate."""
    walk = user_offers_walk(
        get_sessionm_client(),
        customer.sessionm_id,
        culture=culture,
        page_size=LOOKUP_PAGE_SIZE,
        max_pages=LOOKUP_MAX_PAGES,
        until_found={user_offer_id},
    )
    return walk.found({user_offer_id}).get(user_offer_id)


def wallet_item_complete(*, item_pk: int) -> str:
    """Fill in what the caller could not tell (expiry, texts) from the customer's SessionM wallet, before the
    offer-issued message goes out. When SessionM cannot answer, the message goes with what is known."""
    item = WalletItem.objects.select_related("customer__user").filter(pk=item_pk).first()
    if item is None or (item.expires_at is not None and item.title):
        return "complete"
    customer = item.customer
    culture = culture_for(customer.language)
    try:
        offer = wallet_offer_find(customer=customer, user_offer_id=item.user_offer_id, culture=culture)
    except SessionMError as exc:
        logger.warning("ledger: wallet unavailable to complete an item (%s)", exc.__class__.__name__)
        return "unavailable"
    if offer is None:
        return "not in the wallet"
    wallet_item_record(customer=customer, offer=offer, source=item.source, context=OfferContext(culture=culture))
    return "completed"


def wallet_items_discover_later(*, customer: Customer, since: datetime, source: str) -> None:
    """After the caller's transaction commits, look (DISCOVERY_DELAY later) for offers SessionM issued to the
    customer since `since` and record the new ones with `source`: how the BFF learns of offers a transaction
    earned."""
    if customer.status != CustomerStatus.ACTIVE:
        return
    transaction.on_commit(
        lambda: later.wallet_items_discover(customer_pk=customer.pk, since=since, source=source), robust=True
    )


def wallet_items_discover(*, customer_pk: int, since: datetime, source: str) -> int:
    """The offers issued since `since` found in the first wallet page, recorded; returns how many were new."""
    customer = Customer.objects.select_related("user").filter(pk=customer_pk, status=CustomerStatus.ACTIVE).first()
    if customer is None:
        return 0
    issued_since = since - DISCOVERY_CLOCK_SKEW
    culture = culture_for(customer.language)
    try:
        page = get_sessionm_client().get_user_offers(
            customer.sessionm_id, culture=culture, skip=0, take=DISCOVERY_PAGE_SIZE
        )
    except SessionMError as exc:
        logger.warning("ledger: wallet unavailable to discover new offers (%s)", exc.__class__.__name__)
        return 0
    fresh = [offer for offer in page.offers if offer.start_date is not None and offer.start_date >= issued_since]
    known = set(
        WalletItem.objects.filter(user_offer_id__in=[o.user_offer_id for o in fresh]).values_list(
            "user_offer_id", flat=True
        )
    )
    for offer in fresh:
        if offer.user_offer_id not in known:
            wallet_item_record(customer=customer, offer=offer, source=source, context=OfferContext(culture=culture))
    return len(set(o.user_offer_id for o in fresh) - known)
