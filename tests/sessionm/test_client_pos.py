"""Cloud POS send_transaction: the envelope, its credentials, limits and idempotent retries."""

import pytest

from apps.sessionm.errors import SessionMPendingProcessing, SessionMValidationError
from apps.upstream.errors import UpstreamUnavailable

from .conftest import POS, POS_AUTH, TIMEOUT, USER_ID, sent_json

URL = f"{POS}/api/2.0/send_transaction"

TRANSACTION = {
    "transaction_id": "ff-order-1001",
    "is_closed": True,
    "is_voided": False,
    "subtotal": "18.00",
    "tax_total": "0.00",
    "open_time": "2025-06-03T18:20:00Z",
    "modified_time": "2025-06-03T18:20:00Z",
    "channel": "MOBILE",
    "items": [
        {"line_id": 1, "item_id": "FF-PULLED-PORK", "quantity": 1, "unit_price": "10.00", "subtotal": "10.00"},
        {"line_id": 2, "item_id": "FF-CURLY", "quantity": 1, "unit_price": "8.00", "subtotal": "8.00"},
    ],
    "payments": [
        {"payment_id": "p-1", "amount": "18.00", "type": "CARD", "user_id": USER_ID, "user_id_type": "SessionM_ID"}
    ],
    "discounts": [],
}
ACCEPTED = {
    "status": "OK",
    "payload": {"transaction_id": "ff-order-1001", "request_id": "req-1001", "state": "accepted"},
}


def test_send_transaction_wraps_the_transaction_in_the_pos_envelope(client, mock):
    mock.post(URL, json=ACCEPTED)

    receipt = client.send_transaction(request_id="req-1001", transaction=TRANSACTION, culture="en-US")

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

    client.send_transaction(request_id="req-1001", transaction=TRANSACTION)

    assert "culture" not in sent_json(mock.calls[0])


def test_request_id_makes_a_failed_send_safe_to_repeat(client, mock):
    mock.post(URL, status=503, body="busy")
    mock.post(URL, json=ACCEPTED)

    receipt = client.send_transaction(request_id="req-1001", transaction=TRANSACTION)

    assert len(mock.calls) == 2
    assert sent_json(mock.calls[0])["request_id"] == sent_json(mock.calls[1])["request_id"] == "req-1001"
    assert receipt.state == "accepted"


@pytest.mark.parametrize(("name", "limit"), [("items", 1000), ("discounts", 100), ("payments", 100)])
def test_limits(client, mock, name, limit):
    mock.post(URL, json=ACCEPTED)
    at_limit = {**TRANSACTION, name: [{"line_id": i} for i in range(limit)]}
    over_limit = {**TRANSACTION, name: [{"line_id": i} for i in range(limit + 1)]}

    client.send_transaction(request_id="req-1", transaction=at_limit)
    with pytest.raises(ValueError, match=name):
        client.send_transaction(request_id="req-2", transaction=over_limit)
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
        client.send_transaction(request_id="req-1001", transaction=TRANSACTION)
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
        client.send_transaction(request_id="req-1001", transaction=TRANSACTION)

    assert caught.value.code == "pending_processing"
    # A retry-later error, so the API answers 503 (LoyaltyUnavailable), never "bad response".
    assert isinstance(caught.value, UpstreamUnavailable)
    # Sent once per call: the retry is the caller's, later, with the same request id.
    assert len(mock.calls) == 1
    receipt = client.send_transaction(request_id="req-1001", transaction=TRANSACTION)
    assert receipt.state == "accepted"
    assert [sent_json(call)["request_id"] for call in mock.calls] == ["req-1001", "req-1001"]
