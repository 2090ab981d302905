"""The web wallet a customer can live with, in Chromium with JavaScript off, against the live server and the
in-process sandbox: a forgotten password reset through the link in the sandbox's Braze message, a password
change ending another session, forget-me after a reset, actions posted with an expired session, point
history pages of exactly 40 and 41 entries, a five-digit balance on a phone in three languages, the outage
page's button contrast, and axe on every page at phone and desktop width. Screenshots of the pages this work
changed, in the four languages at both widths, land in test-artifacts/screenshots/."""

from decimal import Decimal
from urllib.parse import urlsplit

import pytest
from axe_playwright_python.sync_playwright import Axe
from django.contrib.auth.tokens import default_token_generator
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode
from playwright.sync_api import expect

from apps.accounts.models import Customer, CustomerStatus
from apps.loyalty.services import promo_code_claim
from apps.messaging.delivery import deliver_due
from apps.sandbox.faults import clear_faults, set_faults
from tests.customers import PASSWORD, earn_points, signup
from tests.till import ring_up

from .test_browser import DESKTOP, PHONE, Tab

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

NEW_PASSWORD = "Salted-Potato-Wedges-7"
LANGUAGES = ["en", "pt-br", "es", "fr"]
SIGN_IN_AGAIN = "Please sign in again — nothing was changed."


@pytest.fixture
def tabs(chromium, live_server, screenshots_dir):
    """tabs() opens a tab with its own cookies (a separate device), JavaScript off unless asked; every one is
    closed after the test."""
    opened = []

    def open_tab(*, javascript: bool = False) -> Tab:
        opened.append(Tab(chromium, live_server.url, screenshots_dir, javascript=javascript))
        return opened[-1]

    yield open_tab
    for tab in opened:
        tab.context.close()


def log_in(tab: Tab, email: str, password: str = PASSWORD) -> None:
    if urlsplit(tab.page.url).path != "/login/":
        tab.goto("/login/")
    tab.page.locator("#id_email").fill(email)
    tab.page.locator("#id_password").fill(password)
    tab.page.locator("main form button[type=submit]").click()


def expire_session(tab: Tab) -> None:
    """What an expired session looks like to the server: the browser no longer sends one."""
    tab.context.clear_cookies(name="sessionid")


def reset_link_from_the_sandbox(tab: Tab, customer) -> str:
    """Deliver the outbox, then read the link from the sandbox's list of what Braze would have sent."""
    deliver_due()
    tab.goto(f"/sandbox/customers/{customer.sessionm_user_id}/")
    link = tab.page.locator("dt", has_text="reset_url").first.locator("xpath=following-sibling::dd[1]")
    return link.inner_text().strip()


def ask_for_a_reset(tab: Tab, email: str) -> None:
    tab.goto("/login/")
    tab.page.get_by_role("link", name="Forgot password?").click()
    assert tab.heading().inner_text() == "Forgot your password?"
    tab.page.get_by_label("Email", exact=True).fill(email)
    tab.page.get_by_role("button", name="Send me a link").click()
    assert tab.heading().inner_text() == "Check your email"


def set_new_password(tab: Tab, link: str) -> None:
    tab.page.goto(link)
    assert tab.heading().inner_text() == "Set a new password"
    assert "set-password" in tab.page.url  # the token left the address bar
    tab.page.get_by_label("New password").fill(NEW_PASSWORD)
    tab.page.get_by_role("button", name="Save my new password").click()


# --- Accounts a customer can recover ----------------------------------------------------------------------------


def test_a_forgotten_password_is_reset_through_the_link_in_the_message(tabs):
    customer = signup()
    tab = tabs()

    ask_for_a_reset(tab, customer.user.email)
    link = reset_link_from_the_sandbox(tab, customer)
    assert link.startswith(f"{tab.base_url}/password-reset/")
    set_new_password(tab, link)

    assert urlsplit(tab.page.url).path == "/wallet/"
    assert "Your new password is set, and you are signed in." in tab.messages()
    # The link worked once.
    tab.page.goto(link)
    assert tab.heading().inner_text() == "This link has expired"
    problems = [p for p in tab.problems if "/password-reset/" not in p and "400" not in p]
    assert problems == []


def test_a_password_change_ends_the_other_session(tabs):
    customer = signup()
    phone, laptop = tabs(), tabs()
    for tab in (phone, laptop):
        log_in(tab, customer.user.email)
        assert urlsplit(tab.page.url).path == "/wallet/"

    laptop.goto("/profile/")
    laptop.page.get_by_role("link", name="Change password").click()
    laptop.page.get_by_label("Current password").fill(PASSWORD)
    laptop.page.get_by_label("New password").fill(NEW_PASSWORD)
    laptop.page.get_by_role("button", name="Change password").click()

    assert "You were signed out everywhere else." in laptop.messages()
    laptop.goto("/wallet/")  # this session goes on
    phone.page.goto("/wallet/")
    assert urlsplit(phone.page.url).path == "/login/"  # the other one is over
    log_in(phone, customer.user.email, NEW_PASSWORD)
    assert urlsplit(phone.page.url).path == "/wallet/"
    assert phone.problems == laptop.problems == []


def test_a_customer_who_lost_the_password_can_still_delete_the_account(tabs):
    customer = signup()
    tab = tabs()
    ask_for_a_reset(tab, customer.user.email)
    set_new_password(tab, reset_link_from_the_sandbox(tab, customer))

    tab.goto("/profile/")
    tab.page.get_by_role("link", name="Forget me").click()
    assert tab.page.locator("input[type=password]").count() == 0
    tab.page.get_by_role("button", name="Yes, forget me").click()

    assert urlsplit(tab.page.url).path == "/"
    customer.refresh_from_db()
    assert customer.status == CustomerStatus.FORGOTTEN


# --- Sessions that expire kindly ------------------------------------------------------------------------------


# Each: the page, its section, the card, how the card offers the action (role, name), the POST that meets the
# expired session (None: the card's own button; else the confirmation page's button), the anchor come back to.
def _redeemable(customer):
    promo_code_claim(customer=customer, code="TUESDAY20")
    # Redeeming asks first: the card's link opens the question, whose button posts.
    return "/wallet/", "Ready to Redeem", "20% off your order", ("link", "Redeem"), "Redeem now", "offer-"


def _affordable(customer):
    earn_points(customer, dollars=50)
    return "/wallet/", "Rewards Store", "Free Curly Fries", ("button", "Buy"), None, "reward-"


def _open_campaign(customer):
    return "/campaigns/", None, "Large Fries on us", ("button", "Opt in"), None, "campaign-"


@pytest.mark.parametrize("prepare", [_redeemable, _affordable, _open_campaign], ids=["redeem", "buy", "opt-in"])
def test_an_action_after_the_session_expired_comes_back_to_its_card_after_login(tabs, prepare):
    customer = signup()
    path, section, name, (role, action), confirm, anchor = prepare(customer)
    tab = tabs()
    log_in(tab, customer.user.email)
    tab.goto(path)
    card = tab.card(section, name) if section else tab.page.locator(".card").filter(has_text=name)
    if confirm:
        card.get_by_role(role, name=action).click()

    expire_session(tab)
    if confirm:
        tab.page.get_by_role("button", name=confirm).click()
    else:
        card.get_by_role(role, name=action).click()

    assert urlsplit(tab.page.url).path == "/login/"
    assert SIGN_IN_AGAIN in tab.messages()
    log_in(tab, customer.user.email)
    landed = urlsplit(tab.page.url)
    assert landed.path == path
    assert landed.fragment.startswith(anchor)
    expect(tab.page.locator(f"[id='{landed.fragment}']")).to_be_in_viewport()
    # Nothing happened while signed out: the card still offers the same action.
    again = tab.card(section, name) if section else tab.page.locator(".card").filter(has_text=name)
    expect(again.get_by_role(role, name=action)).to_be_visible()
    assert tab.problems == []  # no 405, no error of any kind


# --- Numbers that read right ------------------------------------------------------------------------------------


def _record(customer, points: int) -> None:
    """One point history entry of `points` (10 points per dollar)."""
    ring_up(customer, [("FF-PULLED-PORK", 1, str(Decimal(points) / 10))])


def test_point_history_pages_with_exactly_40_and_41_entries(tabs):
    customer = signup()  # the welcome bonus is the first entry
    for _ in range(39):
        _record(customer, 10)
    tab = tabs()
    log_in(tab, customer.user.email)

    def rows(path):
        tab.goto(path)
        return tab.page.locator("section", has_text="Point history").locator("tbody tr").count()

    assert rows("/points/") == 20
    assert rows("/points/?page=2") == 20
    assert tab.page.get_by_role("link", name="Next page").count() == 0
    tab.goto("/points/?page=3")
    assert "No points yet" not in tab.page.inner_text("main")
    tab.page.get_by_role("link", name="Back to your latest points").click()
    assert urlsplit(tab.page.url).path == "/points/"

    _record(customer, 10)  # 41
    assert rows("/points/?page=2") == 20
    tab.page.get_by_role("link", name="Next page").click()
    assert tab.page.locator("section", has_text="Point history").locator("tbody tr").count() == 1
    assert tab.problems == []


@pytest.mark.parametrize(("language", "shown"), [("pt-br", "10.475"), ("es", "10 475"), ("fr", "10 475")])
def test_a_five_digit_balance_is_never_cut_on_a_phone(tabs, language, shown):
    customer = signup(language=language)
    _record(customer, 10_375)  # + the 100 welcome points: 10,475
    tab = tabs()
    log_in(tab, customer.user.email)
    tab.goto("/points/")

    cells = tab.page.locator(".table-wrap td.number, .table-wrap th")
    table = tab.page.locator(".table-wrap").first.inner_text()
    assert shown in table.replace("\xa0", " ").replace("\u202f", " ")  # grouped the language's way, whole
    for index in range(cells.count()):
        cell = cells.nth(index)
        assert cell.evaluate("c => c.scrollWidth <= c.clientWidth"), cell.inner_text()
    for wrap in tab.page.locator(".table-wrap").all():
        assert wrap.evaluate("w => w.scrollWidth <= w.clientWidth")  # nothing hides off to the side
    tab.page.screenshot(path=tab.screenshots / f"points-10475-{language}-360.png", full_page=True)
    assert tab.problems == []


def _contrast(locator) -> float:
    return locator.evaluate(
        """button => {
            const rgb = (css) => css.match(/[\\d.]+/g).slice(0, 3).map(Number);
            const lum = (c) => { const [r, g, b] = c.map((v) => (v /= 255) <= 0.03928 ? v / 12.92
                : Math.pow((v + 0.055) / 1.055, 2.4)); return 0.2126 * r + 0.7152 * g + 0.0722 * b; };
            const style = getComputedStyle(button);
            const [a, b] = [lum(rgb(style.color)), lum(rgb(style.backgroundColor))];
            return (Math.max(a, b) + 0.05) / (Math.min(a, b) + 0.05);
        }"""
    )


def test_the_outage_pages_try_again_button_is_readable(tabs):
    customer = signup()
    tab = tabs()
    log_in(tab, customer.user.email)
    set_faults(upstreams=("sessionm-core", "sessionm-connect"), error_rate=1.0)
    try:
        for path in ("/wallet/", "/points/", "/activity/", "/campaigns/"):
            tab.page.goto(path)
            button = tab.page.get_by_role("link", name="Try again")
            ratio = _contrast(button)
            assert ratio >= 4.5, f"{path}: {ratio:.2f}:1"
            if path == "/wallet/":
                tab.shoot("outage-wallet")
    finally:
        clear_faults()


# --- Every page: axe at both widths, screenshots in four languages -----------------------------------------------

CUSTOMER_PAGES = [
    "/wallet/",
    "/campaigns/",
    "/points/",
    "/activity/",
    "/profile/",
    "/profile/password/",
    "/profile/forget/",
]
VISITOR_PAGES = ["/", "/login/", "/signup/", "/password-reset/", "/password-reset/sent/"]


def _axe_clean(tab: Tab, axe: Axe, where: str) -> list[str]:
    results = axe.run(tab.page)
    return [] if results.violations_count == 0 else [f"{where}: {results.generate_report()}"]


def test_every_page_passes_axe_at_both_widths_and_is_photographed_in_four_languages(tabs):
    customer = signup()
    earn_points(customer, dollars=50)
    promo_code_claim(customer=customer, code="TUESDAY20")
    axe = Axe()
    violations = []

    # axe runs as a script in the page (its checks wait on timers), so these tabs have JavaScript on; the pages
    # work without it too (every other test here runs with it off).
    visitor = tabs(javascript=True)
    uid = urlsafe_base64_encode(force_bytes(customer.user.pk))
    set_password = f"/password-reset/{uid}/{default_token_generator.make_token(customer.user)}/"
    for language in LANGUAGES:
        visitor.context.add_cookies([{"name": "django_language", "value": language, "url": visitor.base_url}])
        for path in [*VISITOR_PAGES, set_password]:
            visitor.goto(path)
            name = f"13-{language}-visitor-{path.strip('/').split('/')[0] or 'landing'}"
            if path == set_password:
                name += "-confirm"
            elif path.endswith("/sent/"):
                name += "-sent"
            for size in (PHONE, DESKTOP):
                visitor.page.set_viewport_size(size)
                if language == "en" or size is PHONE:
                    violations += _axe_clean(visitor, axe, f"{path} in {language} at {size['width']}px")
                visitor.page.screenshot(path=visitor.screenshots / f"{name}-{size['width']}.png", full_page=True)
            visitor.page.set_viewport_size(PHONE)

    tab = tabs(javascript=True)
    log_in(tab, customer.user.email)
    for language in LANGUAGES:
        Customer.objects.filter(pk=customer.pk).update(language=language)
        for path in CUSTOMER_PAGES:
            tab.goto(path)
            name = f"13-{language}-{path.strip('/').replace('/', '-') or 'home'}"
            for size in (PHONE, DESKTOP):
                tab.page.set_viewport_size(size)
                if language == "en" or size is PHONE:
                    violations += _axe_clean(tab, axe, f"{path} in {language} at {size['width']}px")
                tab.page.screenshot(path=tab.screenshots / f"{name}-{size['width']}.png", full_page=True)
            if size is PHONE:
                header = tab.page.locator("header").bounding_box()["height"]
                assert header <= 120, f"{path} in {language}: header {header}px"
        tab.page.set_viewport_size(PHONE)

    assert violations == []
    assert visitor.problems == tab.problems == []


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_menu_item_is_on_screen_on_a_phone(tabs, language):
    """Six menu items in the longest language at 360 px: all visible at once, none scrolled off to the side,
    each at least 44 px tall to tap."""
    customer = signup(language=language)
    tab = tabs()
    log_in(tab, customer.user.email)
    tab.goto("/points/")

    menu = tab.page.locator("nav.site-nav")
    assert menu.locator("ul").evaluate("ul => ul.scrollWidth <= ul.clientWidth")
    links = menu.get_by_role("link")
    assert links.count() == 6
    for index in range(6):
        box = links.nth(index).bounding_box()
        assert box["x"] >= 0 and box["x"] + box["width"] <= PHONE["width"], links.nth(index).inner_text()
        assert box["height"] >= 44, links.nth(index).inner_text()
    tab.page.screenshot(path=tab.screenshots / f"menu-{language}-360.png")
    assert tab.problems == []
