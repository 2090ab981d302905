"""The Rewards Store catalogue: the same for every customer, so one SessionM answer per culture and page is
shared by everyone for a minute instead of being asked for on every screen view."""

from django.core.cache import cache

from apps.sessionm import get_sessionm_client
from apps.sessionm.types import RewardStoreOffer, RewardStoreOffersPage

CATALOGUE_TTL_SECONDS = 60
# Pages read while looking an offer up for a purchase, at most (50 offers each).
_LOOKUP_PAGE_SIZE = 50
_LOOKUP_MAX_PAGES = 20


def catalogue_page(*, sessionm_user_id: str, culture: str, skip: int, take: int) -> RewardStoreOffersPage:
    """One page of the stores' offers in `culture`. On a cache miss the stores are read for this customer
    (SessionM's API asks for one) and their offers cached for everyone."""
    key = f"loyalty:rewards-catalogue:v1:{culture}:{skip}:{take}"
    page = cache.get(key)
    if page is None:
        client = get_sessionm_client()
        store_ids = [store.id for store in client.get_reward_stores(sessionm_user_id)]
        if store_ids:
            page = client.get_reward_store_offers(store_ids, culture=culture, skip=skip, take=take)
        else:
            page = RewardStoreOffersPage(offers=(), total=0, skip=skip, take=take)
        cache.set(key, page, CATALOGUE_TTL_SECONDS)
    return page


def catalogue_offer(*, sessionm_user_id: str, culture: str, offer_id: str) -> RewardStoreOffer | None:
    """The catalogue's offer with this reward_store_offer_id, or None."""
    for number in range(_LOOKUP_MAX_PAGES):
        page = catalogue_page(
            sessionm_user_id=sessionm_user_id, culture=culture, skip=number * _LOOKUP_PAGE_SIZE, take=_LOOKUP_PAGE_SIZE
        )
        for offer in page.offers:
            if offer.reward_store_offer_id == offer_id:
                return offer
        if len(page.offers) < _LOOKUP_PAGE_SIZE or (number + 1) * _LOOKUP_PAGE_SIZE >= page.total:
            return None
    return None
