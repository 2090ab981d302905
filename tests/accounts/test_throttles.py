"""Throttles on the accounts endpoints answer 429 with the error envelope and Retry-After."""

import pytest
from django.urls import reverse

from .helpers import as_customer, signup_body

pytestmark = pytest.mark.django_db


def assert_throttled(response):
    assert response.status_code == 429
    error = response.json()["error"]
    assert error["code"] == "throttled"
    assert error["details"]["retry_after_seconds"] > 0
    assert int(response["Retry-After"]) > 0


def test_login_attempts_are_throttled_per_client(api, rates):
    rates(login="3/min")
    attempt = {"email": "amanda@example.com", "password": "Wrong-Password-9"}

    answers = [api.post(reverse("api:token"), attempt, format="json") for _ in range(4)]

    assert [a.status_code for a in answers[:3]] == [401, 401, 401]
    assert_throttled(answers[3])


def test_signups_are_throttled_per_client(api, rates):
    rates(signup="1/min")

    first = api.post(reverse("api:signup"), signup_body(), format="json")
    second = api.post(reverse("api:signup"), signup_body(), format="json")

    assert first.status_code == 201
    assert_throttled(second)


def test_each_customer_is_throttled_on_their_own(amanda, bruno, rates):
    rates(customer="2/min")
    amanda_app, bruno_app = as_customer(amanda.access), as_customer(bruno.access)

    answers = [amanda_app.get(reverse("api:me")) for _ in range(3)]

    assert [a.status_code for a in answers[:2]] == [200, 200]
    assert_throttled(answers[2])
    assert bruno_app.get(reverse("api:me")).status_code == 200


def test_failed_logins_lock_the_account_out_whatever_the_address(api, amanda, rates):
    rates(login="100/min", login_account="3/hour")
    wrong = {"email": amanda.email.upper(), "password": "Wrong-Password-9"}
    for n in range(3):
        assert api.post(reverse("api:token"), wrong, format="json", REMOTE_ADDR=f"192.0.2.{n}").status_code == 401

    # The right password, from yet another address: the account is locked until its failures age out.
    right = {"email": amanda.email, "password": amanda.password}
    assert_throttled(api.post(reverse("api:token"), right, format="json", REMOTE_ADDR="198.51.100.1"))
    # Another account is not affected.
    assert api.post(reverse("api:token"), {**wrong, "email": "x@example.com"}, format="json").status_code == 401


def test_successful_logins_do_not_count_against_the_account(api, amanda, rates):
    rates(login="100/min", login_account="2/hour")
    right = {"email": amanda.email, "password": amanda.password}
    assert all(api.post(reverse("api:token"), right, format="json").status_code == 200 for _ in range(4))


@pytest.mark.parametrize(
    ("num_proxies", "forwarded", "counted_as"),
    [
        (0, "203.0.113.9", "127.0.0.1"),  # no proxy: X-Forwarded-For is the client's own words
        (1, "203.0.113.9", "203.0.113.9"),
        (1, "6.6.6.6, 203.0.113.9", "203.0.113.9"),  # the client's own entry (left) is never trusted
        (2, "6.6.6.6, 203.0.113.9, 10.0.0.2", "203.0.113.9"),
    ],
)
def test_the_client_address_trusts_exactly_num_proxies(rf, settings, num_proxies, forwarded, counted_as):
    from apps.api.ratelimit import client_address

    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "NUM_PROXIES": num_proxies}
    request = rf.get("/", HTTP_X_FORWARDED_FOR=forwarded, REMOTE_ADDR="127.0.0.1")
    assert client_address(request) == counted_as


def test_a_spoofed_forwarded_for_does_not_escape_the_address_limit(api, rates, settings):
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "NUM_PROXIES": 1}
    rates(login="2/min", login_account="100/hour")
    attempt = {"email": "amanda@example.com", "password": "Wrong-Password-9"}
    answers = [
        api.post(reverse("api:token"), attempt, format="json", HTTP_X_FORWARDED_FOR=f"10.9.9.{n}, 203.0.113.9")
        for n in range(3)
    ]
    assert [a.status_code for a in answers] == [401, 401, 429]
