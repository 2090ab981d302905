"""Fixtures of the web wallet tests: a second real customer (`customer` is tests/conftest.py's), logged-in
clients, SessionM down, and (for the test_browser*.py tests) Chromium driven by Playwright."""

import os
import shutil
from pathlib import Path

import pytest
from django.conf import settings
from django.test import Client

from apps.sandbox.faults import clear_faults, set_faults

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
SCREENSHOTS = Path(settings.BASE_DIR) / "test-artifacts" / "screenshots"


@pytest.fixture
def other_customer(db):
    from tests.customers import signup

    return signup(first_name="Bruno", last_name="Lima")


@pytest.fixture
def customer_client(customer):
    client = Client()
    client.force_login(customer.user)
    return client


@pytest.fixture
def sessionm_down():
    set_faults(upstreams=["sessionm-core", "sessionm-connect", "sessionm-pos"], error_rate=1.0)
    yield
    clear_faults()


# --- Browser -------------------------------------------------------------------------------------------------


@pytest.fixture(scope="session")
def chromium():
    """One headless Chromium for the whole run (each test gets its own context). Playwright's sync API keeps an
    event loop on the test thread, which would make Django's ORM refuse to run there, so the permission is
    given while the browser runs."""
    if not (os.path.exists(CHROMIUM) and os.access(CHROMIUM, os.X_OK)):
        pytest.skip(f"{CHROMIUM} is missing: install Debian's chromium (apt-get install -y chromium) to run these")
    from playwright.sync_api import sync_playwright

    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
            try:
                yield browser
            finally:
                browser.close()


@pytest.fixture(scope="session")
def screenshots_dir():
    shutil.rmtree(SCREENSHOTS, ignore_errors=True)
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    return SCREENSHOTS
