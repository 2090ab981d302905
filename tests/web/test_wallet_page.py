"""The wallet page: points and tier, the Rewards Store, buying and redeeming, promo codes, offer pictures,
paging, each section's upstream failures, and each customer seeing only their own wallet."""

import re
import threading

import pytest
from django.test import Client
from django.urls import reverse

from apps.core.errors import LoyaltyTimeout, LoyaltyUnavailable, OfferNotRedeemable
from apps.sessionm.errors import SessionMBadResponse
from apps.web.templatetags.web_format import image_src
from tests.customers import earn_points, signup

from .pages import buy_curly_fries, reward_id, shown_messages, text, wallet_ids

# Transactional: a page's SessionM reads run in worker threads, whose database connections must see the
# customer this test signed up (committed, not inside the test's own transaction).
pytestmark = pytest.mark.django_db(transaction=True)


def test_wallet_shows_points_tier_ready_to_redeem_and_the_rewards_store(customer_client, customer):
    page = text(customer_client.get(reverse("web:wallet")))

    assert re.search(r"<dt>Points to spend</dt>\s*<dd>100</dd>", page)
    assert "Bronze" in page and "1,500 tier points to Silver" in page
    assert "No offers yet." in page
    for name, price in [("Free Curly Fries", "500"), ("$5 off", "700"), ("Snack Box", "1,200")]:
        assert name in page and f"{price} points" in page
    assert "Not enough points yet" in page and "You can afford it" not in page


def test_buying_without_enough_points_says_so(customer_client, customer):
    reward = reward_id(customer, "Free Curly Fries")
    response = customer_client.post(reverse("web:reward-buy", args=[reward]), follow=True)

    # Back on the wallet, at the card acted on.
    assert response.redirect_chain == [(f"{reverse('web:wallet')}#reward-{reward}", 302)]
    assert shown_messages(response) == ["You don't have enough points for this reward yet."]
    assert wallet_ids(customer) == []


def test_buy_then_redeem(customer_client, customer):
    earn_points(customer, dollars=50)
    page = text(customer_client.get(reverse("web:wallet")))
    assert re.search(r"<dd>600</dd>", page) and "You can afford it" in page

    response = customer_client.post(
        reverse("web:reward-buy", args=[reward_id(customer, "Free Curly Fries")]), follow=True
    )
    assert shown_messages(response) == ["Free Curly Fries is in your wallet, ready to redeem. Enjoy!"]
    (user_offer_id,) = wallet_ids(customer)
    page = text(response)
    assert reverse("web:offer-redeem", args=[user_offer_id]) in page
    assert re.search(r'Use by <time datetime="\d{4}-\d\d-\d\dT[^"]+">\w+\.? \d+, \d{4}</time>', page)

    response = customer_client.post(reverse("web:offer-redeem", args=[user_offer_id]), follow=True)
    assert shown_messages(response) == ["You redeemed Free Curly Fries. Enjoy!"]
    assert wallet_ids(customer) == []

    again = customer_client.post(reverse("web:offer-redeem", args=[user_offer_id]), follow=True)
    assert shown_messages(again) == ["This offer can't be redeemed: it was already used or it has expired."]


def test_an_offer_that_cannot_be_redeemed_says_why(customer_client, monkeypatch):
    def refuse(**kwargs):
        raise OfferNotRedeemable()

    monkeypatch.setattr("apps.web.views.wallet.offer_redeem", refuse)

    response = customer_client.post(reverse("web:offer-redeem", args=["uo-1"]), follow=True)

    assert shown_messages(response) == ["This offer can't be redeemed: it was already used or it has expired."]


def test_an_unknown_reward_says_so(customer_client):
    response = customer_client.post(reverse("web:reward-buy", args=["no-such-reward"]), follow=True)

    assert shown_messages(response) == ["This reward is no longer in the Rewards Store."]


def test_a_promo_code_puts_its_offer_in_the_wallet_once(customer_client, customer):
    response = customer_client.post(reverse("web:promo-code"), {"code": "tuesday20"}, follow=True)

    assert shown_messages(response) == ["Code accepted: its offer is in your wallet, ready to redeem."]
    assert "20% off your order" in text(response)
    assert len(wallet_ids(customer)) == 1

    again = customer_client.post(reverse("web:promo-code"), {"code": "TUESDAY20"}, follow=True)
    assert shown_messages(again) == ["You have already claimed this promo code."]
    assert len(wallet_ids(customer)) == 1


@pytest.mark.parametrize(
    ("code", "words"),
    [
        ("NOPE42", "This promo code is not valid."),
        ("no spaces!", "This promo code is not valid."),
        ("", "Enter a promo code."),
    ],
)
def test_a_bad_promo_code_says_so(customer_client, customer, code, words):
    response = customer_client.post(reverse("web:promo-code"), {"code": code}, follow=True)

    assert shown_messages(response) == [words]
    assert wallet_ids(customer) == []


@pytest.mark.parametrize(
    ("url", "shown"),
    [
        ("https://cdn.example/offer.png", "https://cdn.example/offer.png"),
        ("/static/sandbox/media/offers/free-curly-fries.svg", "/static/sandbox/media/offers/free-curly-fries.svg"),
        ("//elsewhere.example/offer.png", "/static/web/img/offer.svg"),
        ("http://cdn.example/offer.png", "/static/web/img/offer.svg"),
        ("javascript:alert(1)", "/static/web/img/offer.svg"),
        (None, "/static/web/img/offer.svg"),
    ],
)
def test_offer_pictures_are_https_or_ours(url, shown):
    assert image_src(url, "/static/web/img/offer.svg") == shown


def test_ids_that_are_not_sessionm_ids_never_reach_a_view(customer_client):
    assert customer_client.post("/wallet/offers/..%2F..%2Fusers/redeem/").status_code == 404


def test_wallet_pages_through_long_lists(customer_client, customer, monkeypatch):
    monkeypatch.setattr("apps.web.selectors.WALLET_PAGE_SIZE", 3)

    first = text(customer_client.get(reverse("web:wallet")))
    second = text(customer_client.get(reverse("web:wallet"), {"rewards_page": 2}))

    assert "Free Curly Fries" in first and "Snack Box" not in first
    assert 'href="?rewards_page=2"' in first
    assert "Snack Box" in second and "Free Curly Fries" not in second
    assert re.search(r'href="/wallet/">Previous page<', second)


@pytest.mark.parametrize(
    ("error", "status", "words"),
    [
        (LoyaltyTimeout(), 504, "The loyalty service took too long to answer. Please try again."),
        (LoyaltyUnavailable(), 503, "The loyalty service is unavailable right now."),
        # A vendor error a selector did not translate is still a page, not a 500.
        (SessionMBadResponse("not json"), 502, "The loyalty service is having trouble. Please try again later."),
    ],
)
def test_each_upstream_failure_has_its_status_and_words(customer_client, monkeypatch, error, status, words):
    def fail(**kwargs):
        raise error

    monkeypatch.setattr("apps.web.views.wallet.wallet_page_get", fail)

    response = customer_client.get(reverse("web:wallet"))

    assert response.status_code == status
    assert words in text(response)


def test_the_wallet_reads_run_at_once(customer_client, monkeypatch):
    import apps.web.selectors as web_selectors

    # Each read waits for the other two: read one after another, the first would wait for ever (then fail).
    all_three = threading.Barrier(3, timeout=5)

    def meeting(read):
        def wait_then_read(**kwargs):
            all_three.wait()
            return read(**kwargs)

        return wait_then_read

    for name in ["points_get", "wallet_get", "rewards_store_get"]:
        monkeypatch.setattr(web_selectors, name, meeting(getattr(web_selectors, name)))

    response = customer_client.get(reverse("web:wallet"))

    assert response.status_code == 200
    assert "Free Curly Fries" in text(response)


@pytest.mark.parametrize(
    ("failing", "words"),
    [
        ("rewards_store_get", "We can't show the Rewards Store right now."),
        ("wallet_get", "We can't show your offers right now."),
    ],
)
def test_the_wallet_shows_what_it_can_when_one_section_fails(customer_client, monkeypatch, failing, words):
    def down(**kwargs):
        raise LoyaltyUnavailable()

    monkeypatch.setattr(f"apps.web.selectors.{failing}", down)

    response = customer_client.get(reverse("web:wallet"))

    assert response.status_code == 200
    page = text(response)
    assert words in page
    assert re.search(r"<dt>Points to spend</dt>\s*<dd>100</dd>", page)


def test_the_wallet_needs_the_points(customer_client, monkeypatch):
    def slow(**kwargs):
        raise LoyaltyTimeout()

    monkeypatch.setattr("apps.web.selectors.points_get", slow)

    response = customer_client.get(reverse("web:wallet"))

    assert response.status_code == 504
    assert "The loyalty service took too long to answer. Please try again." in text(response)


def test_a_customer_only_sees_and_changes_their_own_wallet(customer, other_customer):
    amanda, bruno = Client(), Client()
    amanda.force_login(customer.user)
    bruno.force_login(other_customer.user)
    amandas_offer = buy_curly_fries(amanda, customer)

    brunos_page = text(bruno.get(reverse("web:wallet")))
    assert amandas_offer not in brunos_page and "Amanda" not in brunos_page and "Bruno" in brunos_page
    assert re.search(r"<dd>100</dd>", brunos_page)

    response = bruno.post(reverse("web:offer-redeem", args=[amandas_offer]), follow=True)

    assert shown_messages(response) == ["This offer is not in your wallet."]
    assert wallet_ids(customer) == [amandas_offer]
    assert amandas_offer in text(amanda.get(reverse("web:wallet")))


def test_names_are_escaped(client):
    customer = signup(first_name="<script>alert(1)</script>")
    client.force_login(customer.user)

    page = client.get(reverse("web:wallet")).content.decode()

    assert "<script>alert(1)</script>" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page


@pytest.mark.parametrize(
    ("language", "store", "curly", "points"),
    [
        ("en", "Rewards Store", "Free Curly Fries", "1,200 points"),
        ("pt-br", "Loja de recompensas", "Batata curly grátis", "1.200 pontos"),
        ("es", "Tienda de recompensas", "Patatas rizadas gratis", "1\xa0200 puntos"),
        ("fr", "Boutique de récompenses", "Frites bouclées offertes", "1\xa0200 points"),
    ],
)
def test_offer_texts_and_numbers_follow_the_language(language, store, curly, points):
    customer = signup(language=language)
    browser = Client()
    browser.force_login(customer.user)

    page = text(browser.get(reverse("web:wallet")))

    assert store in page and curly in page and points in page
