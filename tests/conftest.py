"""Project-wide test fixtures, shared by every suite (a suite's conftest keeps only what is its own).

Every database test may touch the sandbox (the BFF reaches it in-process), so the django_db marker is
widened to all databases unless a test names its own.
"""

import pytest
from django.core.cache import cache
from django.test import override_settings
from django_tasks import task_backends

from apps.messaging.ledger import wallet_items_sync_forget
from apps.upstream import session as upstream_session


def pytest_collection_modifyitems(items):
    for item in items:
        marker = item.get_closest_marker("django_db")
        if marker is not None and "databases" not in marker.kwargs:
            item.add_marker(pytest.mark.django_db(*marker.args, databases="__all__", **marker.kwargs), append=False)


@pytest.fixture(autouse=True)
def _no_sandbox_webhook(settings):
    # The emulated SessionM would POST its offer-issued webhook to a local server; tests that want it turn it on.
    settings.SANDBOX_WEBHOOK_URL = ""


@pytest.fixture(autouse=True, scope="session")
def _process_cache():
    # The suite runs in one process and many tests touch the cache without a database: local memory here. The
    # shared default (apps.api.cache.DatabaseCache) is tested on its own and across real processes
    # (tests/api/test_shared_throttles.py).
    with override_settings(CACHES={"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}):
        yield


@pytest.fixture(autouse=True)
def _clear_cache():
    # Throttle counters and cached catalogues must not leak from one test into the next; nor the wallets the
    # process remembers having synced (a rolled-back test's customer ids come back in the next test).
    cache.clear()
    wallet_items_sync_forget()
    yield
    cache.clear()
    wallet_items_sync_forget()


@pytest.fixture
def rates(settings):
    """rates(login="3/min"): set throttle rates for this test (apps/api/throttles.py reads them from settings)."""

    def set_rates(**changes):
        rest = settings.REST_FRAMEWORK
        settings.REST_FRAMEWORK = {**rest, "DEFAULT_THROTTLE_RATES": {**rest["DEFAULT_THROTTLE_RATES"], **changes}}

    return set_rates


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):
    # Signups and logins hash passwords; the real hasher is slow on purpose and the suites do it a lot.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def tasks(settings):
    """The dummy task backend: task runs are recorded (`tasks.results`), not run, so delivery runs only when a
    test calls it. Suites that want it for every test request it from an autouse fixture of their conftest."""
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.dummy.DummyBackend", "QUEUES": ["default"]}}
    backend = task_backends["default"]
    yield backend
    backend.clear()


@pytest.fixture
def no_backoff(monkeypatch):
    """Retries without waiting: the upstream plumbing's backoff is tested on its own (tests/upstream)."""
    monkeypatch.setattr(upstream_session, "backoff_delay", lambda attempt: 0)


@pytest.fixture
def customer(db):
    """A customer signed up for real: local account and SessionM profile in the sandbox (tests/customers.py)."""
    from tests.customers import signup

    return signup()
