"""The profile page and the language switcher: saving changes (or nothing), a taken email, SessionM down,
the profile's language winning over the cookie and the browser, and only the logged-in customer shown."""

import pytest
from django.test import Client
from django.urls import reverse

from apps.accounts.models import Customer
from apps.core.errors import LoyaltyUnavailable

from .pages import shown_messages, text

# Transactional: a page's SessionM reads run in worker threads, whose database connections must see the
# customer this test signed up (committed, not inside the test's own transaction).
pytestmark = pytest.mark.django_db(transaction=True)


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


def test_the_profile_language_beats_the_cookie_and_the_browser(customer):
    browser = Client(HTTP_ACCEPT_LANGUAGE="fr")
    browser.cookies["django_language"] = "es"
    browser.force_login(customer.user)
    Customer.objects.filter(pk=customer.pk).update(language="pt-br")

    response = browser.get(reverse("web:wallet"))

    assert response["Content-Language"] == "pt-br"
    assert "Prontas para resgatar" in text(response)


def test_profile_pages_show_only_the_logged_in_customer(customer, other_customer):
    bruno = Client()
    bruno.force_login(other_customer.user)

    page = text(bruno.get(reverse("web:profile")))

    assert other_customer.user.email in page and customer.user.email not in page
