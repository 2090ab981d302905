"""Throttles on the accounts endpoints answer 429 with the error envelope and Retry-After."""

import pytest
from django.urls import reverse
from rest_framework.throttling import SimpleRateThrottle

from .helpers import as_customer, signup_body

pytestmark = pytest.mark.django_db


def assert_throttled(response):
    assert response.status_code == 429
    error = response.json()["error"]
    assert error["code"] == "throttled"
    assert error["details"]["retry_after_seconds"] > 0
    assert int(response["Retry-After"]) > 0


def test_login_attempts_are_throttled_per_client(api, monkeypatch):
    monkeypatch.setitem(SimpleRateThrottle.THROTTLE_RATES, "login", "3/min")
    attempt = {"email": "amanda@example.com", "password": "Wrong-Password-9"}

    answers = [api.post(reverse("api:token"), attempt, format="json") for _ in range(4)]

    assert [a.status_code for a in answers[:3]] == [401, 401, 401]
    assert_throttled(answers[3])


def test_signups_are_throttled_per_client(api, monkeypatch):
    monkeypatch.setitem(SimpleRateThrottle.THROTTLE_RATES, "signup", "1/min")

    first = api.post(reverse("api:signup"), signup_body(), format="json")
    second = api.post(reverse("api:signup"), signup_body(), format="json")

    assert first.status_code == 201
    assert_throttled(second)


def test_each_customer_is_throttled_on_their_own(amanda, bruno, monkeypatch):
    monkeypatch.setitem(SimpleRateThrottle.THROTTLE_RATES, "customer", "2/min")
    amanda_app, bruno_app = as_customer(amanda.access), as_customer(bruno.access)

    answers = [amanda_app.get(reverse("api:me")) for _ in range(3)]

    assert [a.status_code for a in answers[:2]] == [200, 200]
    assert_throttled(answers[2])
    assert bruno_app.get(reverse("api:me")).status_code == 200
