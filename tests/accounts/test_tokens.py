"""Log in, refresh, log out: POST auth/token, auth/token/refresh, auth/logout."""

import pytest
from django.urls import reverse

from tests.factories import CustomerFactory, UserFactory

from .helpers import PASSWORD, as_customer

pytestmark = pytest.mark.django_db

TOKEN = reverse("api:token")
REFRESH = reverse("api:token-refresh")
LOGOUT = reverse("api:logout")
ME = reverse("api:me")


def login(api, email, password=PASSWORD):
    return api.post(TOKEN, {"email": email, "password": password}, format="json")


def test_login_returns_a_working_pair_whatever_the_email_case(api, amanda):
    response = login(api, f"  {amanda.email.upper()} ")

    assert response.status_code == 200
    assert set(response.json()) == {"access", "refresh"}
    assert as_customer(response.json()["access"]).get(ME).json()["email"] == amanda.email


@pytest.mark.parametrize("email", ["amanda@example.com", "nobody@example.com"], ids=["wrong-password", "unknown"])
def test_bad_credentials_are_a_401_with_the_envelope_and_the_same_message(api, email):
    CustomerFactory(user__email="amanda@example.com")

    response = login(api, email, "Wrong-Password-9")

    assert response.status_code == 401
    error = response.json()["error"]
    assert error["code"] == "authentication_failed"
    assert error["message"] == "The email or password is not correct."
    assert response["WWW-Authenticate"].startswith("Bearer")


def test_only_active_customers_log_in(api):
    CustomerFactory(pending=True, user__email="pending@example.com")
    UserFactory(email="staff@example.com", is_staff=True)  # a user without a customer

    assert login(api, "pending@example.com").status_code == 401
    assert login(api, "staff@example.com").status_code == 401


def test_a_stale_bearer_header_does_not_stop_a_login(api, amanda):
    api.credentials(HTTP_AUTHORIZATION="Bearer expired.or.garbage")

    assert login(api, amanda.email).status_code == 200


def test_refresh_rotates_and_the_old_refresh_token_is_dead(api, amanda):
    rotated = api.post(REFRESH, {"refresh": amanda.refresh}, format="json")

    assert rotated.status_code == 200
    pair = rotated.json()
    assert pair["refresh"] != amanda.refresh
    assert as_customer(pair["access"]).get(ME).status_code == 200

    replay = api.post(REFRESH, {"refresh": amanda.refresh}, format="json")
    assert replay.status_code == 401
    assert replay.json()["error"]["code"] == "authentication_failed"
    assert api.post(REFRESH, {"refresh": pair["refresh"]}, format="json").status_code == 200


def test_an_access_token_is_not_a_refresh_token(api, amanda):
    assert api.post(REFRESH, {"refresh": amanda.access}, format="json").status_code == 401


def test_logout_revokes_the_refresh_token_and_repeating_it_is_fine(api, amanda):
    assert api.post(LOGOUT, {"refresh": amanda.refresh}, format="json").status_code == 204

    assert api.post(REFRESH, {"refresh": amanda.refresh}, format="json").status_code == 401
    assert api.post(LOGOUT, {"refresh": amanda.refresh}, format="json").status_code == 204


def test_logout_with_something_that_is_not_a_token_is_a_401(api):
    response = api.post(LOGOUT, {"refresh": "not-a-token"}, format="json")

    assert response.status_code == 401
    assert response.json()["error"]["code"] == "authentication_failed"


def test_missing_fields_are_a_400(api):
    response = api.post(TOKEN, {"email": "amanda@example.com"}, format="json")

    assert response.status_code == 400
    assert "password" in response.json()["error"]["details"]
