"""Inputs are taken as the schema states them: an empty query value is not "left out", an integer is not a
boolean, a page number cannot become a huge skip at SessionM, and links do not follow a forged Host header."""

import pytest
from django.urls import reverse
from rest_framework.test import APIClient

from apps.api.pagination import MAX_PAGE
from tests.accounts.helpers import signup, signup_body

from .test_envelope import assert_envelope

pytestmark = pytest.mark.django_db


@pytest.fixture
def app():
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {signup(APIClient()).access}")
    return client


@pytest.mark.parametrize(
    ("name", "query", "field"),
    [
        ("activity", "cursor=", "cursor"),
        ("wallet", "page=&page_size=", "page"),
        ("wallet", "page=2&page_size=", "page_size"),
        ("rewards-store", "page=", "page"),
        ("points-history", "page_size=", "page_size"),
    ],
)
def test_an_empty_query_value_is_a_400(app, name, query, field):
    error = assert_envelope(app.get(f"{reverse(f'api:{name}')}?{query}"), 400, "invalid")
    assert field in error["details"]


@pytest.mark.parametrize("page", [MAX_PAGE + 1, 10**23])
def test_a_page_beyond_the_cap_is_a_400_and_never_reaches_sessionm(app, page):
    error = assert_envelope(app.get(f"{reverse('api:wallet')}?page={page}"), 400, "invalid")
    assert "page" in error["details"]


def test_the_last_allowed_page_is_still_served(app):
    assert app.get(f"{reverse('api:wallet')}?page={MAX_PAGE}").status_code == 200


@pytest.mark.parametrize("value", [0, 1, "true", "yes", "on", None])
def test_marketing_opt_in_must_be_a_json_boolean_at_signup(value):
    body = signup_body(marketing_opt_in=value)
    response = APIClient().post(reverse("api:signup"), body, format="json")
    error = assert_envelope(response, 400, "invalid")
    assert "marketing_opt_in" in error["details"]


@pytest.mark.parametrize("value", [0, 1, "false"])
def test_marketing_opt_in_must_be_a_json_boolean_in_a_profile_change(app, value):
    error = assert_envelope(app.patch(reverse("api:me"), {"marketing_opt_in": value}, format="json"), 400, "invalid")
    assert "marketing_opt_in" in error["details"]


def test_a_number_is_not_a_name(app):
    error = assert_envelope(app.patch(reverse("api:me"), {"last_name": 0}, format="json"), 400, "invalid")
    assert "last_name" in error["details"]


def test_json_booleans_are_still_taken(app):
    response = app.patch(reverse("api:me"), {"marketing_opt_in": False}, format="json")
    assert response.status_code == 200
    assert response.json()["marketing_opt_in"] is False


def test_pagination_links_do_not_follow_a_forged_host_header(app, settings):
    settings.DEBUG = True  # the `make run` default, where ALLOWED_HOSTS used to be "*"
    response = app.get(reverse("api:wallet"), HTTP_HOST="evil.example")
    assert_envelope(response, 400, "bad_request")


def test_pagination_links_use_an_allowed_host(app):
    response = app.get(f"{reverse('api:rewards-store')}?page_size=1")
    assert response.status_code == 200
    body = response.json()
    assert body["next"] is None or body["next"].startswith("http://testserver/")
