"""Fixtures of the loyalty screen tests.

Two kinds of test: through the public API against the in-process sandbox (`customer` signed up for real,
`api` holding their bearer token), and against SessionM answers made up with `responses` (`sessionm` points
the client at a fake tenant; `offline_customer` exists only locally) for failures the sandbox is not asked
to produce.
"""

import json

import pytest
import responses
from django.contrib.auth import get_user_model
from django.urls import reverse
from rest_framework.test import APIClient

from apps.accounts.models import Customer, CustomerStatus
from apps.accounts.tokens import token_pair_issue
from apps.sessionm import get_sessionm_client
from apps.sessionm.routes import ROUTES
from tests.till import ring_up


def url(name: str, **kwargs) -> str:
    return reverse(f"api:{name}", kwargs=kwargs or None)


def bearer_client(customer) -> APIClient:
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Bearer {token_pair_issue(customer=customer).access}")
    return api


@pytest.fixture
def api(customer):
    return bearer_client(customer)


def record_transaction(customer, items, **extra):
    """A purchase rung up at a till for `customer`, [(sku, quantity, unit_price)]; asserts it was accepted."""
    return ring_up(customer, items, **extra)


# --- Made-up SessionM answers --------------------------------------------------------------------------------

FAKE_CORE = "https://api-fancyfries.stg-sessionm.test"
FAKE_CONNECT = "https://domains-fancyfries.stg-sessionm.test"
FAKE_POS = "https://cloudpos-fancyfries.stg-sessionm.test"
FAKE_API_KEY = "core-key"
FAKE_USER_ID = "0b6f2c1e-8d2a-4b7e-9a51-3c1f0e2d4a77"


class FakeSessionM:
    """`responses` registry addressed by route name: `sessionm.add("point_balances_get", json=...)`."""

    def __init__(self, mock: responses.RequestsMock):
        self.mock = mock

    def route_url(self, name: str, **params) -> str:
        route = ROUTES[name]
        base = {"core": FAKE_CORE, "connect": FAKE_CONNECT, "pos": FAKE_POS}[route.product]
        return base + route.path.format(api_key=FAKE_API_KEY, **params)

    def add(self, name: str, *, status: int = 200, **kwargs):
        params = {key: kwargs.pop(key) for key in list(kwargs) if key in ("user_id", "campaign_id", "view")}
        route = ROUTES[name]
        return self.mock.add(route.method, self.route_url(name, **params), status=status, **kwargs)

    def add_callback(self, name: str, callback, **params):
        route = ROUTES[name]
        return self.mock.add_callback(route.method, self.route_url(name, **params), callback=callback)

    def calls_to(self, name: str, **params) -> list:
        prefix = self.route_url(name, **params)
        return [call for call in self.mock.calls if call.request.url.split("?")[0] == prefix]

    @staticmethod
    def body(call) -> dict:
        return json.loads(call.request.body)


@pytest.fixture
def sessionm(settings, no_backoff):
    settings.SESSIONM_CORE_URL = FAKE_CORE
    settings.SESSIONM_CONNECT_URL = FAKE_CONNECT
    settings.SESSIONM_POS_URL = FAKE_POS
    settings.SESSIONM_API_KEY = FAKE_API_KEY
    settings.SESSIONM_RETRIES = 0
    get_sessionm_client.cache_clear()
    with responses.RequestsMock(assert_all_requests_are_fired=False) as mock:
        yield FakeSessionM(mock)
    get_sessionm_client.cache_clear()


@pytest.fixture
def offline_customer(db):
    """A customer whose SessionM profile lives in the made-up tenant of `sessionm`."""
    user = get_user_model().objects.create_user(username="offline@example.com", email="offline@example.com")
    return Customer.objects.create(
        user=user, sessionm_user_id=FAKE_USER_ID, status=CustomerStatus.ACTIVE, first_name="Amanda", language="en"
    )


@pytest.fixture
def offline_api(offline_customer):
    return bearer_client(offline_customer)


def connect_ok(payload: dict) -> dict:
    return {"status": "ok", "payload": payload}


BALANCES = connect_ok(
    {
        "summary": {"total_points": 180, "life_time_points": 280},
        "details": [
            {
                "account_name": "Fries Points",
                "point_account_id": "pa-1",
                "available_balance": 180,
                "life_time_value": 280,
            }
        ],
    }
)
USER_OFFERS = connect_ok(
    {
        "user_offers": [
            {
                "id": "uo-1",
                "offer_id": "of-large",
                "name": "Free Large Fries",
                "description": "One large fries on us.",
                "is_redeemable": True,
                "redemption_end_date": "2026-12-22T10:00:00.0000000Z",
                "media": [{"uri": "https://img.example.com/large.png"}],
            }
        ],
        "total_records": 1,
        "available_points": 180,
        "total_points": 180,
    }
)
CAMPAIGNS = {
    "status": "ok",
    "campaigns": {
        "tiles": [
            {
                "campaign_id": "c-large",
                "name": "Large Fries on us",
                "custom_payload": {"requires_opt_in": True},
                "progress": {"state": "available", "opted_in": False, "percent": 0},
                "template": {"message": {"header": "Large Fries on us", "description": "Buy two kinds of fries."}},
            }
        ],
        "promotions": [],
    },
}
