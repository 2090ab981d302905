"""Cloud POS send_transaction: the envelope, its credentials, limits and idempotent retries."""

from datetime import UTC, datetime
from decimal import Decimal

import pytest

from apps.sessionm.errors import SessionMPendingProcessing, SessionMValidationError
from apps.sessionm.types import PromoCodeDiscount, TransactionLine, TransactionPayment
from apps.upstream.errors import UpstreamUnavailable

from .conftest import POS, POS_AUTH, TIMEOUT, USER_ID, sent_json

URL = f"{POS}/api/2.0/send_transaction"

# One purchase as the caller gives it (typed lines) and the wire transaction the client must write for it.
SALE = {
    "transaction_id": "ff-order-1001",
    "user_id": USER_ID,
    "opened_at": datetime(2025, 6, 3, 18, 20, tzinfo=UTC),
    "channel": "MOBILE",
    "lines": [
        TransactionLine("FF-PULLED-PORK", 1, Decimal("10.00")),
        TransactionLine("FF-CURLY", 2, Decimal("4")),
    ],
    "payments": [TransactionPayment("CARD", Decimal("18"))],
}
TRANSACTION = {
    "transaction_id": "ff-order-1001",
    "is_closed": True,
    "is_voided": False,
    "channel": "MOBILE",
    "open_time": "2025-06-03T18:20:00+00:00",
    "modified_time": "2025-06-03T18:20:00+00:00",
    "subtotal": "18.00",
    "tax_total": "0.00",
    "items": [
        {
            "line_id": "1",
            "item_id": "FF-PULLED-PORK",
            "quantity": 1,
            "unit_price": "10.00",
            "subtotal": "10.00",
            "tax_included": True,
        },
        {
            "line_id": "2",
            "item_id": "FF-CURLY",
            "quantity": 2,
            "unit_price": "4.00",
            "subtotal": "8.00",
            "tax_included": True,
        },
    ],
    "payments": [
        {
            "payment_id": "1",
            "type": "CARD",
            "amount": "18.00",
            "payment_time": "2025-06-03T18:20:00+00:00",
            "user_id": USER_ID,
            "user_id_type": "SessionM_ID",
        }
    ],
    "discounts": [],
}
ACCEPTED = {
    "status": "OK",
    "payload": {"transaction_id": "ff-order-1001", "request_id": "req-1001", "state": "accepted"},
}


def test_send_transaction_wraps_the_transaction_in_the_pos_envelope(client, mock):
    mock.post(URL, json=ACCEPTED)

    receipt = client.send_transaction(request_id="req-1001", **SALE, culture="en-US")

    call = mock.calls[0]
    assert call.request.method == "POST"
    assert call.request.url == URL
    assert call.request.headers["Authorization"] == POS_AUTH
    assert call.request.req_kwargs["timeout"] == TIMEOUT
    assert sent_json(call) == {
        "store_id": "FF-ONLINE",
        "client_id": "loyalty-bff",
        "request_id": "req-1001",
        "culture": "en-US",
        "request_payload": TRANSACTION,
    }
    assert (receipt.transaction_id, receipt.request_id, receipt.state) == ("ff-order-1001", "req-1001", "accepted")


def test_culture_is_optional(client, mock):
    mock.post(URL, json=ACCEPTED)

    client.send_transaction(request_id="req-1001", **SALE)

    assert "culture" not in sent_json(mock.calls[0])


def test_request_id_makes_a_failed_send_safe_to_repeat(client, mock):
    mock.post(URL, status=503, body="busy")
    mock.post(URL, json=ACCEPTED)

    receipt = client.send_transaction(request_id="req-1001", **SALE)

    assert len(mock.calls) == 2
    assert sent_json(mock.calls[0])["request_id"] == sent_json(mock.calls[1])["request_id"] == "req-1001"
    assert receipt.state == "accepted"


def test_promo_codes_are_discounts_naming_the_offer_their_claim_issued(client, mock):
    mock.post(URL, json=ACCEPTED)

    client.send_transaction(
        request_id="req-1001",
        **SALE,
        discounts=[PromoCodeDiscount("TUESDAY20", user_offer_id="uo-41"), PromoCodeDiscount("FRIDAY")],
    )

    assert sent_json(mock.calls[0])["request_payload"]["discounts"] == [
        {"discount_id": "1", "type": "promo_code", "code": "TUESDAY20", "user_offer_id": "uo-41"},
        {"discount_id": "2", "type": "promo_code", "code": "FRIDAY"},
    ]


@pytest.mark.parametrize(
    ("name", "limit", "entry"),
    [
        ("lines", 1000, TransactionLine("FF-CURLY", 1, Decimal("0.01"))),
        ("discounts", 100, PromoCodeDiscount("TUESDAY20")),
        ("payments", 100, TransactionPayment("CARD", Decimal("0.01"))),
    ],
)
def test_limits(client, mock, name, limit, entry):
    mock.post(URL, json=ACCEPTED)
    at_limit = {**SALE, name: [entry] * limit}
    over_limit = {**SALE, name: [entry] * (limit + 1)}

    client.send_transaction(request_id="req-1", **at_limit)
    with pytest.raises(ValueError, match="items" if name == "lines" else name):
        client.send_transaction(request_id="req-2", **over_limit)
    assert len(mock.calls) == 1


def test_pos_validation_errors_carry_field_details(client, mock):
    mock.post(
        URL,
        json={
            "status": "ERROR",
            "errors": {
                "code": "VALIDATION",
                "message": "invalid transaction",
                "details": {"items[0].item_id": "unknown SKU"},
            },
        },
    )

    with pytest.raises(SessionMValidationError) as caught:
        client.send_transaction(request_id="req-1001", **SALE)
    assert caught.value.code == "validation"
    assert caught.value.field_errors == {"items[0].item_id": "unknown SKU"}


@pytest.mark.parametrize("http_status", [200, 409])
def test_pending_processing_is_a_typed_try_the_same_request_id_later(client, mock, http_status):
    # "If a subsequent request is made with the same request_id, it will return the response when one had
    # already been generated or if it bears an error code of "pending processing""
    # (https://docs.sessionm.com/developer/APIs/POS/general_dto_definitions.htm): the code has a space.
    pending = {"status": "ERROR", "errors": {"code": "pending processing", "message": "Request is pending"}}
    mock.post(URL, status=http_status, json=pending)
    mock.post(URL, json=ACCEPTED)

    with pytest.raises(SessionMPendingProcessing) as caught:
        client.send_transaction(request_id="req-1001", **SALE)

    assert caught.value.code == "pending_processing"
    # A retry-later error, so the API answers 503 (LoyaltyUnavailable), never "bad response".
    assert isinstance(caught.value, UpstreamUnavailable)
    # Sent once per call: the retry is the caller's, later, with the same request id.
    assert len(mock.calls) == 1
    receipt = client.send_transaction(request_id="req-1001", **SALE)
    assert receipt.state == "accepted"
    assert [sent_json(call)["request_id"] for call in mock.calls] == ["req-1001", "req-1001"]
