"""The counter in a real browser (Debian's Chromium, JavaScript off), against the live server: the customer's
"My card", the sandbox till a staff member rings the purchase up on (it calls the intake over HTTP), and
redeeming at the counter, from the question to the cashier's screen. Phone and desktop screenshots of each
land in test-artifacts/screenshots/."""

import io
import re

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command

from tests.customers import PASSWORD, signup

from .conftest import SCREENSHOTS
from .test_browser import DESKTOP, PHONE, Tab

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

STAFF_PASSWORD = "Staff-Crispy-42"


@pytest.fixture(scope="module")
def screenshots_dir():
    # Next to test_browser.py's screenshots: the shared fixture empties the folder, this one keeps them.
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    return SCREENSHOTS


@pytest.fixture
def tabs(chromium, live_server, screenshots_dir):
    opened = []

    def open_tab() -> Tab:
        tab = Tab(chromium, live_server.url, screenshots_dir)
        opened.append(tab)
        return tab

    yield open_tab
    for tab in opened:
        tab.context.close()


def shoot_sandbox(tab: Tab, name: str) -> None:
    """The sandbox is a developer's page without the wallet's landmarks: screenshots only, no wallet audit."""
    for size in (PHONE, DESKTOP):
        tab.page.set_viewport_size(size)
        tab.page.screenshot(path=tab.screenshots / f"{name}-{size['width']}x{size['height']}.png", full_page=True)
    tab.page.set_viewport_size(PHONE)


def log_in(tab: Tab, email: str) -> None:
    tab.goto("/login/")
    tab.page.get_by_label("Email", exact=True).fill(email)
    tab.page.get_by_label("Password", exact=True).fill(PASSWORD)
    tab.page.get_by_role("button", name="Log in").first.click()


def ring_up(till: Tab, code: str, quantities: dict[str, int]) -> str:
    page = till.page
    till.goto("/sandbox/till/")
    page.get_by_label("Member code").fill(code)
    for sku, quantity in quantities.items():
        page.get_by_label(re.compile(f"^{sku} ")).fill(str(quantity))
    page.get_by_role("button", name="Ring up").click()
    return page.locator("section").first.inner_text()


def test_my_card_the_till_and_redeeming_at_the_counter(tabs):
    call_command("seed_demo", stdout=io.StringIO())  # the sandbox till's POS client and the staff user
    staff = get_user_model().objects.get(username="staff@example.com")
    staff.set_password(STAFF_PASSWORD)
    staff.save()
    amanda = signup(email="counter@example.com")

    # The customer opens My card: a QR code, the code in letters, how long it is good for, a refresh link.
    customer = tabs()
    log_in(customer, amanda.user.email)
    customer.page.get_by_role("link", name="My card", exact=True).click()
    assert customer.heading().inner_text() == "My card"
    qr = customer.page.get_by_role("img", name="Your member code")
    assert qr.is_visible() and qr.bounding_box()["width"] >= 200
    code = customer.page.locator(".code-screen__code").inner_text()
    assert re.fullmatch(r"FF[A-Z2-7]{24}", code)
    assert "Valid for 5 minutes, until" in customer.page.locator("main").inner_text()
    customer.shoot("20-my-card")

    # Staff ring up $50 on the sandbox till with that code (the till logs in through the admin).
    till = tabs()
    till.goto("/sandbox/till/")
    till.page.get_by_label("Username").fill("staff@example.com")
    till.page.get_by_label("Password").fill(STAFF_PASSWORD)
    till.page.get_by_role("button", name="Log in").click()
    assert till.heading().inner_text() == "Sandbox till"
    shoot_sandbox(till, "21-sandbox-till")
    result = ring_up(till, code, {"FF-PULLED-PORK": 5})
    assert "Rung up: $50.00" in result and "HTTP 202" in result
    shoot_sandbox(till, "22-sandbox-till-rung-up")

    # The same code again: used up, the till says so and nothing is credited.
    refused = ring_up(till, code, {"FF-CURLY": 1})
    assert "Refused" in refused and "member_code_used" in refused

    # The refresh link gives a new code.
    customer.page.get_by_role("link", name="Get a new code").click()
    assert customer.page.locator(".code-screen__code").inner_text() != code

    # 600 points: the customer buys Free Curly Fries and redeems it at the counter, in two steps.
    customer.page.get_by_role("link", name="Wallet", exact=True).click()
    assert customer.points_to_spend() == "600"
    customer.card("Rewards Store", "Free Curly Fries").get_by_role("button", name="Buy").click()
    customer.card("Ready to Redeem", "Free Curly Fries").get_by_role("link", name="Redeem").click()
    assert customer.heading().inner_text() == "Redeem now?"
    assert "show the next screen to the cashier" in customer.page.locator("main").inner_text()
    customer.shoot("23-redeem-confirm")
    customer.page.get_by_role("link", name="Not now").click()
    assert customer.card("Ready to Redeem", "Free Curly Fries").count() == 1

    customer.card("Ready to Redeem", "Free Curly Fries").get_by_role("link", name="Redeem").click()
    customer.page.get_by_role("button", name="Redeem now").click()
    assert customer.heading().inner_text() == "Show this screen to the cashier"
    assert "You redeemed Free Curly Fries. Enjoy!" in customer.messages()
    screen = customer.page.locator("main").inner_text()
    assert "Free Curly Fries" in screen and "Redeemed at" in screen and "Discount code" in screen
    assert customer.page.get_by_role("img", name="Redemption code for the cashier").is_visible()
    customer.shoot("24-redemption-screen")

    customer.page.get_by_role("link", name="Back to my wallet").click()
    assert customer.card("Ready to Redeem", "Free Curly Fries").count() == 0

    # The refused ring-up answers 422 to the till page's own request (not to the browser): no browser problems.
    assert customer.problems == []
    assert till.problems == []
