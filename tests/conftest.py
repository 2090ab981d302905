"""Project-wide test fixtures.

Every database test may touch the sandbox (the BFF reaches it in-process), so the django_db marker is
widened to all databases unless a test names its own.
"""

import pytest
from django.core.cache import cache


def pytest_collection_modifyitems(items):
    for item in items:
        marker = item.get_closest_marker("django_db")
        if marker is not None and "databases" not in marker.kwargs:
            item.add_marker(pytest.mark.django_db(*marker.args, databases="__all__", **marker.kwargs), append=False)


@pytest.fixture(autouse=True)
def _no_sandbox_webhook(settings):
    # The emulated SessionM would POST its offer-issued webhook to a local server; tests that want it turn it on.
    settings.SANDBOX_WEBHOOK_URL = ""


@pytest.fixture(autouse=True)
def _clear_cache():
    # Throttle counters and cached catalogues must not leak from one test into the next.
    cache.clear()
    yield
    cache.clear()
