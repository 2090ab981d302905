"""Fixtures of the outbox tests: Braze answered by `responses` at a made-up REST host, and the dummy task
backend (runs nothing, remembers what was enqueued) so delivery runs only when a test calls it."""

from datetime import timedelta

import pytest
import responses
from django.utils import timezone

from apps.braze import get_braze_client
from apps.messaging import discovery, reminders

from .braze_answers import BRAZE
from .wallets import FakeWallet


@pytest.fixture(autouse=True)
def _recorded_tasks(tasks):
    """The dummy task backend for every test here (tests/conftest.py); `tasks.results` lists what was enqueued."""


@pytest.fixture
def braze(settings):
    """Braze at BRAZE, every call answered by `responses` (an unregistered call fails the test)."""
    settings.BRAZE_REST_URL = BRAZE
    get_braze_client.cache_clear()
    with responses.RequestsMock(assert_all_requests_are_fired=False) as mock:
        yield mock
    get_braze_client.cache_clear()


@pytest.fixture
def now():
    """A fixed clock for delivery passes: a minute ahead, so rows the test makes now are due; at a whole
    second, because Braze's reset header has second precision."""
    return (timezone.now() + timedelta(minutes=1)).replace(microsecond=0)


@pytest.fixture
def sessionm_wallet(monkeypatch):
    """SessionM's wallet as the modules that read it (reminders, discovery) see it: a FakeWallet."""
    wallet = FakeWallet()
    monkeypatch.setattr(reminders, "get_sessionm_client", lambda: wallet)
    monkeypatch.setattr(discovery, "get_sessionm_client", lambda: wallet)
    return wallet
