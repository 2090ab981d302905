"""A SessionM client pointed at made-up tenant hosts, with every HTTP call answered by `responses`."""

import base64
import json

import pytest
import responses

from apps.sessionm.client import SessionMClient
from apps.upstream import session as upstream_session

CORE = "https://api-fancyfries.stg-sessionm.com"
CONNECT = "https://domains-fancyfries.stg-sessionm.com"
POS = "https://cloudpos-fancyfries.stg-sessionm.com"
API_KEY = "core-key-7f3a"
CORE_V1 = f"{CORE}/priv/v1/apps/{API_KEY}"
CORE_V2 = f"{CORE}/priv/v2/apps/{API_KEY}"
RETAILER_ID = "5f0c1c7e-6a1d-4a55-9d0e-fa1c0ffee001"
TIMEOUT = (1.5, 4.0)
USER_ID = "0b6f2c1e-8d2a-4b7e-9a51-3c1f0e2d4a77"


def basic(key: str, secret: str) -> str:
    return "Basic " + base64.b64encode(f"{key}:{secret}".encode()).decode()


CORE_AUTH = basic(API_KEY, "core-secret")
CONNECT_AUTH = basic("connect-key", "connect-secret")
POS_AUTH = basic("pos-key", "pos-secret")


def sent_json(call) -> dict:
    return json.loads(call.request.body)


@pytest.fixture(autouse=True)
def _no_backoff(no_backoff):
    """Retries are decided by the client; how long they wait is the plumbing's business (tests/conftest.py)."""


@pytest.fixture
def mock():
    with responses.RequestsMock(assert_all_requests_are_fired=True) as rsps:
        yield rsps


@pytest.fixture
def client():
    return SessionMClient(
        core_url=CORE,
        connect_url=CONNECT + "/",
        pos_url=POS,
        api_key=API_KEY,
        api_secret="core-secret",
        connect_key="connect-key",
        connect_secret="connect-secret",
        retailer_id=RETAILER_ID,
        pos_key="pos-key",
        pos_secret="pos-secret",
        pos_store_id="FF-ONLINE",
        pos_client_id="loyalty-bff",
        external_id_type="fancyfries",
        timeout=TIMEOUT,
        retries=2,
        session=upstream_session.build_session(),
    )
