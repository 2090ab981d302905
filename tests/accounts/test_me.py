"""GET and PATCH /api/v1/me: the customer's own profile, changed in SessionM first."""

import pytest
from django.urls import reverse

from apps.accounts.models import Customer
from apps.sessionm import get_sessionm_client
from tests.factories import UserFactory

from .helpers import as_customer

pytestmark = pytest.mark.django_db

ME = reverse("api:me")


def test_the_profile_shows_the_customer_and_nothing_of_sessionm(amanda):
    response = as_customer(amanda.access).get(ME)

    assert response.status_code == 200
    assert response.json() == amanda.body["profile"]
    assert "sessionm_user_id" not in response.json()
    assert amanda.customer.sessionm_user_id not in response.content.decode()


def test_without_a_token_it_is_a_401_with_the_envelope(api):
    response = api.get(ME)

    assert response.status_code == 401
    assert response.json()["error"]["code"] == "not_authenticated"


def test_a_user_without_a_customer_account_gets_a_404(api):
    api.force_authenticate(UserFactory(is_staff=True))

    response = api.get(ME)

    assert response.status_code == 404
    assert response.json()["error"]["code"] == "customer_not_found"


def test_patch_changes_sessionm_and_then_the_profile(amanda):
    response = as_customer(amanda.access).patch(
        ME,
        {"first_name": "Mandy", "language": "fr", "birth_date": "1990-01-02", "marketing_opt_in": False},
        format="json",
    )

    assert response.status_code == 200
    assert response.json()["first_name"] == "Mandy"
    assert response.json()["language"] == "fr"
    sessionm = get_sessionm_client().get_user(amanda.customer.sessionm_user_id)
    assert (sessionm.first_name, sessionm.locale, sessionm.dob.isoformat(), sessionm.opted_in) == (
        "Mandy",
        "fr-fr",
        "1990-01-02",
        False,
    )
    customer = Customer.objects.get(pk=amanda.customer.pk)
    assert (customer.first_name, customer.language, customer.marketing_opt_in) == ("Mandy", "fr", False)


def test_a_new_email_moves_the_login_too(api, amanda):
    response = as_customer(amanda.access).patch(ME, {"email": "Mandy@Example.com"}, format="json")

    assert response.status_code == 200
    assert response.json()["email"] == "mandy@example.com"
    assert get_sessionm_client().get_user(amanda.customer.sessionm_user_id).email == "mandy@example.com"
    login = reverse("api:token")
    assert (
        api.post(login, {"email": "mandy@example.com", "password": amanda.password}, format="json").status_code == 200
    )
    assert api.post(login, {"email": amanda.email, "password": amanda.password}, format="json").status_code == 401


def test_an_email_another_customer_has_is_a_409_and_changes_nothing(amanda, bruno):
    response = as_customer(amanda.access).patch(ME, {"email": bruno.email.upper(), "first_name": "X"}, format="json")

    assert response.status_code == 409
    assert response.json()["error"]["code"] == "email_taken"
    assert Customer.objects.get(pk=amanda.customer.pk).first_name == "Amanda"
    assert get_sessionm_client().get_user(amanda.customer.sessionm_user_id).email == amanda.email


def test_sessionm_down_is_a_503_and_nothing_changes(amanda, down):
    down("sessionm-core")

    response = as_customer(amanda.access).patch(ME, {"first_name": "Mandy"}, format="json")

    assert response.status_code == 503
    assert response.json()["error"]["code"] == "loyalty_unavailable"
    assert Customer.objects.get(pk=amanda.customer.pk).first_name == "Amanda"


def test_patch_validates_like_signup_and_refuses_fields_it_cannot_change(amanda):
    client = as_customer(amanda.access)

    too_young = client.patch(ME, {"birth_date": "2024-02-29"}, format="json")
    read_only = client.patch(ME, {"external_id": "mine-now"}, format="json")

    assert too_young.status_code == 400
    assert "birth_date" in too_young.json()["error"]["details"]
    assert read_only.status_code == 400
    assert "external_id" in read_only.json()["error"]["details"]
    assert Customer.objects.get(pk=amanda.customer.pk).external_id == amanda.customer.external_id


def test_an_unchanged_value_does_not_call_sessionm(amanda, monkeypatch):
    def must_not_call(*args, **kwargs):
        raise AssertionError("nothing changed: SessionM must not be called")

    monkeypatch.setattr(get_sessionm_client(), "update_user", must_not_call)

    response = as_customer(amanda.access).patch(ME, {"first_name": "Amanda"}, format="json")

    assert response.status_code == 200


def test_a_customer_only_ever_sees_and_changes_their_own_profile(amanda, bruno):
    amanda_app, bruno_app = as_customer(amanda.access), as_customer(bruno.access)

    assert amanda_app.get(ME).json()["email"] == amanda.email
    assert bruno_app.get(ME).json()["email"] == bruno.email

    amanda_app.patch(ME, {"first_name": "Mandy"}, format="json")
    amanda_app.delete(ME)

    assert bruno_app.get(ME).json() == bruno.body["profile"]
    assert get_sessionm_client().get_user(bruno.customer.sessionm_user_id).first_name == "Bruno"


def test_the_time_zone_is_kept_here_only_and_checked(amanda, monkeypatch):
    def no_sessionm_call(*args, **kwargs):
        raise AssertionError("the time zone is not a SessionM attribute")

    monkeypatch.setattr(get_sessionm_client(), "update_user", no_sessionm_call)
    me = as_customer(amanda.access)

    bad = me.patch(ME, {"time_zone": "Mars/Olympus"}, format="json")
    good = me.patch(ME, {"time_zone": "America/Recife"}, format="json")

    assert bad.status_code == 400
    assert "time_zone" in bad.json()["error"]["details"]
    assert good.status_code == 200
    assert good.json()["time_zone"] == "America/Recife"
    assert Customer.objects.get(pk=amanda.customer.pk).time_zone == "America/Recife"
