"""Fixtures of the accounts tests. SessionM and Braze are the in-process sandbox, reached through the real
clients; faults are switched on in the sandbox when a test needs an upstream down."""

import pytest
from rest_framework.test import APIClient

from apps.sandbox import faults

from .helpers import SignedUp, signup


@pytest.fixture(autouse=True)
def _every_test(tasks, no_backoff):
    """Delivery runs are recorded, not run (tests call delivery themselves); safe calls are retried against a
    sandbox that fails on purpose, without waiting (tests/conftest.py)."""


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
