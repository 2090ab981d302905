"""The activity page: paged with a cursor, and SessionM's English turned into the customer's language
(the points page's history too)."""

import html
import re
from urllib.parse import unquote

import pytest
from django.test import Client
from django.urls import reverse

from apps.sandbox import demo
from apps.sessionm import get_sessionm_client
from tests.customers import earn_points, signup

from .pages import shown_messages, text

# Transactional: a page's SessionM reads run in worker threads, whose database connections must see the
# customer this test signed up (committed, not inside the test's own transaction).
pytestmark = pytest.mark.django_db(transaction=True)


def test_activity_pages_with_a_cursor_and_recovers_from_a_bad_one(customer_client, customer, monkeypatch):
    earn_points(customer, dollars=10)
    earn_points(customer, dollars=20)
    monkeypatch.setattr("apps.web.views.history.HISTORY_PAGE_SIZE", 2)

    first = customer_client.get(reverse("web:activity"))
    older = re.search(r'href="\?cursor=([^"]+)"', first.content.decode())
    assert older, "a full page links to older activity"
    second = customer_client.get(reverse("web:activity"), {"cursor": unquote(html.unescape(older.group(1)))})

    assert second.status_code == 200
    assert "Newest activity" in text(second)
    assert set(re.findall(r"<strong>(.*?)</strong>", text(first))).isdisjoint(
        re.findall(r"<strong>(.*?)</strong>", text(second))
    )

    forged = customer_client.get(reverse("web:activity"), {"cursor": "forged"}, follow=True)
    assert forged.redirect_chain == [(reverse("web:activity"), 302)]
    assert shown_messages(forged) == ["That page of your activity is not available, so here is the newest."]


SESSIONM_ENGLISH = ["Welcome bonus", "Purchase of", "Fries Points", "Rewards Store:", "points spent", "Silver"]


@pytest.mark.parametrize(
    ("language", "expected"),
    [
        ("pt-br", ["Bônus de boas-vindas: 100 pontos", "Compra de US$ 200,00: 2.000 pontos", "Pontos Fries", "Prata"]),
        ("es", ["Bono de bienvenida: 100 puntos", "Compra de 200,00 $: 2\xa0000 puntos", "Puntos Fries", "Plata"]),
        ("fr", ["Bonus de bienvenue : 100 points", "Achat de 200,00 $ : 2\xa0000 points", "Points Fries", "Argent"]),
    ],
)
def test_activity_and_points_pages_show_no_sessionm_english_for_known_kinds(db, language, expected):
    customer = signup(language=language)
    earn_points(customer, dollars=200)  # 2,000 points: Silver
    client = Client()
    client.force_login(customer.user)
    buy = next(o for o in get_sessionm_client().get_reward_store_offers([demo.REWARD_STORE.id], culture="en-US").offers)
    get_sessionm_client().purchase_offer(
        user_id=customer.sessionm_user_id,
        reward_store_id=demo.REWARD_STORE.id,
        reward_store_offer_id=buy.reward_store_offer_id,
        point_account_ids=[demo.REWARD_STORE.point_account_id],
        culture="en-US",
    )

    pages = text(client.get(reverse("web:activity"))) + text(client.get(reverse("web:points")))

    for words in SESSIONM_ENGLISH:
        assert words not in pages, words
    for words in expected:
        assert words in pages, words
