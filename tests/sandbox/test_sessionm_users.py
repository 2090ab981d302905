"""The SessionM emulator's Core customers: create, get, update, delete, custom profile and tags."""

import json
from datetime import timedelta

import pytest

from apps.sandbox import demo
from apps.sandbox.models import Document
from apps.sandbox.sessionm import clock
from apps.sandbox.sessionm.calls import call

pytestmark = pytest.mark.django_db


def answer(response):
    return response.status, json.loads(response.encode())


def create(**attributes):
    user = {"external_id": "ext-amanda", "email": "amanda@example.com", "first_name": "Amanda", **attributes}
    status, body = answer(call("user_create", {"user": user}))
    assert (status, body["status"]) == (200, "ok"), body
    return body["user"]


def refused(response, code, status=200):
    got_status, body = answer(response)
    assert (got_status, body["status"], body["errors"]["code"]) == (status, "error", code), body
    return body["errors"]


def test_create_answers_the_user_with_the_welcome_bonus():
    user = create(last_name="Silva", dob="1990-04-02", locale="pt-br", opted_in=True, external_id_type="fancyfries")

    assert user["external_id"] == "ext-amanda"
    assert user["email"] == "amanda@example.com"
    assert (user["first_name"], user["last_name"], user["dob"], user["locale"]) == (
        "Amanda",
        "Silva",
        "1990-04-02",
        "pt-br",
    )
    assert user["opted_in"] is True
    assert user["available_points"] == demo.WELCOME_POINTS
    assert len(user["id"]) == 36
    # Core's own time format: UTC without a zone.
    assert clock.core(clock.now())[:10] == user["created_at"][:10] and len(user["created_at"]) == 19
    assert "user_profile" not in user and "tier" not in user


def test_create_writes_the_welcome_bonus_to_the_audit_log_and_the_timeline():
    user = create()

    _, audit = answer(call("point_audit_logs_get", {"user_id": user["id"]}))
    [entry] = audit["payload"]["results"]
    assert (entry["modification"], entry["point_source_name"]) == (100, "Welcome bonus")
    _, timeline = answer(call("timeline_get", user_id=user["id"], view="END_USER_MEMBER_STATEMENT"))
    assert [event["event_stream_payload"]["kind"] for event in timeline["result"]] == ["welcome_bonus"]


def test_one_email_per_profile_whatever_its_case():
    create()
    errors = refused(
        call("user_create", {"user": {"external_id": "ext-2", "email": "AMANDA@example.com"}}), "validation"
    )
    assert errors["user"] == {"email": "has already been taken"}


def test_one_profile_per_external_id():
    create()
    errors = refused(
        call("user_create", {"user": {"external_id": "ext-amanda", "email": "b@example.com"}}), "validation"
    )
    assert errors["user"] == {"external_id": "has already been taken"}


def test_a_refused_create_leaves_nothing_behind():
    create()
    refused(call("user_create", {"user": {"external_id": "ext-amanda", "email": "new@example.com"}}), "validation")
    # The email of the refused profile was not reserved.
    create(external_id="ext-new", email="new@example.com")


def test_create_reports_every_invalid_attribute_at_once():
    errors = refused(
        call(
            "user_create",
            {"user": {"email": "not-an-email", "dob": "2099-01-01", "locale": "portuguese", "favourite": "curly"}},
        ),
        "validation",
    )
    assert errors["user"] == {
        "external_id": "can't be blank",
        "email": "is invalid",
        "dob": "can't be in the future",
        "locale": "is invalid",
        "favourite": "is not a recognized attribute",
    }


def test_create_refuses_a_customer_under_13():
    twelve = (clock.now() - timedelta(days=12 * 365)).date().isoformat()
    errors = refused(
        call("user_create", {"user": {"external_id": "x", "email": "k@example.com", "dob": twelve}}), "validation"
    )
    assert errors["user"]["dob"] == "the customer must be at least 13 years old"


@pytest.mark.parametrize("body", [None, {}, {"user": "amanda"}])
def test_create_needs_a_user_object(body):
    refused(call("user_create", body), "missing_data")


def test_get_by_id_and_by_external_id():
    user = create()
    _, by_id = answer(call("user_get", user_id=user["id"]))
    _, by_external = answer(call("user_get_external", external_id="ext-amanda"))
    assert by_id["user"] == by_external["user"] == user


def test_get_an_unknown_user_is_404_user_not_found():
    refused(call("user_get", user_id="9d7c0000-0000-4000-8000-000000000000"), "user_not_found", status=404)
    refused(call("user_get_external", external_id="nobody"), "user_not_found", status=404)


def test_get_with_expand_incentives_reports_tier_and_balances():
    user = create()
    _, body = answer(call("user_get", query={"expand_incentives": "true"}, user_id=user["id"]))
    user = body["user"]

    assert (user["tier"], user["tier_points"], user["next_tier_points"]) == ("Bronze", 0, 1500)
    assert user["tier_system"] == demo.TIER_SYSTEM
    assert [(level["name"], level["required_points"]) for level in user["tier_details"]["tier_levels"]] == [
        ("Bronze", 0),
        ("Silver", 1500),
        ("Gold", 5000),
    ]
    balances = user["tier_details"]["point_account_balances"]
    assert balances["summary"] == {"total_points": 100, "life_time_points": 100}
    assert balances["details"] == [
        {
            "account_name": "Fries Points",
            "point_account_id": demo.POINT_ACCOUNT.id,
            "available_balance": 100,
            "life_time_value": 100,
        }
    ]


def test_get_with_user_profile_and_identifiers():
    user = create(user_profile={"favourite_fries": "curly"}, external_id_type="fancyfries")
    query = {"user[user_profile]": "true", "show_identifiers": "true"}
    _, body = answer(call("user_get", query=query, user_id=user["id"]))

    assert body["user"]["user_profile"] == {"favourite_fries": "curly", "_version": 1}
    assert body["user"]["identifiers"] == [{"external_id": "ext-amanda", "external_id_type": "fancyfries"}]


def test_get_refuses_a_flag_that_is_not_boolean():
    user = create()
    errors = refused(call("user_get", query={"expand_incentives": "maybe"}, user_id=user["id"]), "argument_error")
    assert errors["details"] == {"expand_incentives": "must be true or false"}


def test_update_changes_only_what_is_sent_and_answers_the_full_user():
    user = create(last_name="Silva", locale="en-us", phone_numbers=[{"phone_number": "+15550100"}])
    status, body = answer(call("user_update", {"user": {"first_name": "Mandy", "locale": "fr-fr"}}, user_id=user["id"]))

    assert status == 200
    updated = body["user"]
    assert (updated["first_name"], updated["last_name"], updated["locale"]) == ("Mandy", "Silva", "fr-fr")
    assert updated["phone_numbers"] == user["phone_numbers"]


def test_update_replaces_arrays_whole_and_null_clears():
    user = create(last_name="Silva", phone_numbers=[{"phone_number": "+15550100"}, {"phone_number": "+15550101"}])
    _, body = answer(
        call(
            "user_update",
            {"user": {"phone_numbers": [{"phone_number": "+15550199"}], "last_name": None}},
            user_id=user["id"],
        )
    )
    assert [phone["phone_number"] for phone in body["user"]["phone_numbers"]] == ["+15550199"]
    assert "last_name" not in body["user"]

    _, body = answer(call("user_update", {"user": {"phone_numbers": []}}, user_id=user["id"]))
    assert "phone_numbers" not in body["user"]


def test_update_to_a_taken_email_is_refused_and_changes_nothing():
    user = create()
    create(external_id="ext-bruno", email="bruno@example.com")
    errors = refused(
        call("user_update", {"user": {"email": "Bruno@example.com", "first_name": "X"}}, user_id=user["id"]),
        "validation",
    )
    assert errors["user"] == {"email": "has already been taken"}
    _, body = answer(call("user_get", user_id=user["id"]))
    assert (body["user"]["email"], body["user"]["first_name"]) == ("amanda@example.com", "Amanda")


def test_update_frees_the_old_email():
    user = create()
    call("user_update", {"user": {"email": "amanda.silva@example.com"}}, user_id=user["id"])
    create(external_id="ext-other", email="amanda@example.com")


def test_update_an_unknown_user_is_user_not_found():
    refused(call("user_update", {"user": {"first_name": "X"}}, user_id="nobody"), "user_not_found", status=404)


FORGET = {"privacy_request": {"request_type": "forget"}}


def test_a_forget_request_forgets_the_profile_and_its_indexes():
    # Forgetting is a Data Privacy request ("Create Request to Forget Customer Data",
    # https://docs.sessionm.com/developer/APIs/Core/Customers/customers_data_privacy.htm), not a DELETE.
    user = create()
    call("offer_issue", {"user_id": user["id"], "offer_id": demo.FREE_CURLY_FRIES.id})

    status, body = answer(call("privacy_forget_request", FORGET, user_id=user["id"]))

    assert status == 200 and body["status"] == "ok"
    assert body["privacy_request"]["request_type"] == "forget" and body["privacy_request"]["id"]
    refused(call("user_get", user_id=user["id"]), "user_not_found", status=404)
    assert not Document.objects.using("sandbox").filter(alt_key=user["id"]).exists()
    # The email and external id may be used again.
    create()


def test_forget_twice_is_user_not_found():
    user = create()
    call("privacy_forget_request", FORGET, user_id=user["id"])
    refused(call("privacy_forget_request", FORGET, user_id=user["id"]), "user_not_found", status=404)


@pytest.mark.parametrize("body", [{}, {"privacy_request": {"request_type": "export"}}])
def test_a_forget_request_must_say_forget(body):
    user = create()
    refused(call("privacy_forget_request", body, user_id=user["id"]), "validation")
    assert answer(call("user_get", user_id=user["id"]))[0] == 200


def test_the_custom_profile_takes_the_documented_post(monkeypatch):
    # POST .../users/:user_id/models/user_profile (https://docs.sessionm.com/developer/Tasks/Customers/t_create_profile.htm)
    user = create()
    status, body = answer(call("user_profile_create", {"user_profile": {"sauce": "aioli"}}, user_id=user["id"]))
    assert status == 200 and body["user_profile"]["sauce"] == "aioli"
    status, body = answer(
        call("user_profile_create_external", {"user_profile": {"size": "L"}}, external_id=user["external_id"])
    )
    assert status == 200 and body["user_profile"] == {"sauce": "aioli", "size": "L", "_version": 2}


def test_custom_profile_merges_and_counts_versions():
    user = create(user_profile={"favourite_fries": "curly", "store": "downtown"})
    status, body = answer(
        call("user_profile_update", {"user_profile": {"store": None, "sauce": "aioli"}}, user_id=user["id"])
    )
    assert status == 200
    assert body["user_profile"] == {"favourite_fries": "curly", "sauce": "aioli", "_version": 2}


def test_custom_profile_needs_an_object():
    user = create()
    errors = refused(call("user_profile_update", {"user_profile": ["x"]}, user_id=user["id"]), "validation")
    assert errors["details"] == {"user_profile": "must be an object"}


def test_counter_tags_count_and_expiring_tags_expire(monkeypatch):
    user = create()
    call("tags_add", {"tags": ["vip", "fries-fan"]}, user_id=user["id"])
    call("tags_add", {"tags": ["vip"]}, user_id=user["id"])
    call("tags_add_external", {"tags": ["summer"], "ttl": 3600}, external_id="ext-amanda")

    _, body = answer(call("tags_get", user_id=user["id"]))
    tags = {tag["name"]: tag for tag in body["tags"]}
    assert tags["vip"] == {"name": "vip", "count": 2}
    assert tags["fries-fan"] == {"name": "fries-fan", "count": 1}
    assert set(tags["summer"]) == {"name", "expires_at"} and len(tags["summer"]["expires_at"]) == 19

    later = clock.now() + timedelta(hours=2)
    monkeypatch.setattr(clock, "now", lambda: later)
    _, body = answer(call("tags_get", user_id=user["id"]))
    assert [tag["name"] for tag in body["tags"]] == ["fries-fan", "vip"]


@pytest.mark.parametrize(
    ("body", "fields"),
    [
        ({"tags": []}, {"tags": "can't be blank"}),
        ({"tags": ["ok", ""]}, {"tags[1]": "can't be blank"}),
        ({"tags": ["ok"], "ttl": 0}, {"ttl": "must be greater than or equal to 1"}),
        ({"tags": ["x"] * 51}, {"tags": "is too long (maximum is 50 entries)"}),
    ],
)
def test_tags_are_validated(body, fields):
    user = create()
    assert refused(call("tags_add", body, user_id=user["id"]), "validation")["details"] == fields


def test_tags_need_an_existing_customer():
    refused(call("tags_add", {"tags": ["vip"]}, user_id="nobody"), "user_not_found", status=404)
    refused(call("tags_add_external", {"tags": ["vip"]}, external_id="nobody"), "user_not_found", status=404)
    refused(call("tags_get", user_id="nobody"), "user_not_found", status=404)


def test_the_longest_valid_email_is_indexed():
    email = "a" * 64 + "@" + ".".join(["b" * 63, "c" * 63, "d" * 57, "com"])
    assert len(email) == 254
    create(email=email)
    errors = refused(call("user_create", {"user": {"external_id": "ext-2", "email": email.upper()}}), "validation")
    assert errors["user"] == {"email": "has already been taken"}


def test_update_needs_a_user_object():
    user = create()
    refused(call("user_update", {"first_name": "X"}, user_id=user["id"]), "missing_data")


def test_custom_profile_of_an_unknown_user():
    refused(call("user_profile_update", {"user_profile": {"a": 1}}, user_id="nobody"), "user_not_found", status=404)
