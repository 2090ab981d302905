"""The SessionM emulator's Connect incentives: balances, audit log, deposits, spends, events and tier moves."""

import pytest

from apps.sandbox import demo
from apps.sandbox.sessionm.calls import call
from tests.sandbox.connect import answer, ok, refused

pytestmark = pytest.mark.django_db

SILVER, GOLD = demo.TIERS[1], demo.TIERS[2]


def balances(user_id):
    return ok(call("point_balances_get", {"user_id": user_id}))


def audit(user_id, **page):
    return ok(call("point_audit_logs_get", {"user_id": user_id, **page}))


def core_user(user_id):
    return answer(call("user_get", query={"expand_incentives": "true"}, user_id=user_id))[1]["user"]


def test_all_balances(user_id):
    assert balances(user_id) == {
        "summary": {"total_points": 100, "life_time_points": 100},
        "details": [
            {
                "account_name": "Fries Points",
                "point_account_id": demo.POINT_ACCOUNT.id,
                "available_balance": 100,
                "life_time_value": 100,
            }
        ],
    }
    refused(call("point_balances_get", {"user_id": "nobody"}), "user_not_found", kind="not_found")


def test_audit_log_is_newest_first_and_paged(user_id):
    for amount in (10, 20, 30):
        ok(call("points_deposit", {"user_id": user_id, "deposit_details": [{"amount": amount}]}))

    payload = audit(user_id, skip=1, take=2)
    assert [entry["modification"] for entry in payload["results"]] == [20, 10]
    assert payload["total_records"] == 4
    entry = payload["results"][0]
    assert set(entry) == {
        "id",
        "account_name",
        "point_account_id",
        "modification",
        "amount_expired",
        "modification_type",
        "point_source_name",
        "time_of_occurrence",
        "transaction_id",
    }
    assert entry["time_of_occurrence"].endswith("Z") and len(entry["time_of_occurrence"]) == 28
    refused(call("point_audit_logs_get", {"user_id": user_id, "take": 1001}), "validation")


def test_deposit_adds_points_without_tier_points(user_id):
    payload = ok(
        call(
            "points_deposit",
            {
                "user_id": user_id,
                "deposit_details": [
                    {"point_account_id": demo.POINT_ACCOUNT.id, "amount": 250, "point_source_name": "Goodwill"},
                    {"account_name": "Fries Points", "amount": 50, "transaction_id": "crm-42"},
                ],
            },
        )
    )
    assert [(r["amount"], r["available_balance"]) for r in payload["results"]] == [(250, 350), (50, 400)]
    assert payload["results"][1]["transaction_id"] == "crm-42"
    assert balances(user_id)["summary"] == {"total_points": 400, "life_time_points": 400}
    assert audit(user_id)["results"][1]["point_source_name"] == "Goodwill"
    assert core_user(user_id)["tier_points"] == 0


@pytest.mark.parametrize(
    ("details", "fields"),
    [
        ([], {"deposit_details": "can't be blank"}),
        ([{"amount": 0}], {"deposit_details[0].amount": "must be greater than or equal to 1"}),
        (
            [{"amount": 5, "point_account_id": "x"}],
            {"deposit_details[0].point_account_id": "is not a point account of this program"},
        ),
        ([{}], {"deposit_details[0].amount": "can't be blank"}),
    ],
)
def test_deposit_details_are_checked(user_id, details, fields):
    errors = refused(call("points_deposit", {"user_id": user_id, "deposit_details": details}), "validation")
    assert errors["details"] == fields
    assert balances(user_id)["summary"]["total_points"] == 100


def test_spend_is_idempotent_per_idempotency_id(user_id):
    body = {"user_id": user_id, "spend_details": [{"amount": 40, "idempotency_id": "order-1"}]}
    first = ok(call("points_spend", body))
    again = ok(call("points_spend", body))

    assert first == again
    assert first["results"][0]["available_balance"] == 60
    assert balances(user_id)["summary"] == {"total_points": 60, "life_time_points": 100}


def test_spend_is_all_or_nothing(user_id):
    details = [{"amount": 60, "idempotency_id": "a"}, {"amount": 60, "idempotency_id": "b"}]
    refused(call("points_spend", {"user_id": user_id, "spend_details": details}), "insufficient_points")
    assert balances(user_id)["summary"]["total_points"] == 100
    assert len(audit(user_id)["results"]) == 1


def test_spend_checks_its_idempotency_ids(user_id):
    details = [{"amount": 1, "idempotency_id": "a"}, {"amount": 1, "idempotency_id": "a"}, {"amount": 1}]
    errors = refused(call("points_spend", {"user_id": user_id, "spend_details": details}), "validation")
    assert errors["details"] == {
        "spend_details[1].idempotency_id": "is repeated in this request",
        "spend_details[2].idempotency_id": "can't be blank",
    }


@pytest.mark.parametrize(
    ("lookup", "points", "culture", "description"),
    [
        ("survey_completed", 50, "en-US", "Survey completed"),
        ("app_review", 25, "es-ES", "Reseña de la app"),
    ],
)
def test_events_award_points_once(user_id, lookup, points, culture, description):
    body = {"user_id": user_id, "event_lookup": lookup, "culture": culture, "include_progress": False}
    first = ok(call("user_event_trigger", body))

    assert first["event_saved_successfully"] is True and first["rules_processed_successfully"] is True
    assert first["outcomes"] == [{"is_outcome_applied": True, "points_awarded": points, "description": description}]
    assert first["user_event"]["time_of_occurrence"].endswith("Z")
    assert balances(user_id)["summary"]["total_points"] == 100 + points
    entry = audit(user_id)["results"][0]
    assert (entry["modification"], entry["transaction_id"]) == (points, first["user_event"]["id"])

    again = ok(call("user_event_trigger", body))
    assert again["event_saved_successfully"] is True
    assert again["user_event"]["id"] != first["user_event"]["id"]
    assert again["outcomes"] == [{"is_outcome_applied": False, "description": description}]
    assert balances(user_id)["summary"]["total_points"] == 100 + points


def test_an_unknown_event_is_refused(user_id):
    refused(call("user_event_trigger", {"user_id": user_id, "event_lookup": "lottery_win"}), "unknown_event")
    errors = refused(call("user_event_trigger", {"user_id": user_id}), "validation")
    assert errors["details"] == {"event_lookup": "can't be blank"}
    refused(
        call("user_event_trigger", {"user_id": "nobody", "event_lookup": "app_review"}),
        "user_not_found",
        kind="not_found",
    )


def test_tier_move_by_id_or_name(user_id):
    payload = ok(call("tier_move", {"user_id": user_id, "tier_level_id": GOLD.id}))
    assert (payload["tier_level_id"], payload["tier_name"]) == (GOLD.id, "Gold")
    user = core_user(user_id)
    assert user["tier"] == "Gold" and "next_tier_points" not in user

    ok(call("tier_move", {"user_id": user_id, "tier_name": "silver"}))
    assert (core_user(user_id)["tier"], core_user(user_id)["next_tier_points"]) == ("Silver", 5000)


def test_tier_move_needs_a_tier_of_the_program(user_id):
    errors = refused(call("tier_move", {"user_id": user_id, "tier_level_id": "platinum"}), "validation")
    assert errors["details"] == {"tier_level_id": "is not a tier of this program"}
    errors = refused(call("tier_move", {"user_id": user_id}), "validation")
    assert errors["details"] == {"tier_level_id": "can't be blank"}


@pytest.mark.parametrize(
    ("route", "body"),
    [
        ("point_audit_logs_get", {}),
        ("points_deposit", {"deposit_details": [{"amount": 5}]}),
        ("points_spend", {"spend_details": [{"amount": 5, "idempotency_id": "s-1"}]}),
        ("tier_move", {"tier_name": "Gold"}),
    ],
)
def test_incentives_of_an_unknown_customer(route, body):
    refused(call(route, {"user_id": "nobody", **body}), "user_not_found", kind="not_found")


@pytest.mark.parametrize("route", ["point_balances_get", "user_offers_get", "points_deposit", "user_event_trigger"])
def test_a_connect_body_must_be_an_object(route):
    refused(call(route, ["user_id"]), "missing_data")
