"""The SessionM emulator's Cloud POS: send_transaction, its idempotency and the program rules purchases drive
(points, tiers, Snack Box Saturday, Large Fries on us)."""

import itertools
import json
from datetime import UTC, datetime

import pytest

from apps.sandbox import demo
from apps.sandbox.models import Document
from apps.sandbox.sessionm import clock
from apps.sandbox.sessionm.calls import call

pytestmark = pytest.mark.django_db

SATURDAY = datetime(2025, 6, 7, 12, 30, tzinfo=UTC)
FRIDAY = datetime(2025, 6, 6, 23, 59, tzinfo=UTC)
_ids = itertools.count(1)


def answer(response):
    return response.status, json.loads(response.encode())


@pytest.fixture
def user_id():
    _, body = answer(call("user_create", {"user": {"external_id": "ext-amanda", "email": "amanda@example.com"}}))
    return body["user"]["id"]


def line(sku, quantity=1, unit_price=None):
    price = demo.MENU.get(sku, "1.00") if unit_price is None else unit_price
    return {"line_id": str(next(_ids)), "item_id": sku, "quantity": quantity, "unit_price": str(price)}


def transaction(user_id, items, *, subtotal=None, open_time=SATURDAY.replace(day=3), **extra):
    if subtotal is None:
        subtotal = sum(demo.MENU[item["item_id"]] * item["quantity"] for item in items)
    payments = (
        []
        if user_id is None
        else [{"payment_id": "p1", "amount": str(subtotal), "user_id": user_id, "user_id_type": "SessionM_ID"}]
    )
    return {
        "transaction_id": extra.pop("transaction_id", f"txn-{next(_ids)}"),
        "is_closed": True,
        "is_voided": False,
        "subtotal": str(subtotal),
        "open_time": open_time.isoformat(),
        "channel": "MOBILE",
        "items": items,
        "payments": payments,
        **extra,
    }


def send(payload, request_id=None):
    body = {
        "store_id": "FF-ONLINE",
        "client_id": "loyalty-bff",
        "request_id": request_id or f"req-{next(_ids)}",
        "request_payload": payload,
    }
    return answer(call("transaction_send", body))


def accepted(payload, request_id=None):
    status, body = send(payload, request_id)
    assert (status, body["status"]) == (200, "OK"), body
    return body["payload"]


def refused(payload, code="validation"):
    status, body = send(payload)
    assert (status, body["status"], body["errors"]["code"]) == (200, "ERROR", code), body
    return body["errors"]


def points(user_id):
    _, body = answer(call("point_balances_get", {"user_id": user_id}))
    return body["payload"]["summary"]["total_points"]


def wallet_offers(user_id):
    _, body = answer(call("user_offers_get", {"user_id": user_id}))
    return [offer["offer_id"] for offer in body["payload"]["user_offers"]]


def core_user(user_id):
    return answer(call("user_get", query={"expand_incentives": "true"}, user_id=user_id))[1]["user"]


def campaign_progress(user_id):
    _, body = answer(call("campaigns_eligible", user_id=user_id))
    return {tile["campaign_id"]: tile["progress"] for tile in body["campaigns"]["tiles"]}


# --- Acceptance and points ---------------------------------------------------------------------------------
def test_a_purchase_earns_10_points_per_dollar(user_id):
    payload = transaction(user_id, [line("FF-PULLED-PORK"), line("FF-CURLY")])
    receipt = accepted(payload, request_id="req-amanda-1")

    assert receipt == {"transaction_id": payload["transaction_id"], "request_id": "req-amanda-1", "state": "accepted"}
    assert points(user_id) == 100 + 180
    _, audit = answer(call("point_audit_logs_get", {"user_id": user_id}))
    entry = audit["payload"]["results"][0]
    assert (entry["modification"], entry["point_source_name"], entry["transaction_id"]) == (
        180,
        "Purchase",
        payload["transaction_id"],
    )
    _, timeline = answer(call("timeline_get", user_id=user_id, view="END_USER_MEMBER_STATEMENT"))
    event = timeline["result"][-1]["event_stream_payload"]  # oldest first
    assert event == {"kind": "purchase", "title": "Purchase of $18.00: 180 points", "points": 180, "amount": "18.00"}


@pytest.mark.parametrize(("subtotal", "earned"), [("4.55", 45), ("4.50", 45), ("0.09", 0), ("0", 0), ("12.999", 129)])
def test_points_round_down(user_id, subtotal, earned):
    accepted(transaction(user_id, [line("FF-LARGE")], subtotal=subtotal))
    assert points(user_id) == 100 + earned


def test_prices_are_taken_as_sent(user_id):
    accepted(transaction(user_id, [line("FF-CURLY", unit_price="0.01")], subtotal="0.01"))
    accepted(transaction(user_id, [line("SNACK-BOX", quantity=2, unit_price="99.00")], subtotal="198.00"))
    assert points(user_id) == 100 + 1980


def test_a_customer_named_by_external_id(user_id):
    payload = transaction(None, [line("FF-CURLY")])
    payload["payments"] = [
        {"payment_id": "p1", "amount": "8.00", "user_id": "ext-amanda", "user_id_type": "External_ID"}
    ]
    accepted(payload)
    assert points(user_id) == 180


def test_an_anonymous_purchase_is_accepted_and_earns_nothing(user_id):
    accepted(transaction(None, [line("FF-CURLY")]))
    assert points(user_id) == 100


# --- Idempotency -------------------------------------------------------------------------------------------
def test_a_repeated_request_id_answers_the_first_response_and_does_nothing(user_id):
    first = transaction(user_id, [line("FF-CURLY")])
    receipt = accepted(first, request_id="req-once")
    again = accepted(transaction(user_id, [line("SNACK-BOX")]), request_id="req-once")

    assert again == receipt
    assert points(user_id) == 180
    assert Document.objects.using("sandbox").filter(kind="sessionm.pos_request").count() == 1


def test_a_refused_request_id_can_be_used_again(user_id):
    status, body = send(transaction(user_id, [line("NOT-ON-MENU")], subtotal="1.00"), request_id="req-fixed")
    assert body["status"] == "ERROR"
    accepted(transaction(user_id, [line("FF-CURLY")]), request_id="req-fixed")
    assert points(user_id) == 180


def test_a_resent_transaction_moves_points_by_the_difference(user_id):
    original = transaction(user_id, [line("FF-CURLY"), line("FF-PULLED-PORK")], transaction_id="txn-return")
    accepted(original)
    accepted({**original, "items": original["items"][:1], "subtotal": "8.00"})  # pulled pork returned
    assert points(user_id) == 180
    accepted({**original, "is_voided": True})
    assert points(user_id) == 100

    _, audit = answer(call("point_audit_logs_get", {"user_id": user_id}))
    assert [(e["modification"], e["modification_type"]) for e in audit["payload"]["results"][:2]] == [
        (-80, "adjustment"),
        (-100, "adjustment"),
    ]


def test_an_open_transaction_earns_when_it_closes(user_id):
    payload = transaction(user_id, [line("FF-CURLY")], transaction_id="txn-open", is_closed=False)
    accepted(payload)
    assert points(user_id) == 100
    accepted({**payload, "is_closed": True})
    assert points(user_id) == 180


# --- Validation and limits ---------------------------------------------------------------------------------
def test_items_are_checked_with_their_paths(user_id):
    items = [line("FF-CURLY"), line("NOT-ON-MENU"), line("FF-LARGE", quantity=0), line("SNACK-BOX", unit_price="-1")]
    errors = refused(transaction(user_id, items, subtotal="10"))
    assert errors["details"] == {
        "items[1].item_id": "unknown SKU",
        "items[2].quantity": "must be greater than 0",
        "items[3].unit_price": "must not be negative",
    }
    assert points(user_id) == 100


@pytest.mark.parametrize(
    ("change", "fields"),
    [
        ({"items": []}, {"items": "can't be blank"}),
        ({"subtotal": "-1"}, {"subtotal": "must not be negative"}),
        ({"open_time": "yesterday"}, {"open_time": "must be an ISO-8601 time"}),
        ({"transaction_id": None}, {"transaction_id": "can't be blank"}),
        ({"items": [line("FF-CURLY")] * 1001}, {"items": "is too long (maximum is 1000 entries)"}),
        ({"discounts": [{}] * 101}, {"discounts": "is too long (maximum is 100 entries)"}),
        ({"payments": [{"amount": "1"}] * 101}, {"payments": "is too long (maximum is 100 entries)"}),
    ],
)
def test_transactions_are_checked(user_id, change, fields):
    payload = {**transaction(user_id, [line("FF-CURLY")]), **change}
    assert refused(payload)["details"] == fields


def test_the_envelope_is_checked():
    status, body = answer(call("transaction_send", {"store_id": "FF-ONLINE"}))
    assert body["errors"]["details"] == {"client_id": "can't be blank", "request_id": "can't be blank"}
    status, body = answer(call("transaction_send", {"store_id": "S", "client_id": "C", "request_id": "R"}))
    assert body["errors"]["details"] == {"request_payload": "can't be blank"}


def test_payments_name_one_known_customer(user_id):
    payload = transaction(user_id, [line("FF-CURLY")])
    payload["payments"].append(
        {"payment_id": "p2", "amount": "1", "user_id": "someone-else", "user_id_type": "SessionM_ID"}
    )
    assert refused(payload)["details"] == {"payments": "must all belong to one customer"}

    payload["payments"] = [{"payment_id": "p1", "amount": "8", "user_id": "nobody", "user_id_type": "SessionM_ID"}]
    assert refused(payload, "user_not_found")["details"] == {"payments[0].user_id": "unknown user"}

    payload["payments"] = [{"payment_id": "p1", "amount": "8", "user_id": user_id, "user_id_type": "Email"}]
    assert refused(payload)["details"] == {"payments[0].user_id_type": "must be one of: External_ID, SessionM_ID"}


# --- Tiers -------------------------------------------------------------------------------------------------
def test_purchases_climb_the_tiers(user_id):
    accepted(transaction(user_id, [line("SNACK-BOX")], subtotal="149.99"))
    assert (core_user(user_id)["tier"], core_user(user_id)["tier_points"]) == ("Bronze", 1499)

    accepted(transaction(user_id, [line("FF-LARGE")], subtotal="0.10"))
    user = core_user(user_id)
    assert (user["tier"], user["tier_points"], user["next_tier_points"]) == ("Silver", 1500, 5000)

    accepted(transaction(user_id, [line("SNACK-BOX")], subtotal="350.00"))
    user = core_user(user_id)
    assert (user["tier"], user["tier_points"]) == ("Gold", 5000)
    assert "next_tier_points" not in user

    _, timeline = answer(
        call("timeline_get", query={"event_types": "tier_changed"}, user_id=user_id, view="END_USER_MEMBER_STATEMENT")
    )
    assert [e["event_stream_payload"]["title"] for e in timeline["result"]] == [
        "Your tier is now Silver",
        "Your tier is now Gold",
    ]


def test_bonus_points_do_not_count_toward_tiers(user_id):
    call("points_deposit", {"user_id": user_id, "deposit_details": [{"amount": 5000}]})
    assert (core_user(user_id)["tier"], core_user(user_id)["tier_points"]) == ("Bronze", 0)


# --- Snack Box Saturday ------------------------------------------------------------------------------------
def test_15_dollars_on_a_saturday_earns_a_snack_box_once_that_day(user_id, monkeypatch):
    assert SATURDAY.weekday() == 5
    accepted(transaction(user_id, [line("FF-PULLED-PORK"), line("FF-LARGE")], subtotal="15.00", open_time=SATURDAY))
    accepted(transaction(user_id, [line("SNACK-BOX"), line("FF-CURLY")], open_time=SATURDAY))
    assert wallet_offers(user_id) == [demo.FREE_SNACK_BOX.id]

    monkeypatch.setattr(clock, "now", lambda: SATURDAY.replace(hour=20))
    assert campaign_progress(user_id)[demo.SNACK_BOX_SATURDAY.id] == {
        "state": "completed",
        "opted_in": False,
        "percent": 100,
    }


def test_snack_box_saturday_resets_the_next_week(user_id, monkeypatch):
    accepted(transaction(user_id, [line("SNACK-BOX"), line("FF-LARGE")], open_time=SATURDAY))
    monkeypatch.setattr(clock, "now", lambda: SATURDAY.replace(day=14, hour=9))
    assert campaign_progress(user_id)[demo.SNACK_BOX_SATURDAY.id]["state"] == "available"
    accepted(transaction(user_id, [line("SNACK-BOX"), line("FF-LARGE")], open_time=SATURDAY.replace(day=14)))
    assert wallet_offers(user_id) == [demo.FREE_SNACK_BOX.id, demo.FREE_SNACK_BOX.id]


@pytest.mark.parametrize(
    ("subtotal", "opened"),
    [
        ("14.99", SATURDAY),
        ("50.00", FRIDAY),
        ("50.00", datetime(2025, 6, 8, 0, 0, tzinfo=UTC)),
    ],
)
def test_no_snack_box_under_15_dollars_or_off_saturday(user_id, subtotal, opened):
    accepted(transaction(user_id, [line("SNACK-BOX")], subtotal=subtotal, open_time=opened))
    assert wallet_offers(user_id) == []


def test_saturday_is_judged_in_utc(user_id):
    # Friday 22:00 in New York is Saturday 03:00 UTC.
    accepted(
        transaction(
            user_id,
            [line("SNACK-BOX"), line("FF-CURLY")],
            open_time=datetime.fromisoformat("2025-06-06T22:00:00-05:00"),
        )
    )
    assert wallet_offers(user_id) == [demo.FREE_SNACK_BOX.id]


# --- Large Fries on us -------------------------------------------------------------------------------------
def test_the_walkthrough_two_kinds_of_fries_after_opting_in(user_id):
    call("campaign_opt_in", user_id=user_id, campaign_id=demo.LARGE_FRIES_ON_US.id)
    accepted(transaction(user_id, [line("FF-PULLED-PORK"), line("FF-CURLY")]))

    assert points(user_id) == 280
    assert wallet_offers(user_id) == [demo.FREE_LARGE_FRIES.id]
    assert campaign_progress(user_id)[demo.LARGE_FRIES_ON_US.id] == {
        "state": "completed",
        "opted_in": True,
        "percent": 100,
    }
    _, timeline = answer(call("timeline_get", user_id=user_id, view="END_USER_MEMBER_STATEMENT"))
    assert [e["event_stream_payload"]["title"] for e in timeline["result"][-3:]] == [
        "Purchase of $18.00: 180 points",
        "Free Large Fries added to your wallet",
        "Large Fries on us completed",
    ]

    # Completed: the next such order earns points only.
    accepted(transaction(user_id, [line("FF-LARGE"), line("FF-CURLY")]))
    assert wallet_offers(user_id) == [demo.FREE_LARGE_FRIES.id]


def test_large_fries_needs_the_opt_in(user_id):
    accepted(transaction(user_id, [line("FF-PULLED-PORK"), line("FF-CURLY")]))
    assert wallet_offers(user_id) == []


def test_large_fries_needs_two_distinct_kinds(user_id):
    call("campaign_opt_in", user_id=user_id, campaign_id=demo.LARGE_FRIES_ON_US.id)
    accepted(transaction(user_id, [line("FF-CURLY", quantity=3), line("SNACK-BOX")]))
    accepted(transaction(user_id, [line("FF-CURLY"), line("FF-CURLY")]))
    assert wallet_offers(user_id) == []


def test_a_voided_sale_does_not_trigger_campaigns(user_id):
    call("campaign_opt_in", user_id=user_id, campaign_id=demo.LARGE_FRIES_ON_US.id)
    accepted(transaction(user_id, [line("FF-PULLED-PORK"), line("FF-CURLY")], is_voided=True))
    assert wallet_offers(user_id) == []
    assert points(user_id) == 100
