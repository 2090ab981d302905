"""GET points (balances and tier) and GET points/history (the point audit log)."""

import pytest

from .conftest import FAKE_USER_ID, record_transaction, url

pytestmark = pytest.mark.django_db


def core_user(**incentives) -> dict:
    return {"status": "ok", "user": {"id": FAKE_USER_ID, "available_points": 40, **incentives}}


LEVELS = [
    {"id": "t1", "name": "Bronze", "rank": 1, "required_points": 0},
    {"id": "t2", "name": "Silver", "rank": 2, "required_points": 1500},
    {"id": "t3", "name": "Gold", "rank": 3, "required_points": 5000},
]


def test_a_new_member(api):
    points = api.get(url("points")).json()

    assert points == {
        "available": 100,
        "total": 100,
        "lifetime": 100,
        "accounts": [{"id": points["accounts"][0]["id"], "name": "Fries Points", "available": 100, "lifetime": 100}],
        "tier": {"name": "Bronze", "points": 0, "next_name": "Silver", "points_to_next": 1500, "progress_percent": 0},
    }


def test_purchases_move_points_and_tier(api, customer):
    record_transaction(customer, [("FF-PULLED-PORK", 60, "10.00")])  # $600: 6,000 points and tier points

    points = api.get(url("points")).json()

    assert points["available"] == 6100
    assert points["tier"] == {
        "name": "Gold",
        "points": 6000,
        "next_name": None,
        "points_to_next": None,
        "progress_percent": 100,
    }


@pytest.mark.parametrize(
    ("tier_points", "expected"),
    [
        (0, ("Bronze", "Silver", 1500, 0)),
        (750, ("Bronze", "Silver", 750, 50)),
        (1500, ("Silver", "Gold", 3500, 0)),
        (4999, ("Silver", "Gold", 1, 99)),
        (5000, ("Gold", None, None, 100)),
    ],
)
def test_progress_to_the_next_tier(sessionm, offline_api, tier_points, expected):
    tier = next(level["name"] for level in reversed(LEVELS) if level["required_points"] <= tier_points)
    sessionm.add(
        "user_get",
        user_id=FAKE_USER_ID,
        json=core_user(tier=tier, tier_points=tier_points, tier_details={"tier_levels": LEVELS}),
    )

    body = offline_api.get(url("points")).json()["tier"]

    assert (body["name"], body["next_name"], body["points_to_next"], body["progress_percent"]) == expected


def test_only_this_screen_makes_the_heavy_call(sessionm, offline_api):
    sessionm.add("user_get", user_id=FAKE_USER_ID, json=core_user(tier="Bronze", tier_points=10, next_tier_points=100))

    body = offline_api.get(url("points")).json()

    (call,) = sessionm.mock.calls
    assert "expand_incentives=true" in call.request.url
    # Without a tier table, next_tier_points is the next threshold.
    tier = body["tier"]
    assert (tier["next_name"], tier["points_to_next"], tier["progress_percent"]) == (None, 90, 10)
    assert body["available"] == body["total"] == 40 and body["accounts"] == []


def test_history_newest_first(api, customer):
    record_transaction(customer, [("FF-CURLY", 1, "8.00")])

    body = api.get(url("points-history")).json()

    assert body["next"] is None and body["previous"] is None
    assert "count" not in body  # SessionM gives no total
    latest, welcome = body["results"]
    assert (latest["points"], latest["source"], latest["account"]) == (80, "Purchase", "Fries Points")
    assert latest["transaction_id"]
    assert latest["occurred_at"]
    assert (welcome["points"], welcome["source"]) == (100, "Welcome bonus")


def test_history_pages(api, customer):
    for _ in range(2):
        record_transaction(customer, [("FF-LARGE", 1, "4.50")])

    first = api.get(url("points-history"), {"page_size": 2}).json()
    second = api.get(first["next"]).json()

    assert [entry["points"] for entry in first["results"]] == [45, 45]
    assert [entry["points"] for entry in second["results"]] == [100]
    assert second["next"] is None
    assert second["previous"] is not None


def test_history_asks_sessionm_for_the_page_shown_and_one_more_entry(sessionm, offline_api):
    # SessionM gives no total: the one entry more tells whether a next page exists.
    sessionm.add("point_audit_logs_get", json={"status": "ok", "payload": {"results": []}})

    offline_api.get(url("points-history"), {"page": 4, "page_size": 25})

    (call,) = sessionm.calls_to("point_audit_logs_get")
    assert (sessionm.body(call)["skip"], sessionm.body(call)["take"]) == (75, 26)


def test_a_history_that_fills_its_last_page_exactly_offers_no_next_page(api, customer):
    for _ in range(3):
        record_transaction(customer, [("FF-LARGE", 1, "4.50")])  # with the welcome bonus: 4 entries

    first = api.get(url("points-history"), {"page_size": 2}).json()
    second = api.get(first["next"]).json()

    assert len(first["results"]) == len(second["results"]) == 2
    assert second["next"] is None
