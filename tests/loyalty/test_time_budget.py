"""One upstream time budget per request: with SessionM accepting connections and never answering, every screen
answers 504 once the budget is spent, not after the read timeout times the tries (5 s x 3 used to be 15 s)."""

import socket
import threading
import time

import pytest

from apps.sessionm import get_sessionm_client
from apps.upstream.budget import budget_remaining, upstream_budget

from .conftest import FAKE_API_KEY, FAKE_USER_ID, url

pytestmark = pytest.mark.django_db

BUDGET = 1.0
# Far below what the calls would take without a budget (15 s), far above what answering takes.
WITHIN_BUDGET = BUDGET + 1.5


class HangingServer:
    """Accepts every connection on a loopback port and never sends a byte."""

    def __init__(self):
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(64)
        self.port = self.sock.getsockname()[1]
        self.held = []
        self.accepted = 0
        self.thread = threading.Thread(target=self._accept, daemon=True)
        self.thread.start()

    def _accept(self):
        while True:
            try:
                conn, _addr = self.sock.accept()
            except OSError:
                return
            self.accepted += 1
            self.held.append(conn)

    def close(self):
        self.sock.close()
        for conn in self.held:
            conn.close()


@pytest.fixture
def hanging_sessionm(settings, no_backoff):
    server = HangingServer()
    base = f"http://127.0.0.1:{server.port}"
    settings.SESSIONM_CORE_URL = f"{base}/core"
    settings.SESSIONM_CONNECT_URL = f"{base}/connect"
    settings.SESSIONM_POS_URL = f"{base}/pos"
    settings.SESSIONM_API_KEY = FAKE_API_KEY
    settings.SESSIONM_TIMEOUT = (2.0, 5.0)
    settings.SESSIONM_RETRIES = 2
    settings.UPSTREAM_REQUEST_BUDGET = BUDGET
    get_sessionm_client.cache_clear()
    yield server
    get_sessionm_client.cache_clear()
    server.close()


SCREENS = [
    ("get", "home", {}),
    ("get", "wallet", {}),
    ("get", "campaigns", {}),
    ("get", "rewards-store", {}),
    ("get", "points", {}),
    ("get", "points-history", {}),
    ("get", "activity", {}),
    ("post", "reward-purchase", {"offer_id": "rso-1"}),
]


@pytest.mark.parametrize(("method", "name", "kwargs"), SCREENS, ids=[s[1] for s in SCREENS])
def test_a_hanging_sessionm_is_a_504_within_the_budget(hanging_sessionm, offline_api, method, name, kwargs):
    started = time.monotonic()
    response = getattr(offline_api, method)(url(name, **kwargs))
    elapsed = time.monotonic() - started

    assert response.status_code == 504, response.content
    assert response.json()["error"]["code"] == "loyalty_timeout"
    assert elapsed < WITHIN_BUDGET, f"{name} took {elapsed:.1f}s with a {BUDGET}s budget"


def test_the_web_wallet_answers_within_the_budget_too(hanging_sessionm, offline_customer, client):
    client.force_login(offline_customer.user)
    started = time.monotonic()
    response = client.get("/wallet/")
    assert time.monotonic() - started < WITHIN_BUDGET
    assert response.status_code == 504


def test_retries_fit_in_the_budget_and_no_try_starts_after_it(hanging_sessionm):
    client = get_sessionm_client()
    with upstream_budget(BUDGET):
        with pytest.raises(Exception) as caught:
            client.get_point_balances(FAKE_USER_ID)
        assert budget_remaining() < 0.1
    assert caught.type.__name__ == "SessionMTimeout"
    # One try used the whole budget: no retry started once it was spent.
    assert hanging_sessionm.accepted == 1


def test_outside_a_request_each_call_keeps_its_own_timeouts():
    assert budget_remaining() is None
    with upstream_budget(10):
        with upstream_budget(1):
            assert budget_remaining() <= 1
        assert 9 < budget_remaining() <= 10
