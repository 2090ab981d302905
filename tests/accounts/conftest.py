"""Fixtures of the accounts tests. SessionM and Braze are the in-process sandbox, reached through the real
clients; faults are switched on in the sandbox when a test needs an upstream down."""

import pytest
from django_tasks import task_backends
from rest_framework.test import APIClient

from apps.sandbox import faults
from apps.upstream import session as upstream_session

from .helpers import SignedUp, signup


@pytest.fixture(autouse=True)
def _fast_hashing(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def tasks(settings):
    """The dummy task backend: delivery runs are recorded, not run (tests call delivery themselves)."""
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.dummy.DummyBackend", "QUEUES": ["default"]}}
    backend = task_backends["default"]
    yield backend
    backend.clear()


@pytest.fixture(autouse=True)
def _no_backoff(monkeypatch):
    # Safe calls are retried against a sandbox that fails on purpose; how long retries wait is not tested here.
    monkeypatch.setattr(upstream_session, "backoff_delay", lambda attempt: 0)


@pytest.fixture
def api():
    return APIClient()


@pytest.fixture
def down():
    """down("sessionm-core") / down("braze"): every call to that upstream answers 5xx until the test ends."""

    def switch(*upstreams: str) -> None:
        faults.set_faults(upstreams=upstreams, error_rate=1.0)

    yield switch
    faults.clear_faults()


@pytest.fixture
def amanda(api) -> SignedUp:
    """A customer signed up through the API (SessionM profile in the sandbox, welcome queued)."""
    return signup(api)


@pytest.fixture
def bruno(api) -> SignedUp:
    return signup(api, first_name="Bruno", last_name="Lima", language="es")
