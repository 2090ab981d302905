"""Logging in and out: redirects that stay on site, wrong passwords, throttling per address and per account."""

import pytest
from django.urls import reverse

from apps.api.throttles import throttle_rate
from tests.customers import PASSWORD

from .pages import shown_messages, text

# Transactional: a page's SessionM reads run in worker threads, whose database connections must see the
# customer this test signed up (committed, not inside the test's own transaction).
pytestmark = pytest.mark.django_db(transaction=True)


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


def test_logout_is_a_post(customer_client):
    assert customer_client.get(reverse("web:logout")).status_code == 405

    response = customer_client.post(reverse("web:logout"), follow=True)

    assert response.redirect_chain == [(reverse("web:login"), 302)]
    assert shown_messages(response) == ["You have logged out. See you soon!"]
    assert customer_client.get(reverse("web:wallet")).status_code == 302
