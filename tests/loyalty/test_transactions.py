"""POST transactions: the BFF builds the Cloud POS transaction for the customer and answers what it sent."""

import uuid
from datetime import datetime

import pytest
import requests

from .conftest import FAKE_USER_ID, record_transaction, url

pytestmark = pytest.mark.django_db

POS_OK = {"status": "OK", "payload": {"transaction_id": "t-1", "request_id": "r-1", "state": "accepted"}}


def sale(*lines, **extra) -> dict:
    return {"items": [{"sku": sku, "quantity": qty, "unit_price": price} for sku, qty, price in lines], **extra}


def test_records_the_purchase_and_answers_what_was_sent(api):
    response = api.post(url("transactions"), sale(("FF-PULLED-PORK", 1, "10.00"), ("FF-CURLY", 2, "8")), format="json")

    assert response.status_code == 202, response.content
    body = response.json()
    assert body["state"] == "accepted"
    assert body["channel"] == "MOBILE"
    assert body["subtotal"] == "26.00"
    assert body["items"] == [
        {"sku": "FF-PULLED-PORK", "quantity": 1, "unit_price": "10.00", "subtotal": "10.00"},
        {"sku": "FF-CURLY", "quantity": 2, "unit_price": "8.00", "subtotal": "16.00"},
    ]
    assert body["promo_code"] is None
    assert uuid.UUID(body["transaction_id"]) and uuid.UUID(body["request_id"])
    assert datetime.fromisoformat(body["opened_at"]).tzinfo is not None
    assert api.get(url("points")).json()["available"] == 100 + 260


def test_the_pos_transaction_attaches_the_customer_through_the_payment(sessionm, offline_api):
    sessionm.add("transaction_send", json=POS_OK)

    offline_api.post(url("transactions"), sale(("FF-LARGE", 2, "4.50"), ("FF-CURLY", 1, "8.00")), format="json")

    (call,) = sessionm.calls_to("transaction_send")
    sent = sessionm.body(call)
    transaction = sent["request_payload"]
    assert transaction["channel"] == "MOBILE"
    assert transaction["is_closed"] is True and transaction["is_voided"] is False
    assert transaction["subtotal"] == "17.00"
    lines = [(i["line_id"], i["item_id"], i["quantity"], i["unit_price"], i["subtotal"]) for i in transaction["items"]]
    assert lines == [("1", "FF-LARGE", 2, "4.50", "9.00"), ("2", "FF-CURLY", 1, "8.00", "8.00")]
    (payment,) = transaction["payments"]
    assert (payment["user_id"], payment["user_id_type"], payment["amount"]) == (FAKE_USER_ID, "SessionM_ID", "17.00")
    assert transaction["open_time"] == payment["payment_time"]
    assert sent["culture"] == "en-US"


def test_the_pos_request_id_comes_from_the_idempotency_key(sessionm, offline_api):
    # The first attempt's answer is lost (SessionM failed): the key is released and the phone retries. The
    # retry carries the same request_id, so SessionM recognises it if the first one did go through.
    sessionm.add("transaction_send", status=503, json={"status": "ERROR"})
    sessionm.add("transaction_send", json=POS_OK)
    body = sale(("FF-CURLY", 1, "8.00"))
    headers = {"Idempotency-Key": "order-7"}

    assert offline_api.post(url("transactions"), body, format="json", headers=headers).status_code == 503
    assert offline_api.post(url("transactions"), body, format="json", headers=headers).status_code == 202
    other = offline_api.post(url("transactions"), body, format="json", headers={"Idempotency-Key": "order-8"})

    first, retry, third = (sessionm.body(call) for call in sessionm.calls_to("transaction_send"))
    assert first["request_id"] == retry["request_id"] != third["request_id"]
    assert first["request_payload"]["transaction_id"] == retry["request_payload"]["transaction_id"]
    assert other.json()["request_id"] == third["request_id"]


def test_a_replay_records_nothing_more(api):
    body = sale(("FF-CURLY", 1, "8.00"))
    headers = {"Idempotency-Key": "order-1"}

    first = api.post(url("transactions"), body, format="json", headers=headers)
    again = api.post(url("transactions"), body, format="json", headers=headers)

    assert again.json() == first.json()
    assert again["Idempotent-Replayed"] == "true"
    assert api.get(url("points")).json()["available"] == 180


def test_the_same_key_with_another_basket_is_a_422(api):
    api.post(url("transactions"), sale(("FF-CURLY", 1, "8.00")), format="json", headers={"Idempotency-Key": "o-1"})

    response = api.post(
        url("transactions"), sale(("FF-CURLY", 2, "8.00")), format="json", headers={"Idempotency-Key": "o-1"}
    )

    assert response.status_code == 422
    assert response.json()["error"]["code"] == "idempotency_key_reused"


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"items": []}, "items"),
        ({}, "items"),
        (sale(("FF CURLY", 1, "8.00")), "items"),
        (sale(("FF-CURLY", 0, "8.00")), "items"),
        (sale(("FF-CURLY", 1, "-1.00")), "items"),
        (sale(("FF-CURLY", 1, "8.001")), "items"),
        (sale(("FF-CURLY", 1, "eight")), "items"),
        (sale(("FF-CURLY", 1, "8.00"), promo_code="20% OFF"), "promo_code"),
    ],
)
def test_our_validation_is_a_400(api, body, field):
    response = api.post(url("transactions"), body, format="json")

    assert response.status_code == 400
    assert field in response.json()["error"]["details"]
    assert api.get(url("points")).json()["available"] == 100


def test_an_unknown_sku_is_refused_by_sessionm_with_its_details(api):
    response = api.post(url("transactions"), sale(("FF-CURLY", 1, "8.00"), ("FF-TRUFFLE", 1, "9.00")), format="json")

    assert response.status_code == 422
    error = response.json()["error"]
    assert error["code"] == "loyalty_rejected"
    assert error["details"] == {"items[1].item_id": "unknown SKU"}


def test_a_promo_code_is_claimed_and_applied(api):
    body = record_transaction(api, [("FF-CURLY", 1, "8.00")], promo_code="TUESDAY20")

    assert body["promo_code"] == "TUESDAY20"
    assert [item["name"] for item in api.get(url("wallet")).json()["results"]] == ["20% off your order"]


def test_a_promo_code_already_claimed_still_records_the_purchase(api):
    # e.g. the first attempt claimed it, then SessionM's POS failed and the phone sent the order again.
    api.post(url("promo-codes"), {"code": "TUESDAY20"}, format="json")

    body = record_transaction(api, [("FF-CURLY", 1, "8.00")], promo_code="TUESDAY20")

    assert body["promo_code"] == "TUESDAY20"
    assert api.get(url("points")).json()["available"] == 180


def test_an_invalid_promo_code_stops_the_order(api):
    response = api.post(url("transactions"), sale(("FF-CURLY", 1, "8.00"), promo_code="NOPE"), format="json")

    assert response.status_code == 422
    assert response.json()["error"]["code"] == "promo_code_invalid"
    assert api.get(url("points")).json()["available"] == 100


@pytest.mark.parametrize(
    ("answer", "status", "code"),
    [
        ({"status": 503, "json": {"status": "ERROR"}}, 503, "loyalty_unavailable"),
        ({"body": requests.ReadTimeout("slow")}, 504, "loyalty_timeout"),
    ],
)
def test_sessionm_down_is_503_or_504(sessionm, offline_api, answer, status, code):
    sessionm.add("transaction_send", **answer)

    response = offline_api.post(url("transactions"), sale(("FF-CURLY", 1, "8.00")), format="json")

    assert response.status_code == status
    assert response.json()["error"]["code"] == code


def test_the_largest_order_we_accept_is_answered(api):
    lines = [("FF-PULLED-PORK", 999, "9999999.99")] * 100

    response = api.post(url("transactions"), sale(*lines), format="json")

    assert response.status_code == 202, response.content
    assert response.json()["subtotal"] == "998999999001.00"
