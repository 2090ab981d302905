"""apps.sessionm.wallet.user_offers_walk: one way to read a customer's whole offer wallet a page at a time."""

import pytest

from apps.sessionm.errors import SessionMNotFound
from apps.sessionm.types import UserOffer, UserOffersPage
from apps.sessionm.wallet import user_offers_walk


def offer(n: int) -> UserOffer:
    return UserOffer(
        user_offer_id=f"uo-{n}",
        offer_id="o",
        name=f"Offer {n}",
        description="",
        terms="",
        image_url=None,
        is_redeemable=True,
        start_date=None,
        expires_at=None,
        pos_discount_id=None,
        offer_type=None,
    )


class Wallet:
    """get_user_offers over `count` offers; `cap` answers at most that many a call (SessionM answering fewer
    than asked); `total` is what SessionM says it holds (default: the truth)."""

    def __init__(self, count: int, *, cap: int | None = None, total: int | None = None, error=None):
        self.offers = [offer(n) for n in range(count)]
        self.cap, self.total, self.error = cap, total, error
        self.calls: list[tuple[int, int]] = []

    def get_user_offers(self, user_id, *, culture, skip=0, take=20):
        self.calls.append((skip, take))
        if self.error:
            raise self.error
        page = self.offers[skip : skip + min(take, self.cap or take)]
        total = len(self.offers) if self.total is None else self.total
        return UserOffersPage(offers=tuple(page), total=total, available_points=5, total_points=9)


def test_reads_page_after_page_until_the_wallet_is_read_whole():
    wallet = Wallet(250)

    walk = user_offers_walk(wallet, "u", culture="en-US", page_size=100)

    assert wallet.calls == [(0, 100), (100, 100), (200, 100)]
    assert [o.user_offer_id for o in walk.offers] == [f"uo-{n}" for n in range(250)]
    assert walk.complete
    assert walk.last_page.available_points == 5


def test_an_empty_wallet_is_read_whole_in_one_call():
    wallet = Wallet(0)

    walk = user_offers_walk(wallet, "u", culture="en-US", page_size=100)

    assert (wallet.calls, walk.offers, walk.complete) == ([(0, 100)], (), True)


def test_a_short_page_is_not_taken_for_the_end_of_the_wallet():
    # SessionM answers at most 40 a call although 100 were asked: the offers after them are still read, so an
    # offer is never taken for gone (and its reminder cancelled) because a page came back short.
    wallet = Wallet(90, cap=40)

    walk = user_offers_walk(wallet, "u", culture="en-US", page_size=100)

    assert [skip for skip, _take in wallet.calls] == [0, 40, 80]
    assert len(walk.offers) == 90 and walk.complete


def test_stops_once_every_wanted_offer_was_read():
    wallet = Wallet(500)

    walk = user_offers_walk(wallet, "u", culture="en-US", page_size=100, until_found={"uo-3", "uo-150"})

    assert len(wallet.calls) == 2
    assert set(walk.found({"uo-3", "uo-150", "uo-499"})) == {"uo-3", "uo-150"}
    assert not walk.complete  # so "uo-499 not found" says nothing


def test_max_pages_bounds_the_calls_and_the_walk_is_then_incomplete():
    wallet = Wallet(5000)

    walk = user_offers_walk(wallet, "u", culture="en-US", page_size=100, max_pages=3)

    assert len(wallet.calls) == 3 and len(walk.offers) == 300 and not walk.complete


def test_max_offers_asks_only_for_what_is_left():
    wallet = Wallet(1000, cap=200)

    walk = user_offers_walk(wallet, "u", culture="en-US", page_size=300, max_offers=300)

    assert wallet.calls == [(0, 300), (200, 100)]
    assert len(walk.offers) == 300 and not walk.complete


def test_a_deadline_passed_stops_after_the_page_in_hand(monkeypatch):
    clock = iter([0.0, 10.0])
    monkeypatch.setattr("apps.sessionm.wallet.time.monotonic", lambda: next(clock))
    wallet = Wallet(1000, cap=100)

    walk = user_offers_walk(wallet, "u", culture="en-US", page_size=300, deadline=5.0)

    assert len(wallet.calls) == 2  # the first page is always read; the deadline is checked between calls
    assert len(walk.offers) == 200 and not walk.complete


def test_sessionm_errors_reach_the_caller():
    with pytest.raises(SessionMNotFound):
        user_offers_walk(Wallet(3, error=SessionMNotFound("no such user")), "u", culture="en-US", page_size=10)


def test_a_walk_reads_at_least_one_offer():
    with pytest.raises(ValueError):
        user_offers_walk(Wallet(3), "u", culture="en-US", page_size=0)
