"""Every page of the web wallet through Django's test client, against the in-process sandbox: who may
see it (login, staff without a wallet), never cached, CSRF on every form, and SessionM down explained, never a 500."""

import pytest
from django.test import Client
from django.urls import reverse

from .pages import CUSTOMER_PAGES, VISITOR_PAGES, reward_id, shown_messages, text

# Transactional: a page's SessionM reads run in worker threads, whose database connections must see the
# customer this test signed up (committed, not inside the test's own transaction).
pytestmark = pytest.mark.django_db(transaction=True)


@pytest.mark.parametrize("name", VISITOR_PAGES)
def test_visitor_pages_render(client, name):
    response = client.get(reverse(f"web:{name}"))

    assert response.status_code == 200
    assert 'class="skip-link" href="#main"' in text(response)
    assert '<main id="main"' in text(response)


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


def test_customer_pages_are_never_cached(customer_client):
    for name in CUSTOMER_PAGES:
        assert "no-store" in customer_client.get(reverse(f"web:{name}"))["Cache-Control"], name


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
