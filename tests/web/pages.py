"""What the web wallet's page tests share: the pages, and reading a response as a person sees it."""

import html

from django.urls import reverse

from apps.loyalty.selectors import rewards_store_get, wallet_get
from tests.customers import earn_points

CUSTOMER_PAGES = ["wallet", "campaigns", "points", "activity", "profile", "forget"]
VISITOR_PAGES = ["landing", "signup", "login"]


def text(response) -> str:
    return html.unescape(response.content.decode())


def shown_messages(response) -> list[str]:
    return [str(message) for message in response.context["messages"]]


def reward_id(customer, name: str) -> str:
    page = rewards_store_get(customer=customer, page=1, page_size=50)
    return next(item.id for item in page.results if item.name == name)


def wallet_ids(customer) -> list[str]:
    return [item.id for item in wallet_get(customer=customer, page=1, page_size=50).results]


def buy_curly_fries(client, customer) -> str:
    """Earn enough, buy Free Curly Fries through the page, and return the new wallet item's id."""
    earn_points(customer, dollars=50)
    client.post(reverse("web:reward-buy", args=[reward_id(customer, "Free Curly Fries")]))
    (user_offer_id,) = wallet_ids(customer)
    return user_offer_id
