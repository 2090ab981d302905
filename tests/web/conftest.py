"""Fixtures of the web wallet tests: real customers signed up through the accounts service against the
in-process sandbox, logged-in clients, and (for tests/web/test_browser.py) Chromium driven by Playwright."""

import itertools
import os
import shutil
from decimal import Decimal
from pathlib import Path

import pytest
from django.conf import settings
from django.test import Client

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
PASSWORD = "Crispy-Golden-42"

_emails = itertools.count(1)


def signup(**overrides):
    """A customer made the way a visitor makes one (local account + SessionM profile in the sandbox)."""
    from apps.accounts.services import customer_signup

    fields = {
        "email": f"web-customer-{next(_emails)}@example.com",
        "password": PASSWORD,
        "first_name": "Amanda",
        "last_name": "Souza",
        "language": "en",
    }
    fields.update(overrides)
    return customer_signup(**fields)


def earn_points(customer, *, dollars: int) -> None:
    """Points the real way: a purchase rung up at a till with the customer's member code (10 points per $)."""
    from tests.till import ring_up

    ring_up(customer, [("FF-PULLED-PORK", dollars // 10, Decimal("10.00"))])


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):
    # Signups and logins hash passwords; the real hasher is slow on purpose and these tests do it a lot.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def customer(db):
    return signup()


@pytest.fixture
def other_customer(db):
    return signup(first_name="Bruno", last_name="Lima")


@pytest.fixture
def customer_client(customer):
    client = Client()
    client.force_login(customer.user)
    return client


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
