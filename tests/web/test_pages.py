"""The web wallet's pages through Django's test client, against the in-process sandbox: every page, auth
redirects, CSRF, login throttling, errors in plain words, each customer seeing only their own data, and every
page in each language."""

import html
import re
import threading
from urllib.parse import unquote

import pytest
from django.contrib.auth import get_user_model
from django.test import Client
from django.urls import reverse

from apps.accounts.models import Customer, CustomerStatus
from apps.api.throttles import throttle_rate
from apps.core.errors import LoyaltyTimeout, LoyaltyUnavailable, OfferNotRedeemable
from apps.loyalty.selectors import rewards_store_get, wallet_get
from apps.sandbox import demo
from apps.sandbox.faults import clear_faults, set_faults
from apps.sessionm import get_sessionm_client
from apps.sessionm.errors import SessionMBadResponse
from apps.web.templatetags.web_format import image_src

from .conftest import PASSWORD, earn_points, signup

# Transactional: a page's SessionM reads run in worker threads, whose database connections must see the
# customer this test signed up (committed, not inside the test's own transaction).
pytestmark = pytest.mark.django_db(transaction=True)

CUSTOMER_PAGES = ["wallet", "campaigns", "points", "activity", "profile", "forget"]
VISITOR_PAGES = ["landing", "signup", "login"]


def text(response) -> str:
    return html.unescape(response.content.decode())


def shown_messages(response) -> list[str]:
    return [str(message) for message in response.context["messages"]]


def reward_id(customer, name: str) -> str:
    page = rewards_store_get(customer=customer, page=1, page_size=50)
    return next(item.id for item in page.results if item.name == name)


def wallet_ids(customer) -> list[str]:
    return [item.id for item in wallet_get(customer=customer, page=1, page_size=50).results]


def buy_curly_fries(client, customer) -> str:
    """Earn enough, buy Free Curly Fries through the page, and return the new wallet item's id."""
    earn_points(customer, dollars=50)
    client.post(reverse("web:reward-buy", args=[reward_id(customer, "Free Curly Fries")]))
    (user_offer_id,) = wallet_ids(customer)
    return user_offer_id


@pytest.fixture
def sessionm_down():
    set_faults(upstreams=["sessionm-core", "sessionm-connect", "sessionm-pos"], error_rate=1.0)
    yield
    clear_faults()


# --- Visitors, auth and redirects ----------------------------------------------------------------------------


@pytest.mark.parametrize("name", VISITOR_PAGES)
def test_visitor_pages_render(client, name):
    response = client.get(reverse(f"web:{name}"))

    assert response.status_code == 200
    assert 'class="skip-link" href="#main"' in text(response)
    assert '<main id="main"' in text(response)


def test_landing_sends_a_customer_to_the_wallet(customer_client):
    response = customer_client.get(reverse("web:landing"))

    assert response.status_code == 302
    assert response["Location"] == reverse("web:wallet")


@pytest.mark.parametrize("name", CUSTOMER_PAGES)
def test_customer_pages_need_a_login(client, name):
    path = reverse(f"web:{name}")

    response = client.get(path)

    assert response.status_code == 302
    assert response["Location"] == f"{reverse('web:login')}?next={path}"


@pytest.mark.parametrize(
    ("name", "args"),
    [
        ("reward-buy", ["rso-1"]),
        ("offer-redeem", ["uo-1"]),
        ("campaign-opt-in", ["c-1"]),
        ("promo-code", []),
        ("forget", []),
    ],
)
def test_actions_need_a_login(client, name, args):
    response = client.post(reverse(f"web:{name}", args=args))

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("web:login"))


def test_a_staff_user_without_a_wallet_is_refused(client, admin_user):
    client.force_login(admin_user)

    assert client.get(reverse("web:wallet")).status_code == 403


def test_signup_creates_the_customer_logs_in_and_shows_the_welcome_points(client):
    response = client.post(
        reverse("web:signup"),
        {
            "first_name": "Amanda",
            "last_name": "Souza",
            "email": "Amanda@Example.com",
            "password": PASSWORD,
            "birth_date": "1994-03-12",
            "language": "pt-br",
            "marketing_opt_in": "on",
        },
        follow=True,
    )

    assert response.redirect_chain == [(reverse("web:wallet"), 302)]
    customer = Customer.objects.get(user__email="amanda@example.com")
    assert customer.status == CustomerStatus.ACTIVE
    assert (customer.language, customer.marketing_opt_in, str(customer.birth_date)) == ("pt-br", True, "1994-03-12")
    assert shown_messages(response) == ["Boas-vindas à Fancy Fries, Amanda! Sua carteira está pronta."]
    assert re.search(r"<dt>Pontos para usar</dt>\s*<dd>100</dd>", text(response))


def test_signup_offers_the_browser_language(client):
    response = client.get(reverse("web:signup"), HTTP_ACCEPT_LANGUAGE="es-ES,es;q=0.9")

    assert '<option value="es" lang="es" selected>' in response.content.decode()


def test_signup_errors_are_summarised_and_linked_to_their_fields(client):
    response = client.post(reverse("web:signup"), {"email": "not-an-email", "language": "en"})

    assert response.status_code == 400
    page = text(response)
    assert "There is a problem" in page
    assert '<a href="#id_first_name">First name: This field is required.</a>' in page
    assert '<a href="#id_email">Email: Enter a valid email address.</a>' in page
    assert 'aria-describedby="id_email-error"' in page and 'aria-invalid="true"' in page
    assert Customer.objects.count() == 0


def test_signup_shows_the_service_rules_on_their_fields(client):
    response = client.post(
        reverse("web:signup"),
        {
            "first_name": "Amanda",
            "email": "young@example.com",
            "password": "password",
            "language": "en",
            "birth_date": "2020-01-01",
        },
    )

    assert response.status_code == 400
    page = text(response)
    assert re.search(r'<a href="#id_password">Password: [^<]*common[^<]*</a>', page)
    assert '<a href="#id_birth_date">Date of birth: You must be at least 13 years old.</a>' in page
    assert Customer.objects.count() == 0


def test_signup_with_a_taken_email_says_to_log_in(client, customer):
    response = client.post(
        reverse("web:signup"),
        {"first_name": "Other", "email": customer.user.email, "password": PASSWORD, "language": "en"},
    )

    assert response.status_code == 409
    assert '<a href="#id_email">Email: An account with this email already exists. Log in instead.</a>' in text(response)


def test_signup_while_sessionm_is_down_explains_and_keeps_the_visitor_out(client, sessionm_down):
    response = client.post(
        reverse("web:signup"),
        {"first_name": "Amanda", "email": "later@example.com", "password": PASSWORD, "language": "en"},
    )

    assert response.status_code == 503
    assert "The loyalty service is unavailable right now. Please try again in a moment." in text(response)
    assert "_auth_user_id" not in client.session


def test_login_goes_to_the_wallet_or_to_next(client, customer):
    response = client.post(reverse("web:login"), {"email": customer.user.email.upper(), "password": PASSWORD})
    assert response["Location"] == reverse("web:wallet")

    client.logout()
    response = client.post(
        f"{reverse('web:login')}?next={reverse('web:campaigns')}",
        {"email": customer.user.email, "password": PASSWORD, "next": reverse("web:campaigns")},
    )
    assert response["Location"] == reverse("web:campaigns")


def test_login_never_redirects_off_site(client, customer):
    response = client.post(
        reverse("web:login"),
        {"email": customer.user.email, "password": PASSWORD, "next": "https://evil.example/"},
    )

    assert response["Location"] == reverse("web:wallet")


def test_login_with_a_wrong_password_says_so_without_naming_the_field(client, customer):
    response = client.post(reverse("web:login"), {"email": customer.user.email, "password": "not-it"})

    assert response.status_code == 400
    assert "That email and password don't match an account." in text(response)
    assert "_auth_user_id" not in client.session


def test_login_is_throttled_per_ip_at_the_api_rate(client, customer, settings):
    # Per address here; the per-account lock-out (failures, any address) has its own test below.
    rest = settings.REST_FRAMEWORK
    settings.REST_FRAMEWORK = {
        **rest,
        "DEFAULT_THROTTLE_RATES": {**rest["DEFAULT_THROTTLE_RATES"], "login_account": "100/hour"},
    }
    attempts = throttle_rate("login").limit
    for _ in range(attempts):
        assert client.post(reverse("web:login"), {"email": customer.user.email, "password": "guess"}).status_code == 400

    response = client.post(reverse("web:login"), {"email": customer.user.email, "password": PASSWORD})

    assert response.status_code == 429
    assert int(response["Retry-After"]) > 0
    assert "Too many attempts. Please wait" in text(response)
    assert "_auth_user_id" not in client.session
    other_ip = client.post(
        reverse("web:login"), {"email": customer.user.email, "password": PASSWORD}, REMOTE_ADDR="192.0.2.7"
    )
    assert other_ip.status_code == 302


def test_failed_web_logins_lock_the_account_out_from_any_address(client, customer):
    attempts = throttle_rate("login_account").limit
    for n in range(attempts):
        response = client.post(
            reverse("web:login"), {"email": customer.user.email, "password": "guess"}, REMOTE_ADDR=f"192.0.2.{n}"
        )
        assert response.status_code == 400

    response = client.post(
        reverse("web:login"), {"email": customer.user.email, "password": PASSWORD}, REMOTE_ADDR="198.51.100.7"
    )
    assert response.status_code == 429
    assert "_auth_user_id" not in client.session


def test_signup_is_throttled_per_ip_at_the_api_rate(client):
    attempts = throttle_rate("signup").limit
    for _ in range(attempts):
        assert client.post(reverse("web:signup"), {"email": "bad"}).status_code == 400

    response = client.post(
        reverse("web:signup"),
        {"first_name": "Amanda", "email": "a@example.com", "password": PASSWORD, "language": "en"},
    )

    assert response.status_code == 429
    assert "Too many attempts. Please wait" in text(response)
    assert Customer.objects.count() == 0


def test_customer_pages_are_never_cached(customer_client):
    for name in CUSTOMER_PAGES:
        assert "no-store" in customer_client.get(reverse(f"web:{name}"))["Cache-Control"], name


def test_logout_is_a_post(customer_client):
    assert customer_client.get(reverse("web:logout")).status_code == 405

    response = customer_client.post(reverse("web:logout"), follow=True)

    assert response.redirect_chain == [(reverse("web:login"), 302)]
    assert shown_messages(response) == ["You have logged out. See you soon!"]
    assert customer_client.get(reverse("web:wallet")).status_code == 302


# --- CSRF ------------------------------------------------------------------------------------------------------


def test_every_form_carries_a_csrf_token(customer_client):
    for name in CUSTOMER_PAGES:
        page = customer_client.get(reverse(f"web:{name}")).content.decode()
        forms = page.count("<form")
        assert forms and page.count('name="csrfmiddlewaretoken"') == forms, name


def test_posts_without_the_csrf_token_are_refused(customer):
    browser = Client(enforce_csrf_checks=True)
    browser.force_login(customer.user)
    buy = reverse("web:reward-buy", args=[reward_id(customer, "Free Curly Fries")])

    assert browser.post(buy).status_code == 403
    assert Client(enforce_csrf_checks=True).post(reverse("web:login"), {}).status_code == 403

    browser.get(reverse("web:wallet"))
    token = browser.cookies["csrftoken"].value
    assert browser.post(buy, {"csrfmiddlewaretoken": token}).status_code == 302


# --- Wallet ----------------------------------------------------------------------------------------------------


def test_wallet_shows_points_tier_ready_to_redeem_and_the_rewards_store(customer_client, customer):
    page = text(customer_client.get(reverse("web:wallet")))

    assert re.search(r"<dt>Points to spend</dt>\s*<dd>100</dd>", page)
    assert "Bronze" in page and "1,500 tier points to Silver" in page
    assert "No offers yet." in page
    for name, price in [("Free Curly Fries", "500"), ("$5 off", "700"), ("Snack Box", "1,200")]:
        assert name in page and f"{price} points" in page
    assert "Not enough points yet" in page and "You can afford it" not in page


def test_buying_without_enough_points_says_so(customer_client, customer):
    reward = reward_id(customer, "Free Curly Fries")
    response = customer_client.post(reverse("web:reward-buy", args=[reward]), follow=True)

    # Back on the wallet, at the card acted on.
    assert response.redirect_chain == [(f"{reverse('web:wallet')}#reward-{reward}", 302)]
    assert shown_messages(response) == ["You don't have enough points for this reward yet."]
    assert wallet_ids(customer) == []


def test_buy_then_redeem(customer_client, customer):
    earn_points(customer, dollars=50)
    page = text(customer_client.get(reverse("web:wallet")))
    assert re.search(r"<dd>600</dd>", page) and "You can afford it" in page

    response = customer_client.post(
        reverse("web:reward-buy", args=[reward_id(customer, "Free Curly Fries")]), follow=True
    )
    assert shown_messages(response) == ["Free Curly Fries is in your wallet, ready to redeem. Enjoy!"]
    (user_offer_id,) = wallet_ids(customer)
    page = text(response)
    assert reverse("web:offer-redeem", args=[user_offer_id]) in page
    assert re.search(r'Use by <time datetime="\d{4}-\d\d-\d\dT[^"]+">\w+\.? \d+, \d{4}</time>', page)

    response = customer_client.post(reverse("web:offer-redeem", args=[user_offer_id]), follow=True)
    assert shown_messages(response) == ["You redeemed Free Curly Fries. Enjoy!"]
    assert wallet_ids(customer) == []

    again = customer_client.post(reverse("web:offer-redeem", args=[user_offer_id]), follow=True)
    assert shown_messages(again) == ["This offer can't be redeemed: it was already used or it has expired."]


def test_an_offer_that_cannot_be_redeemed_says_why(customer_client, monkeypatch):
    def refuse(**kwargs):
        raise OfferNotRedeemable()

    monkeypatch.setattr("apps.web.views.wallet.offer_redeem", refuse)

    response = customer_client.post(reverse("web:offer-redeem", args=["uo-1"]), follow=True)

    assert shown_messages(response) == ["This offer can't be redeemed: it was already used or it has expired."]


def test_an_unknown_reward_says_so(customer_client):
    response = customer_client.post(reverse("web:reward-buy", args=["no-such-reward"]), follow=True)

    assert shown_messages(response) == ["This reward is no longer in the Rewards Store."]


def test_a_promo_code_puts_its_offer_in_the_wallet_once(customer_client, customer):
    response = customer_client.post(reverse("web:promo-code"), {"code": "tuesday20"}, follow=True)

    assert shown_messages(response) == ["Code accepted: its offer is in your wallet, ready to redeem."]
    assert "20% off your order" in text(response)
    assert len(wallet_ids(customer)) == 1

    again = customer_client.post(reverse("web:promo-code"), {"code": "TUESDAY20"}, follow=True)
    assert shown_messages(again) == ["You have already claimed this promo code."]
    assert len(wallet_ids(customer)) == 1


@pytest.mark.parametrize(
    ("code", "words"),
    [
        ("NOPE42", "This promo code is not valid."),
        ("no spaces!", "This promo code is not valid."),
        ("", "Enter a promo code."),
    ],
)
def test_a_bad_promo_code_says_so(customer_client, customer, code, words):
    response = customer_client.post(reverse("web:promo-code"), {"code": code}, follow=True)

    assert shown_messages(response) == [words]
    assert wallet_ids(customer) == []


@pytest.mark.parametrize(
    ("url", "shown"),
    [
        ("https://cdn.example/offer.png", "https://cdn.example/offer.png"),
        ("/static/sandbox/media/offers/free-curly-fries.svg", "/static/sandbox/media/offers/free-curly-fries.svg"),
        ("//elsewhere.example/offer.png", "/static/web/img/offer.svg"),
        ("http://cdn.example/offer.png", "/static/web/img/offer.svg"),
        ("javascript:alert(1)", "/static/web/img/offer.svg"),
        (None, "/static/web/img/offer.svg"),
    ],
)
def test_offer_pictures_are_https_or_ours(url, shown):
    assert image_src(url, "/static/web/img/offer.svg") == shown


def test_ids_that_are_not_sessionm_ids_never_reach_a_view(customer_client):
    assert customer_client.post("/wallet/offers/..%2F..%2Fusers/redeem/").status_code == 404


def test_wallet_pages_through_long_lists(customer_client, customer, monkeypatch):
    monkeypatch.setattr("apps.web.selectors.WALLET_PAGE_SIZE", 3)

    first = text(customer_client.get(reverse("web:wallet")))
    second = text(customer_client.get(reverse("web:wallet"), {"rewards_page": 2}))

    assert "Free Curly Fries" in first and "Snack Box" not in first
    assert 'href="?rewards_page=2"' in first
    assert "Snack Box" in second and "Free Curly Fries" not in second
    assert re.search(r'href="/wallet/">Previous page<', second)


# --- Loyalty platform failures ----------------------------------------------------------------------------------


def test_pages_explain_when_sessionm_is_down_and_never_fail_with_500(customer_client, sessionm_down):
    for name in ["wallet", "campaigns", "points", "activity"]:
        response = customer_client.get(reverse(f"web:{name}"))
        assert response.status_code == 503, name
        assert response["Retry-After"] == "5"
        page = text(response)
        assert "The loyalty service is unavailable right now. Please try again in a moment." in page
        assert "Try again" in page


def test_actions_explain_when_sessionm_is_down(customer_client, sessionm_down):
    for name, args in [("reward-buy", ["rso-1"]), ("offer-redeem", ["uo-1"]), ("campaign-opt-in", ["c-1"])]:
        response = customer_client.post(reverse(f"web:{name}", args=args))
        assert response.status_code == 302, name
        # The page it leads back to can't load its data either: the message and the reason are both there.
        page = customer_client.get(response["Location"])
        assert page.status_code == 503, name
        assert shown_messages(page) == ["The loyalty service is unavailable right now. Please try again in a moment."]


@pytest.mark.parametrize(
    ("error", "status", "words"),
    [
        (LoyaltyTimeout(), 504, "The loyalty service took too long to answer. Please try again."),
        (LoyaltyUnavailable(), 503, "The loyalty service is unavailable right now."),
        # A vendor error a selector did not translate is still a page, not a 500.
        (SessionMBadResponse("not json"), 502, "The loyalty service is having trouble. Please try again later."),
    ],
)
def test_each_upstream_failure_has_its_status_and_words(customer_client, monkeypatch, error, status, words):
    def fail(**kwargs):
        raise error

    monkeypatch.setattr("apps.web.views.wallet.wallet_page_get", fail)

    response = customer_client.get(reverse("web:wallet"))

    assert response.status_code == status
    assert words in text(response)


def test_the_wallet_reads_run_at_once(customer_client, monkeypatch):
    import apps.web.selectors as web_selectors

    # Each read waits for the other two: read one after another, the first would wait for ever (then fail).
    all_three = threading.Barrier(3, timeout=5)

    def meeting(read):
        def wait_then_read(**kwargs):
            all_three.wait()
            return read(**kwargs)

        return wait_then_read

    for name in ["points_get", "wallet_get", "rewards_store_get"]:
        monkeypatch.setattr(web_selectors, name, meeting(getattr(web_selectors, name)))

    response = customer_client.get(reverse("web:wallet"))

    assert response.status_code == 200
    assert "Free Curly Fries" in text(response)


@pytest.mark.parametrize(
    ("failing", "words"),
    [
        ("rewards_store_get", "We can't show the Rewards Store right now."),
        ("wallet_get", "We can't show your offers right now."),
    ],
)
def test_the_wallet_shows_what_it_can_when_one_section_fails(customer_client, monkeypatch, failing, words):
    def down(**kwargs):
        raise LoyaltyUnavailable()

    monkeypatch.setattr(f"apps.web.selectors.{failing}", down)

    response = customer_client.get(reverse("web:wallet"))

    assert response.status_code == 200
    page = text(response)
    assert words in page
    assert re.search(r"<dt>Points to spend</dt>\s*<dd>100</dd>", page)


def test_the_wallet_needs_the_points(customer_client, monkeypatch):
    def slow(**kwargs):
        raise LoyaltyTimeout()

    monkeypatch.setattr("apps.web.selectors.points_get", slow)

    response = customer_client.get(reverse("web:wallet"))

    assert response.status_code == 504
    assert "The loyalty service took too long to answer. Please try again." in text(response)


# --- Campaigns, points, activity --------------------------------------------------------------------------------


def test_campaigns_show_progress_and_opt_in(customer_client):
    page = text(customer_client.get(reverse("web:campaigns")))
    assert "Large Fries on us" in page and "Mobile Tuesdays" in page
    assert "Automatic: no need to opt in" in page  # Snack Box Saturday
    assert '<progress class="progress" max="100" value="0"' in page
    opt_ins = dict(
        (name, action)
        for action, name in re.findall(r'action="(/campaigns/[^"]+/opt-in/)".*?visually-hidden"> ([^<]+)<', page, re.S)
    )
    assert sorted(opt_ins) == ["Large Fries on us", "Mobile Tuesdays: 20% off"]

    response = customer_client.post(opt_ins["Large Fries on us"], follow=True)

    assert shown_messages(response) == [
        "You're in! Your progress shows on the campaign's card; the reward goes to your wallet once earned."
    ]
    assert "You're in" in text(response)

    # Opting in to Mobile Tuesdays is itself rewarded: the card says Completed, and so does the message.
    response = customer_client.post(opt_ins["Mobile Tuesdays: 20% off"], follow=True)

    assert shown_messages(response) == [
        "You're in, and you've already earned the reward: it's in your wallet, ready to redeem."
    ]
    assert "Completed" in text(response)


def test_the_same_offer_from_opting_in_and_from_a_promo_code_reads_differently(customer_client):
    page = text(customer_client.get(reverse("web:campaigns")))
    opt_in = re.search(r'action="(/campaigns/[^"]+/opt-in/)"[^$]*?Mobile Tuesdays', page, re.S).group(1)
    customer_client.post(opt_in)
    customer_client.post(reverse("web:promo-code"), {"code": "TUESDAY20"})

    wallet = text(customer_client.get(reverse("web:wallet")))

    assert wallet.count('class="card__title">20% off your order<') == 2
    assert wallet.count("From a promo code") == 1
    assert wallet.count("Received <time") == 2


def test_opting_in_to_an_unknown_campaign_says_so(customer_client):
    response = customer_client.post(reverse("web:campaign-opt-in", args=["no-such-campaign"]), follow=True)

    assert shown_messages(response) == ["This campaign is not open to you any more."]


def test_points_page_shows_balances_and_pages_through_the_history(customer_client, customer, monkeypatch):
    earn_points(customer, dollars=20)
    monkeypatch.setattr("apps.web.selectors.HISTORY_PAGE_SIZE", 1)

    first = text(customer_client.get(reverse("web:points")))
    second = text(customer_client.get(reverse("web:points"), {"page": 2}))

    assert "Fries Points" in first and re.search(r"<dd>300</dd>", first)
    assert "+200" in first and "Welcome bonus" not in first and 'href="?page=2"' in first
    assert "+100" in second and "Welcome bonus" in second


def test_activity_pages_with_a_cursor_and_recovers_from_a_bad_one(customer_client, customer, monkeypatch):
    earn_points(customer, dollars=10)
    earn_points(customer, dollars=20)
    monkeypatch.setattr("apps.web.views.history.HISTORY_PAGE_SIZE", 2)

    first = customer_client.get(reverse("web:activity"))
    older = re.search(r'href="\?cursor=([^"]+)"', first.content.decode())
    assert older, "a full page links to older activity"
    second = customer_client.get(reverse("web:activity"), {"cursor": unquote(html.unescape(older.group(1)))})

    assert second.status_code == 200
    assert "Newest activity" in text(second)
    assert set(re.findall(r"<strong>(.*?)</strong>", text(first))).isdisjoint(
        re.findall(r"<strong>(.*?)</strong>", text(second))
    )

    forged = customer_client.get(reverse("web:activity"), {"cursor": "forged"}, follow=True)
    assert forged.redirect_chain == [(reverse("web:activity"), 302)]
    assert shown_messages(forged) == ["That page of your activity is not available, so here is the newest."]


# --- Profile, language and forgetting -------------------------------------------------------------------------


def test_profile_edit_saves_changes(customer_client, customer):
    response = customer_client.post(
        reverse("web:profile"),
        {"first_name": "Mandy", "last_name": "Souza", "email": customer.user.email, "language": "fr"},
        follow=True,
    )

    customer.refresh_from_db()
    assert (customer.first_name, customer.language, customer.marketing_opt_in) == ("Mandy", "fr", False)
    # The new language applies at once, to the message too.
    assert shown_messages(response) == ["Votre profil est enregistré."]


def test_profile_without_changes_writes_nothing(customer_client, customer, monkeypatch):
    monkeypatch.setattr("apps.web.views.profile.customer_update", pytest.fail)
    data = {"first_name": "Amanda", "last_name": "Souza", "email": customer.user.email, "language": "en"}

    response = customer_client.post(reverse("web:profile"), data, follow=True)

    assert shown_messages(response) == ["Nothing to save: your profile is unchanged."]


def test_profile_email_taken_is_shown_on_the_field(customer_client, customer, other_customer):
    response = customer_client.post(
        reverse("web:profile"),
        {"first_name": "Amanda", "email": other_customer.user.email, "language": "en"},
    )

    assert response.status_code == 409
    assert '<a href="#id_email">Email: An account with this email already exists. Log in instead.</a>' in text(response)
    customer.refresh_from_db()
    assert customer.user.email != other_customer.user.email


def test_profile_while_sessionm_is_down_changes_nothing(customer_client, customer, sessionm_down):
    response = customer_client.post(
        reverse("web:profile"), {"first_name": "Mandy", "email": customer.user.email, "language": "en"}
    )

    assert response.status_code == 503
    assert "The loyalty service is unavailable right now." in text(response)
    customer.refresh_from_db()
    assert customer.first_name == "Amanda"


def test_the_switcher_saves_a_customers_language_to_the_profile(customer_client, customer):
    response = customer_client.post(reverse("web:language"), {"language": "es", "next": reverse("web:campaigns")})

    assert response["Location"] == reverse("web:campaigns")
    customer.refresh_from_db()
    assert customer.language == "es"
    page = text(customer_client.get(reverse("web:campaigns")))
    assert '<html lang="es"' in page and "Campañas" in page


def test_the_switcher_never_redirects_off_site(customer_client):
    response = customer_client.post(reverse("web:language"), {"language": "fr", "next": "https://evil.example/"})

    assert response["Location"] == "/"


def test_the_switcher_keeps_the_language_when_sessionm_is_down(customer_client, customer, monkeypatch):
    def down(**kwargs):
        raise LoyaltyUnavailable()

    monkeypatch.setattr("apps.web.views.profile.customer_update", down)

    response = customer_client.post(
        reverse("web:language"), {"language": "fr", "next": reverse("web:points")}, follow=True
    )

    assert response.redirect_chain[0] == (reverse("web:points"), 302)
    assert shown_messages(response) == ["The loyalty service is unavailable right now. Please try again in a moment."]
    customer.refresh_from_db()
    assert customer.language == "en"
    assert '<html lang="en"' in text(response)


def test_visitors_switch_through_django_set_language(client):
    page = client.get(reverse("web:landing")).content.decode()
    assert f'action="{reverse("set_language")}"' in page

    client.post(reverse("set_language"), {"language": "fr", "next": "/"})

    assert "Des récompenses qui ont du goût" in text(client.get(reverse("web:landing")))


def test_the_profile_language_beats_the_cookie_and_the_browser(customer):
    browser = Client(HTTP_ACCEPT_LANGUAGE="fr")
    browser.cookies["django_language"] = "es"
    browser.force_login(customer.user)
    Customer.objects.filter(pk=customer.pk).update(language="pt-br")

    response = browser.get(reverse("web:wallet"))

    assert response["Content-Language"] == "pt-br"
    assert "Prontas para resgatar" in text(response)


def test_forget_me_asks_for_the_password_then_forgets_everywhere(customer_client, customer):
    confirm = text(customer_client.get(reverse("web:forget")))
    assert "Are you sure you want us to forget you?" in confirm

    wrong = customer_client.post(reverse("web:forget"), {"password": "nope"})
    assert wrong.status_code == 400
    assert '<a href="#id_password">Your password: That is not your password.</a>' in text(wrong)
    customer.refresh_from_db()
    assert customer.status == CustomerStatus.ACTIVE

    response = customer_client.post(reverse("web:forget"), {"password": PASSWORD}, follow=True)

    assert response.redirect_chain == [(reverse("web:landing"), 302)]
    assert shown_messages(response) == ["Your account and your personal data have been deleted. Goodbye!"]
    customer.refresh_from_db()
    assert customer.status == CustomerStatus.FORGOTTEN
    assert customer_client.get(reverse("web:wallet")).status_code == 302


def test_forget_me_while_sessionm_is_down_keeps_the_customer(customer_client, customer, sessionm_down):
    response = customer_client.post(reverse("web:forget"), {"password": PASSWORD})

    assert response.status_code == 503
    assert "The loyalty service is unavailable right now." in text(response)
    customer.refresh_from_db()
    assert customer.status == CustomerStatus.ACTIVE


# --- Own data only -----------------------------------------------------------------------------------------------


def test_a_customer_only_sees_and_changes_their_own_wallet(customer, other_customer):
    amanda, bruno = Client(), Client()
    amanda.force_login(customer.user)
    bruno.force_login(other_customer.user)
    amandas_offer = buy_curly_fries(amanda, customer)

    brunos_page = text(bruno.get(reverse("web:wallet")))
    assert amandas_offer not in brunos_page and "Amanda" not in brunos_page and "Bruno" in brunos_page
    assert re.search(r"<dd>100</dd>", brunos_page)

    response = bruno.post(reverse("web:offer-redeem", args=[amandas_offer]), follow=True)

    assert shown_messages(response) == ["This offer is not in your wallet."]
    assert wallet_ids(customer) == [amandas_offer]
    assert amandas_offer in text(amanda.get(reverse("web:wallet")))


def test_profile_pages_show_only_the_logged_in_customer(customer, other_customer):
    bruno = Client()
    bruno.force_login(other_customer.user)

    page = text(bruno.get(reverse("web:profile")))

    assert other_customer.user.email in page and customer.user.email not in page


def test_names_are_escaped(client):
    customer = signup(first_name="<script>alert(1)</script>")
    client.force_login(customer.user)

    page = client.get(reverse("web:wallet")).content.decode()

    assert "<script>alert(1)</script>" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page


# --- Every page in each language --------------------------------------------------------------------------------

TITLES = {
    "en": {
        "wallet": "Your wallet",
        "campaigns": "Campaigns",
        "points": "Your points",
        "activity": "Activity",
        "profile": "Your profile",
        "forget": "Forget me",
        "landing": "Rewards that taste better",
        "signup": "Join Fancy Fries rewards",
        "login": "Log in",
    },
    "pt-br": {
        "wallet": "Sua carteira",
        "campaigns": "Campanhas",
        "points": "Seus pontos",
        "activity": "Atividade",
        "profile": "Seu perfil",
        "forget": "Esquecer-me",
        "landing": "Recompensas com mais sabor",
        "signup": "Participe das recompensas Fancy Fries",
        "login": "Entrar",
    },
    "es": {
        "wallet": "Tu cartera",
        "campaigns": "Campañas",
        "points": "Tus puntos",
        "activity": "Actividad",
        "profile": "Tu perfil",
        "forget": "Olvidarme",
        "landing": "Recompensas con más sabor",
        "signup": "Únete a las recompensas Fancy Fries",
        "login": "Iniciar sesión",
    },
    "fr": {
        "wallet": "Votre portefeuille",
        "campaigns": "Campagnes",
        "points": "Vos points",
        "activity": "Activité",
        "profile": "Votre profil",
        "forget": "M'oublier",
        "landing": "Des récompenses qui ont du goût",
        "signup": "Rejoignez les récompenses Fancy Fries",
        "login": "Se connecter",
    },
}
SKIP_LINK = {
    "en": "Skip to main content",
    "pt-br": "Pular para o conteúdo principal",
    "es": "Saltar al contenido principal",
    "fr": "Aller au contenu principal",
}


@pytest.mark.parametrize("language", TITLES)
def test_every_customer_page_in_each_language(language):
    customer = signup(language=language)
    browser = Client()
    browser.force_login(customer.user)

    for name in CUSTOMER_PAGES:
        response = browser.get(reverse(f"web:{name}"))
        page = text(response)
        assert response.status_code == 200, name
        assert f'<html lang="{language}"' in page, name
        assert f"<title>{TITLES[language][name]} · Fancy Fries</title>" in page, name
        assert SKIP_LINK[language] in page, name


@pytest.mark.parametrize("language", TITLES)
def test_every_visitor_page_in_each_language(client, language):
    for name in VISITOR_PAGES:
        response = client.get(reverse(f"web:{name}"), HTTP_ACCEPT_LANGUAGE=language)
        page = text(response)
        assert f'<html lang="{language}"' in page, name
        assert f"<title>{TITLES[language][name]} · Fancy Fries</title>" in page, name


@pytest.mark.parametrize(
    ("language", "store", "curly", "points"),
    [
        ("en", "Rewards Store", "Free Curly Fries", "1,200 points"),
        ("pt-br", "Loja de recompensas", "Batata curly grátis", "1.200 pontos"),
        ("es", "Tienda de recompensas", "Patatas rizadas gratis", "1\xa0200 puntos"),
        ("fr", "Boutique de récompenses", "Frites bouclées offertes", "1\xa0200 points"),
    ],
)
def test_offer_texts_and_numbers_follow_the_language(language, store, curly, points):
    customer = signup(language=language)
    browser = Client()
    browser.force_login(customer.user)

    page = text(browser.get(reverse("web:wallet")))

    assert store in page and curly in page and points in page


def test_a_user_without_a_wallet_keeps_the_browser_language(client):
    staff = get_user_model().objects.create_user("staff@example.com", password=PASSWORD, is_staff=True)
    client.force_login(staff)

    response = client.get(reverse("web:landing"), HTTP_ACCEPT_LANGUAGE="fr")

    assert response.status_code == 200
    assert '<html lang="fr"' in text(response)


# --- SessionM's words in the customer's language ---------------------------------------------------------------

SESSIONM_ENGLISH = ["Welcome bonus", "Purchase of", "Fries Points", "Rewards Store:", "points spent", "Silver"]


@pytest.mark.parametrize(
    ("language", "expected"),
    [
        ("pt-br", ["Bônus de boas-vindas: 100 pontos", "Compra de US$ 200,00: 2.000 pontos", "Pontos Fries", "Prata"]),
        ("es", ["Bono de bienvenida: 100 puntos", "Compra de 200,00 $: 2\xa0000 puntos", "Puntos Fries", "Plata"]),
        ("fr", ["Bonus de bienvenue : 100 points", "Achat de 200,00 $ : 2\xa0000 points", "Points Fries", "Argent"]),
    ],
)
def test_activity_and_points_pages_show_no_sessionm_english_for_known_kinds(db, language, expected):
    customer = signup(language=language)
    earn_points(customer, dollars=200)  # 2,000 points: Silver
    client = Client()
    client.force_login(customer.user)
    buy = next(o for o in get_sessionm_client().get_reward_store_offers([demo.REWARD_STORE.id], culture="en-US").offers)
    get_sessionm_client().purchase_offer(
        user_id=customer.sessionm_user_id,
        reward_store_id=demo.REWARD_STORE.id,
        reward_store_offer_id=buy.reward_store_offer_id,
        point_account_ids=[demo.REWARD_STORE.point_account_id],
        culture="en-US",
    )

    pages = text(client.get(reverse("web:activity"))) + text(client.get(reverse("web:points")))

    for words in SESSIONM_ENGLISH:
        assert words not in pages, words
    for words in expected:
        assert words in pages, words
