"""The web wallet in a real browser (Debian's Chromium through Playwright), with JavaScript turned off, against
the live server and the in-process sandbox: a visitor joins, spends and redeems points, switches to Portuguese
and leaves. Screenshots of the main pages land in test-artifacts/screenshots/ at phone and desktop sizes."""

import re
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import expect

from apps.accounts.models import Customer, CustomerStatus
from tests.customers import PASSWORD, earn_points

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PHONE = {"width": 360, "height": 780}
DESKTOP = {"width": 1280, "height": 900}


# WCAG AA contrast, alt texts, labels, one h1, landmarks and the skip link, checked in the page itself.
AUDIT = (Path(__file__).parent / "audit.js").read_text()


class Tab:
    """One browser tab that records every console error, page error, failed or refused request and HTTP error
    answer, so a test can assert that a walk through the site was clean."""

    def __init__(self, browser, base_url: str, screenshots: Path, *, javascript: bool = False):
        self.base_url = base_url
        self.screenshots = screenshots
        self.problems: list[str] = []
        self.context = browser.new_context(
            base_url=base_url, java_script_enabled=javascript, locale="en-US", viewport=PHONE
        )
        # Server-rendered pages answer fast; a missing element should fail the test in seconds, not 30.
        self.context.set_default_timeout(5_000)
        self.context.route("**/*", self._route)
        self.page = self.context.new_page()
        self.page.on("console", self._console)
        self.page.on("pageerror", lambda error: self.problems.append(f"page error: {error}"))
        self.page.on("requestfailed", self._request_failed)
        self.page.on("response", self._response)

    def _route(self, route):
        url = route.request.url
        # Everything, offer pictures included, comes from the site itself; no test may reach the internet.
        if url.startswith(self.base_url):
            route.continue_()
        else:
            self.problems.append(f"request outside the site: {url}")
            route.abort()

    def _request_failed(self, request):
        # A click that navigates cancels what the old page was still loading (its favicon, say): not a failure.
        if request.failure != "net::ERR_ABORTED":
            self.problems.append(f"request failed ({request.failure}): {request.url}")

    def _console(self, message):
        if message.type == "error":
            self.problems.append(f"console error: {message.text}")

    def _response(self, response):
        if response.status >= 400:
            self.problems.append(f"HTTP {response.status}: {response.url}")

    def goto(self, path: str):
        response = self.page.goto(path)
        assert response is not None and response.ok, path
        return response

    def shoot(self, name: str) -> None:
        """Screenshots at phone and desktop size, and the page's accessibility audit at each."""
        for size in (PHONE, DESKTOP):
            self.page.set_viewport_size(size)
            self.page.screenshot(path=self.screenshots / f"{name}-{size['width']}x{size['height']}.png", full_page=True)
            self.problems += [f"{name} at {size['width']}px: {problem}" for problem in self.page.evaluate(AUDIT)]
        self.page.set_viewport_size(PHONE)

    def heading(self):
        return self.page.locator("h1")

    def messages(self) -> str:
        return self.page.locator(".messages").inner_text()

    def points_to_spend(self) -> str:
        return self.page.locator(".summary dd").first.inner_text()

    def section(self, heading: str):
        return self.page.locator("section").filter(
            has=self.page.get_by_role("heading", name=heading, exact=True, level=2)
        )

    def card(self, section: str, name: str):
        """The card titled `name` in the section headed `section`."""
        return (
            self.section(section).locator(".card").filter(has=self.page.get_by_role("heading", name=name, exact=True))
        )


@pytest.fixture
def tab(chromium, live_server, screenshots_dir):
    tab = Tab(chromium, live_server.url, screenshots_dir)
    yield tab
    tab.context.close()


def test_join_spend_redeem_switch_language_and_leave(tab):
    page = tab.page

    # A visitor lands, joins, and finds the welcome points in the wallet.
    tab.goto("/")
    assert tab.heading().inner_text() == "Rewards that taste better"
    tab.shoot("01-landing")
    page.get_by_role("link", name="Join for free").click()
    assert tab.heading().inner_text() == "Join Fancy Fries rewards"
    page.get_by_label("First name", exact=True).fill("Amanda")
    page.get_by_label("Last name").fill("Souza")
    page.get_by_label("Email", exact=True).fill("amanda@example.com")
    page.get_by_label("Password", exact=True).fill(PASSWORD)
    page.get_by_label("Date of birth").fill("1994-03-12")
    tab.shoot("02-signup")
    page.get_by_role("button", name="Create my account").click()

    assert urlsplit(page.url).path == "/wallet/"
    assert "Welcome to Fancy Fries, Amanda!" in tab.messages()
    assert tab.points_to_spend() == "100"
    customer = Customer.objects.get(user__email="amanda@example.com")
    assert customer.language == "en"

    # 100 points don't buy Free Curly Fries (500): Buy is disabled, and the card says what is missing.
    out_of_reach = tab.card("Rewards Store", "Free Curly Fries")
    expect(out_of_reach.get_by_role("button", name="Buy")).to_be_disabled()
    assert "400 more points needed" in out_of_reach.inner_text()

    # A $50 order earns 500 points: now it is affordable, and buying it puts it in the wallet.
    earn_points(customer, dollars=50)
    tab.goto("/wallet/")
    assert tab.points_to_spend() == "600"
    assert "You can afford it" in tab.card("Rewards Store", "Free Curly Fries").inner_text()
    tab.card("Rewards Store", "Free Curly Fries").get_by_role("button", name="Buy").click()
    assert "Free Curly Fries is in your wallet, ready to redeem." in tab.messages()
    assert urlsplit(page.url).fragment.startswith("reward-")  # back at the card acted on
    assert tab.points_to_spend() == "100"
    bought = tab.card("Ready to Redeem", "Free Curly Fries")
    assert "Use by" in bought.inner_text()
    picture = bought.locator("img")
    assert picture.get_attribute("src").endswith("/offers/free-curly-fries.svg")  # the offer's own, from SessionM
    assert picture.evaluate("image => image.complete && image.naturalWidth > 0")
    tab.shoot("03-wallet")

    # Portuguese: the pages and SessionM's offer texts both follow, and the profile remembers it.
    # A signed-in customer's language switcher is in the footer (the phone header stays short).
    page.get_by_role("contentinfo").get_by_label("Language").select_option("pt-br")
    page.get_by_role("contentinfo").get_by_role("button", name="Change").click()
    assert urlsplit(page.url).path == "/wallet/"
    assert page.locator("html").get_attribute("lang") == "pt-br"
    assert tab.section("Loja de recompensas").is_visible()
    curly = tab.card("Prontas para resgatar", "Batata curly grátis")
    assert "Uma batata curly por nossa conta." in curly.inner_text()
    customer.refresh_from_db()
    assert customer.language == "pt-br"
    tab.shoot("04-wallet-pt-br")

    # Redeeming asks first, then shows the screen for the cashier.
    curly.get_by_role("link", name="Resgatar").click()
    assert tab.heading().inner_text() == "Resgatar agora?"
    page.get_by_role("button", name="Resgatar agora").click()
    assert tab.heading().inner_text() == "Mostre esta tela ao caixa"
    assert "Você resgatou Batata curly grátis." in tab.messages()
    page.get_by_role("link", name="Voltar para minha carteira").click()
    assert tab.card("Prontas para resgatar", "Batata curly grátis").count() == 0

    # The other pages, in Portuguese.
    page.get_by_role("link", name="Campanhas", exact=True).click()
    assert tab.heading().inner_text() == "Campanhas"
    tab.shoot("05-campaigns")
    page.get_by_role("link", name="Pontos", exact=True).click()
    assert tab.heading().inner_text() == "Seus pontos"
    assert re.search(r"\+500", page.locator("table").last.inner_text())
    tab.shoot("06-points")
    page.get_by_role("link", name="Atividade", exact=True).click()
    assert tab.heading().inner_text() == "Atividade"
    tab.shoot("07-activity")
    page.get_by_role("link", name="Perfil", exact=True).click()
    assert tab.heading().inner_text() == "Seu perfil"
    tab.shoot("08-profile")

    # Forget me: a confirmation page (no password asked: the account was made moments ago), then nothing is left.
    page.get_by_role("link", name="Esquecer-me", exact=True).click()
    tab.shoot("09-forget")
    assert page.get_by_label("Sua senha", exact=True).count() == 0
    page.get_by_role("button", name="Sim, esqueça-me").click()
    assert urlsplit(page.url).path == "/"
    assert "Sua conta e seus dados pessoais foram apagados." in tab.messages()
    customer.refresh_from_db()
    assert customer.status == CustomerStatus.FORGOTTEN
    assert tab.page.get_by_role("link", name="Entrar").first.is_visible()

    assert tab.problems == []


def test_login_errors_are_summarised_and_linked_to_fields(tab):
    page = tab.page
    tab.goto("/login/")
    tab.shoot("10-login")
    # The first Tab reaches the skip link: it comes into view, with a visible focus ring, and leads to <main>.
    page.keyboard.press("Tab")
    skip = page.get_by_role("link", name="Skip to main content")
    expect(skip).to_be_focused()
    expect(skip).to_be_in_viewport()
    assert skip.evaluate("e => getComputedStyle(e).outlineStyle") == "solid"
    assert skip.get_attribute("href") == "#main"
    page.get_by_role("button", name="Log in").first.click()
    summary = page.get_by_role("alert")
    assert "There is a problem" in summary.inner_text()
    email_error = summary.get_by_role("link", name="Email: This field is required.")
    assert email_error.get_attribute("href") == "#id_email"
    assert page.get_by_label("Email", exact=True).get_attribute("aria-invalid") == "true"
    email_error.click()
    assert page.url.endswith("#id_email")
    tab.shoot("11-login-errors")
    # An invalid form answers 400, which Chromium also logs: the only problems this walk expects.
    assert tab.problems == [
        f"HTTP 400: {tab.base_url}/login/",
        "console error: Failed to load resource: the server responded with a status of 400 (Bad Request)",
    ]
