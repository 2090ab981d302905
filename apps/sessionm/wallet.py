"""Reading a customer's whole offer wallet ("Ready to Redeem"), a page at a time.

SessionM Connect's get_user_offers pages with skip/take (take at most 1000) and reports `total_records`, the
issued offers in all pages (https://docs.sessionm.com/ "Get User Offers"; shared/specs/sessionm.md). Every
caller that needs more than one page walks it here, with one rule for when the wallet has been read whole:
an empty page, or as many offers read as SessionM counts. A short page is not the end: should SessionM answer
fewer than asked, the next page is read, so an offer is never taken for gone because a page came back short.
"""

import time
from collections.abc import Collection
from dataclasses import dataclass
from typing import Protocol

from .types import UserOffer, UserOffersPage

__all__ = ["UserOffersReader", "WalletWalk", "user_offers_walk"]


class UserOffersReader(Protocol):
    """SessionMClient.get_user_offers, and any stand-in with its signature."""

    def get_user_offers(self, user_id: str, *, culture: str, skip: int = 0, take: int = 20) -> UserOffersPage: ...


@dataclass(frozen=True)
class WalletWalk:
    offers: tuple[UserOffer, ...]  # in SessionM's order, as read
    complete: bool  # the whole wallet was read: an offer not among `offers` is not in it
    last_page: UserOffersPage  # its point totals and `total` are the newest SessionM gave

    def found(self, user_offer_ids: Collection[str]) -> dict[str, UserOffer]:
        """The offers read among `user_offer_ids`, by user_offer_id."""
        return {offer.user_offer_id: offer for offer in self.offers if offer.user_offer_id in user_offer_ids}


def user_offers_walk(
    client: UserOffersReader,
    user_id: str,
    *,
    culture: str,
    page_size: int,
    max_pages: int | None = None,
    max_offers: int | None = None,
    until_found: Collection[str] = (),
    deadline: float | None = None,
) -> WalletWalk:
    """Read the wallet of `user_id` in `culture`, `page_size` offers a call, until it has been read whole, or
    sooner: once every offer of `until_found` was read, after `max_pages` calls, at `max_offers` offers, or
    when time.monotonic() passes `deadline` (checked between calls: the first page is always read).

    SessionM's errors propagate (SessionMNotFound for a user it does not know).
    """
    if page_size < 1 or (max_pages is not None and max_pages < 1) or (max_offers is not None and max_offers < 1):
        raise ValueError("a wallet walk reads at least one offer of one page")
    offers: list[UserOffer] = []
    wanted = set(until_found)
    pages = 0
    while True:
        take = page_size if max_offers is None else min(page_size, max_offers - len(offers))
        page = client.get_user_offers(user_id, culture=culture, skip=len(offers), take=take)
        pages += 1
        offers.extend(page.offers)
        wanted.difference_update(offer.user_offer_id for offer in page.offers)
        complete = not page.offers or len(offers) >= page.total
        stop = (
            complete
            or (until_found and not wanted)
            or (max_pages is not None and pages >= max_pages)
            or (max_offers is not None and len(offers) >= max_offers)
            or (deadline is not None and time.monotonic() >= deadline)
        )
        if stop:
            return WalletWalk(offers=tuple(offers), complete=complete, last_page=page)
