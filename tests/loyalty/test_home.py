"""GET home: points, a few wallet offers and featured campaigns, asked of SessionM at once under one
deadline; the optional parts degrade to null, the required one fails the request."""

import json
import threading

import pytest
import requests

from apps.loyalty import selectors

from .conftest import BALANCES, CAMPAIGNS, FAKE_USER_ID, USER_OFFERS, record_transaction, url


# The home screen's calls run on pool threads, which see only committed data.
@pytest.mark.django_db(transaction=True)
def test_home_of_a_new_member(api, customer):
    record_transaction(customer, [("FF-PULLED-PORK", 1, "10.00"), ("FF-CURLY", 1, "8.00")])

    response = api.get(url("home"))

    assert response.status_code == 200, response.content
    home = response.json()
    assert home["points"]["available"] == 100 + 180
    assert home["wallet"] == []
    assert home["wallet_count"] == 0
    assert [campaign["name"] for campaign in home["campaigns"]] == [
        "Mobile Tuesdays: 20% off",
        "Snack Box Saturday",
        "Large Fries on us",
    ]


def _home_answers(sessionm, **overrides):
    answers = {"point_balances_get": {"json": BALANCES}, "user_offers_get": {"json": USER_OFFERS}}
    answers.update({k: v for k, v in overrides.items() if k != "campaigns_eligible"})
    for name, answer in answers.items():
        sessionm.add(name, **answer)
    sessionm.add("campaigns_eligible", user_id=FAKE_USER_ID, **overrides.get("campaigns_eligible", {"json": CAMPAIGNS}))


@pytest.mark.django_db
def test_home_shows_all_three_parts(sessionm, offline_api):
    _home_answers(sessionm)

    home = offline_api.get(url("home")).json()

    assert home["points"] == {"available": 180, "lifetime": 280}
    assert [item["name"] for item in home["wallet"]] == ["Free Large Fries"]
    assert home["wallet"][0]["expires_at"] == "2026-12-22T10:00:00Z"
    assert home["wallet_count"] == 1
    assert home["campaigns"][0]["id"] == "c-large"
    # A few items only: the home screen never asks for a whole wallet.
    (wallet_call,) = sessionm.calls_to("user_offers_get")
    assert sessionm.body(wallet_call)["take"] == selectors.HOME_WALLET_ITEMS


@pytest.mark.django_db
@pytest.mark.parametrize(
    "failure",
    [
        {"status": 503, "json": {"status": "error"}},
        {"body": requests.ConnectionError("refused")},
        {"body": requests.ReadTimeout("slow")},
    ],
    ids=["5xx", "unreachable", "timeout"],
)
def test_optional_parts_degrade_to_null(sessionm, offline_api, failure):
    _home_answers(sessionm, user_offers_get=failure, campaigns_eligible=failure)

    response = offline_api.get(url("home"))

    assert response.status_code == 200
    assert response.json() == {
        "points": {"available": 180, "lifetime": 280},
        "wallet": None,
        "wallet_count": None,
        "campaigns": None,
    }


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("failure", "status", "code"),
    [
        ({"status": 503, "json": {"status": "error"}}, 503, "loyalty_unavailable"),
        ({"body": requests.ConnectionError("refused")}, 503, "loyalty_unavailable"),
        ({"body": requests.ReadTimeout("slow")}, 504, "loyalty_timeout"),
        ({"status": 200, "body": "<html>"}, 502, "loyalty_bad_gateway"),
    ],
)
def test_without_points_the_request_fails(sessionm, offline_api, failure, status, code):
    _home_answers(sessionm, point_balances_get=failure)

    response = offline_api.get(url("home"))

    assert response.status_code == status
    assert response.json()["error"]["code"] == code


@pytest.mark.django_db
def test_the_calls_run_at_once(sessionm, offline_api):
    # Each answer waits until all three requests have arrived: made one after another, they never would.
    everyone_asked = threading.Barrier(3, timeout=10)

    def answer(body):
        def callback(request):
            everyone_asked.wait()
            return 200, {}, body

        return callback

    sessionm.add_callback("point_balances_get", answer(json.dumps(BALANCES)))
    sessionm.add_callback("user_offers_get", answer(json.dumps(USER_OFFERS)))
    sessionm.add_callback("campaigns_eligible", answer(json.dumps(CAMPAIGNS)), user_id=FAKE_USER_ID)

    response = offline_api.get(url("home"))

    assert response.status_code == 200
    assert response.json()["wallet"] is not None and response.json()["campaigns"] is not None


@pytest.mark.django_db
@pytest.mark.parametrize("slow_part", ["points", "campaigns"])
def test_one_deadline_for_all_calls(sessionm, offline_api, monkeypatch, slow_part):
    monkeypatch.setattr(selectors, "home_deadline", lambda: 0.2)
    released = threading.Event()

    def late(body):
        def callback(request):
            released.wait(timeout=10)
            return 200, {}, body

        return callback

    if slow_part == "points":
        sessionm.add_callback("point_balances_get", late(json.dumps(BALANCES)))
        sessionm.add("campaigns_eligible", user_id=FAKE_USER_ID, json=CAMPAIGNS)
    else:
        sessionm.add("point_balances_get", json=BALANCES)
        sessionm.add_callback("campaigns_eligible", late(json.dumps(CAMPAIGNS)), user_id=FAKE_USER_ID)
    sessionm.add("user_offers_get", json=USER_OFFERS)

    try:
        response = offline_api.get(url("home"))
    finally:
        released.set()

    if slow_part == "points":
        assert response.status_code == 504
        assert response.json()["error"]["code"] == "loyalty_timeout"
    else:
        assert response.status_code == 200
        assert response.json()["campaigns"] is None
        assert response.json()["wallet"] is not None
