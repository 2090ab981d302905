"""POST /integrations/pos/transactions: a till's purchase, signed by its POS client, for the customer its
member code (or external id) names. Refusals happen before SessionM hears of anything."""

import json
import threading
import time
import uuid
from datetime import datetime
from decimal import Decimal

import pytest
import requests
from django.db import OperationalError, connections
from rest_framework.test import APIClient

from apps.loyalty import intake
from apps.loyalty.member_codes import member_code_issue
from apps.loyalty.models import MemberCode, PosTransaction
from apps.loyalty.serializers import PosTransactionSerializer
from apps.sessionm import get_sessionm_client
from tests.customers import signup
from tests.till import STORE, pos_client, post_signed, ring_up, sale

from .conftest import FAKE_USER_ID, bearer_client, url

pytestmark = pytest.mark.django_db

POS_OK = {"status": "OK", "payload": {"transaction_id": "t-1", "request_id": "r-1", "state": "accepted"}}


def points(customer) -> int:
    return bearer_client(customer).get(url("points")).json()["available"]


def test_records_the_purchase_and_answers_what_was_sent(customer):
    response = post_signed(sale([("FF-PULLED-PORK", 1, "10.00"), ("FF-CURLY", 2, "8")], customer=customer))

    assert response.status_code == 202, response.content
    body = response.json()
    assert body["state"] == "accepted"
    assert body["channel"] == "POS"
    assert body["store_id"] == STORE
    assert body["subtotal"] == "26.00"
    assert body["lines"] == [
        {"sku": "FF-PULLED-PORK", "quantity": 1, "unit_price": "10.00", "subtotal": "10.00"},
        {"sku": "FF-CURLY", "quantity": 2, "unit_price": "8.00", "subtotal": "16.00"},
    ]
    assert body["payments"] == [{"type": "CARD", "amount": "26.00"}]
    assert body["promo_code"] is None
    assert uuid.UUID(body["transaction_id"]) and uuid.UUID(body["request_id"])
    assert datetime.fromisoformat(body["opened_at"]).tzinfo is not None
    assert points(customer) == 100 + 260
    assert PosTransaction.objects.get().customer == customer


def test_a_customer_named_by_external_id(customer):
    response = post_signed(sale([("FF-CURLY", 1, "8.00")], external_id=customer.external_id))

    assert response.status_code == 202, response.content
    assert points(customer) == 180


def test_the_pos_transaction_attaches_the_customer_through_every_payment(sessionm, offline_customer):
    sessionm.add("transaction_send", json=POS_OK)
    payments = [{"type": "CASH", "amount": "7.00"}, {"type": "CARD", "amount": "10.00"}]

    body = sale([("FF-LARGE", 2, "4.50"), ("FF-CURLY", 1, "8.00")], customer=offline_customer, payments=payments)
    assert post_signed(body).status_code == 202

    (call,) = sessionm.calls_to("transaction_send")
    sent = sessionm.body(call)
    assert sent["store_id"] == STORE
    transaction = sent["request_payload"]
    assert transaction["channel"] == "POS"
    assert transaction["is_closed"] is True and transaction["is_voided"] is False
    assert transaction["subtotal"] == "17.00"
    lines = [(i["line_id"], i["item_id"], i["quantity"], i["unit_price"], i["subtotal"]) for i in transaction["items"]]
    assert lines == [("1", "FF-LARGE", 2, "4.50", "9.00"), ("2", "FF-CURLY", 1, "8.00", "8.00")]
    sent_payments = [(p["type"], p["amount"], p["user_id"], p["user_id_type"]) for p in transaction["payments"]]
    assert sent_payments == [
        ("CASH", "7.00", FAKE_USER_ID, "SessionM_ID"),
        ("CARD", "10.00", FAKE_USER_ID, "SessionM_ID"),
    ]
    assert transaction["open_time"] == transaction["payments"][0]["payment_time"]
    assert sent["culture"] == "en-US"


def test_a_repeat_of_the_request_id_answers_the_first_response_and_records_nothing(customer):
    body = sale([("FF-CURLY", 1, "8.00")], customer=customer, request_id="till-4-0001")

    first = post_signed(body)
    again = post_signed(body)  # signed again with a new nonce, as a till retrying after a lost answer does

    assert first.status_code == again.status_code == 202
    assert again.json() == first.json()
    assert again["Idempotent-Replayed"] == "true"
    assert points(customer) == 180


def test_the_same_request_id_with_another_basket_is_a_422(customer, sessionm_counter):
    body = sale([("FF-CURLY", 1, "8.00")], customer=customer, request_id="till-4-0002")
    assert post_signed(body).status_code == 202

    response = post_signed({**body, "lines": [{"sku": "FF-CURLY", "quantity": 2, "unit_price": "8.00"}]})

    assert response.status_code == 422
    assert response.json()["error"]["code"] == "request_id_reused"
    assert sessionm_counter == [body["request_id"]]
    assert points(customer) == 180


def test_the_request_id_is_per_client(customer):
    other_till = pos_client(key_id="other-till")
    body = sale([("FF-CURLY", 1, "8.00")], customer=customer, request_id="shared-id")
    assert post_signed(body).status_code == 202

    response = post_signed(
        sale([("FF-CURLY", 1, "8.00")], customer=customer, request_id="shared-id"), client=other_till
    )

    assert response.status_code == 202
    assert points(customer) == 260


@pytest.fixture
def sessionm_counter(monkeypatch):
    """The till request ids of every send_transaction the BFF makes (wrapping the real client)."""
    client = get_sessionm_client()
    real = client.send_transaction
    sent = []

    def counting(**kwargs):
        sent.append(
            PosTransaction.objects.filter(sessionm_request_id=kwargs["request_id"])
            .values_list("request_id", flat=True)
            .first()
        )
        return real(**kwargs)

    monkeypatch.setattr(client, "send_transaction", counting)
    return sent


def _record_retrying_sqlite_locks(**kwargs):
    # SQLite's in-memory test database refuses a second writer at once ("database table is locked") where
    # PostgreSQL makes it wait on the row; retrying gives both engines the same observable outcome.
    for _ in range(2000):
        try:
            return intake.pos_transaction_record(**kwargs)
        except OperationalError as exc:
            if "locked" not in str(exc):
                raise
            time.sleep(0.002)
    raise AssertionError("the database stayed locked")


@pytest.mark.django_db(transaction=True)
def test_three_concurrent_sends_make_one_sessionm_transaction_and_the_same_answer(sessionm_counter):
    customer = signup()
    till = pos_client()
    code = member_code_issue(customer=customer).code
    body = sale([("FF-PULLED-PORK", 1, "10.00"), ("FF-CURLY", 1, "8.00")], member_code=code, request_id="race-1")
    start = threading.Barrier(3)
    answers = []

    def send():
        try:
            start.wait()
            answers.append(
                _record_retrying_sqlite_locks(
                    client=till,
                    request_id=body["request_id"],
                    body_hash=intake.body_fingerprint(body),
                    store_id=STORE,
                    lines=[
                        intake.TransactionLine("FF-PULLED-PORK", 1, Decimal("10.00")),
                        intake.TransactionLine("FF-CURLY", 1, Decimal("8.00")),
                    ],
                    payments=[intake.TransactionPayment("CARD", Decimal("18.00"))],
                    member_code=code,
                    render=lambda recorded: dict(PosTransactionSerializer(recorded).data),
                )
            )
        finally:
            connections.close_all()

    threads = [threading.Thread(target=send) for _ in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert len(answers) == 3
    assert sorted(replayed for _body, replayed in answers) == [False, True, True]
    # The same answer (PostgreSQL's jsonb keeps the stored one's keys in its own order).
    assert len({json.dumps(body, sort_keys=True) for body, _replayed in answers}) == 1
    assert sessionm_counter == ["race-1"]
    assert PosTransaction.objects.count() == 1
    assert points(customer) == 280


def test_sessionm_down_rolls_everything_back_and_a_retry_sends_the_same_sessionm_request(sessionm, offline_customer):
    sessionm.add("transaction_send", status=503, json={"status": "ERROR"})
    sessionm.add("transaction_send", json=POS_OK)
    body = sale([("FF-CURLY", 1, "8.00")], customer=offline_customer, request_id="till-9")

    failed = post_signed(body)
    retried = post_signed(body)  # same member code: the failed attempt did not use it up

    assert failed.status_code == 503 and failed.json()["error"]["code"] == "loyalty_unavailable"
    assert retried.status_code == 202, retried.content
    first, retry = (sessionm.body(call) for call in sessionm.calls_to("transaction_send"))
    assert first["request_id"] == retry["request_id"] == retried.json()["request_id"]
    assert first["request_payload"]["transaction_id"] == retry["request_payload"]["transaction_id"]


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"lines": []}, "lines"),
        ({"lines": [{"sku": "FF CURLY", "quantity": 1, "unit_price": "8.00"}]}, "lines"),
        ({"lines": [{"sku": "FF-CURLY", "quantity": 0, "unit_price": "8.00"}]}, "lines"),
        ({"lines": [{"sku": "FF-CURLY", "quantity": 1, "unit_price": "-1.00"}]}, "lines"),
        ({"lines": [{"sku": "FF-CURLY", "quantity": 1, "unit_price": "8.001"}]}, "lines"),
        ({"payments": []}, "payments"),
        ({"payments": [{"type": "CARD", "amount": "0"}]}, "payments"),
        ({"promo_code": "20% OFF"}, "promo_code"),
        ({"request_id": ""}, "request_id"),
        ({"store_id": "FF STORE"}, "store_id"),
        ({"external_id": "abc"}, "member_code"),  # both ways of naming the customer
    ],
)
def test_our_validation_is_a_400(customer, sessionm_counter, change, field):
    response = post_signed({**sale([("FF-CURLY", 1, "8.00")], customer=customer), **change})

    assert response.status_code == 400
    assert field in response.json()["error"]["details"]
    assert sessionm_counter == []


def test_no_customer_named_is_a_400(sessionm_counter):
    response = post_signed(sale([("FF-CURLY", 1, "8.00")]))

    assert response.status_code == 400
    assert "member_code" in response.json()["error"]["details"]


def test_payments_above_the_lines_are_a_422(customer, sessionm_counter):
    body = sale([("FF-CURLY", 1, "8.00")], customer=customer, payments=[{"type": "CARD", "amount": "80.00"}])

    response = post_signed(body)

    assert response.status_code == 422
    assert response.json()["error"]["code"] == "payments_exceed_subtotal"
    assert sessionm_counter == []


def test_an_unknown_sku_is_refused_by_sessionm_with_its_details(customer):
    response = post_signed(sale([("FF-CURLY", 1, "8.00"), ("FF-TRUFFLE", 1, "9.00")], customer=customer))

    assert response.status_code == 422
    error = response.json()["error"]
    assert error["code"] == "loyalty_rejected"
    assert error["details"] == {"items[1].item_id": "unknown SKU"}
    assert PosTransaction.objects.count() == 0


def test_a_promo_code_is_claimed_and_applied(customer, api):
    body = ring_up(customer, [("FF-CURLY", 1, "8.00")], promo_code="TUESDAY20")

    assert body["promo_code"] == "TUESDAY20"
    assert [item["name"] for item in api.get(url("wallet")).json()["results"]] == ["20% off your order"]


def test_a_promo_code_rung_up_in_lower_case_is_the_same_code(customer, api):
    api.post(url("promo-codes"), {"code": "TUESDAY20"}, format="json")

    body = ring_up(customer, [("FF-CURLY", 1, "8.00")], promo_code="tuesday20")

    assert body["promo_code"] == "TUESDAY20"
    assert [item["name"] for item in api.get(url("wallet")).json()["results"]] == ["20% off your order"]


def test_a_promo_code_already_claimed_still_records_the_purchase(customer, api):
    api.post(url("promo-codes"), {"code": "TUESDAY20"}, format="json")

    body = ring_up(customer, [("FF-CURLY", 1, "8.00")], promo_code="TUESDAY20")

    assert body["promo_code"] == "TUESDAY20"
    assert points(customer) == 180


def test_an_invalid_promo_code_stops_the_order(customer):
    response = post_signed(sale([("FF-CURLY", 1, "8.00")], customer=customer, promo_code="NOPE"))

    assert response.status_code == 422
    assert response.json()["error"]["code"] == "promo_code_invalid"
    assert points(customer) == 100


@pytest.mark.parametrize(
    ("answer", "status", "code"),
    [
        ({"status": 503, "json": {"status": "ERROR"}}, 503, "loyalty_unavailable"),
        ({"body": requests.ReadTimeout("slow")}, 504, "loyalty_timeout"),
    ],
)
def test_sessionm_down_is_503_or_504(sessionm, offline_customer, answer, status, code):
    sessionm.add("transaction_send", **answer)

    response = post_signed(sale([("FF-CURLY", 1, "8.00")], customer=offline_customer))

    assert response.status_code == status
    assert response.json()["error"]["code"] == code
    assert PosTransaction.objects.count() == 0
    assert MemberCode.objects.get().used_at is None


def test_the_largest_order_we_accept_is_answered(customer):
    lines = [("FF-PULLED-PORK", 999, "9999999.99")] * 100

    response = post_signed(sale(lines, customer=customer))

    assert response.status_code == 202, response.content
    assert response.json()["subtotal"] == "998999999001.00"


def test_a_customers_token_is_not_a_till(customer, sessionm_counter):
    body = sale([("FF-CURLY", 1, "8.00")], customer=customer)
    app = bearer_client(customer)

    response = app.post("/integrations/pos/transactions", body, format="json")

    assert response.status_code == 401
    assert response.json()["error"]["code"] in ("not_authenticated", "authentication_failed")
    assert sessionm_counter == []


def test_a_logged_in_session_is_not_a_till(customer, sessionm_counter):
    browser = APIClient(enforce_csrf_checks=False)
    browser.force_login(customer.user)

    response = browser.post("/integrations/pos/transactions", sale([("FF-CURLY", 1, "8.00")], customer=customer))

    assert response.status_code == 401
    assert sessionm_counter == []
