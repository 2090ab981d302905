"""The signup page: a customer made and logged in, errors in plain words on their fields, throttling,
SessionM down."""

import re

import pytest
from django.urls import reverse

from apps.accounts.models import Customer, CustomerStatus
from apps.api.throttles import throttle_rate
from tests.customers import PASSWORD

from .pages import shown_messages, text

# Transactional: a page's SessionM reads run in worker threads, whose database connections must see the
# customer this test signed up (committed, not inside the test's own transaction).
pytestmark = pytest.mark.django_db(transaction=True)


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
