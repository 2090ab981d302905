"""Everything the till intake refuses, and that nothing reaches SessionM when it does: the old customer
endpoint, unsigned or wrongly signed requests, stale or replayed ones, inactive clients, stores a client
may not use, and forged, expired or used member codes.

SessionM here is `responses` (the `sessionm` fixture): a call nobody registered would fail loudly, and each
test asserts that no transaction was sent."""

import json
import time

import pytest
from django.urls import NoReverseMatch, reverse

from apps.accounts.models import CustomerStatus
from apps.loyalty.member_codes import member_code_issue
from apps.loyalty.models import MemberCode, PosNonce, PosTransaction
from tests.till import pos_client, post_signed, sale, signed_headers

from .conftest import url

pytestmark = pytest.mark.django_db

POS_OK = {"status": "OK", "payload": {"transaction_id": "t-1", "request_id": "r-1", "state": "accepted"}}
MINT = {"items": [{"sku": "FF-CURLY", "quantity": 1, "unit_price": "9999999.99"}]}


@pytest.fixture
def pos(sessionm):
    """The made-up SessionM POS, accepting anything: what matters is whether it was called."""
    sessionm.add("transaction_send", json=POS_OK)
    return sessionm


def nothing_sent(pos) -> bool:
    return pos.calls_to("transaction_send") == [] and PosTransaction.objects.count() == 0


def assert_refused(response, status: int, code: str):
    assert response.status_code == status, response.content
    error = response.json()["error"]
    assert error["code"] == code
    assert error["message"]


# --- A customer cannot report a purchase --------------------------------------------------------------------


def test_the_old_customer_endpoint_is_gone(pos, offline_api):
    with pytest.raises(NoReverseMatch):
        reverse("api:transactions")

    response = offline_api.post("/api/v1/transactions", MINT, format="json")

    assert_refused(response, 404, "not_found")
    assert nothing_sent(pos)


def test_no_customer_api_route_sends_a_pos_transaction(pos, offline_api):
    # Every POST the app API has, with a purchase-shaped body: none of them reaches Cloud POS.
    for name, kwargs in [
        ("promo-codes", {}),
        ("events", {}),
        ("campaign-opt-in", {"campaign_id": "c-1"}),
        ("offer-redeem", {"user_offer_id": "uo-1"}),
        ("reward-purchase", {"offer_id": "o-1"}),
    ]:
        offline_api.post(url(name, **kwargs), MINT, format="json")
    assert nothing_sent(pos)


# --- Signatures ------------------------------------------------------------------------------------------------


@pytest.fixture
def body(offline_customer):
    return sale([("FF-CURLY", 1, "8.00")], customer=offline_customer)


def test_a_signed_request_is_accepted(pos, body):
    # The control for every refusal below: the same body, signed right, goes through.
    assert post_signed(body).status_code == 202
    assert len(pos.calls_to("transaction_send")) == 1


def test_an_unsigned_request_is_a_401(pos, body, client):
    response = client.post("/integrations/pos/transactions", body, content_type="application/json")

    assert_refused(response, 401, "authentication_failed")
    assert response["WWW-Authenticate"].startswith("HMAC-SHA256")
    assert nothing_sent(pos)


@pytest.mark.parametrize("missing", ["X-POS-Key-Id", "X-POS-Timestamp", "X-POS-Nonce", "X-POS-Signature"])
def test_a_missing_header_is_a_401(pos, body, client, missing):
    raw = json.dumps(body).encode()
    headers = signed_headers(client=pos_client(), body=raw)
    del headers[missing]

    response = client.generic("POST", "/integrations/pos/transactions", raw, "application/json", headers=headers)

    assert_refused(response, 401, "authentication_failed")
    assert nothing_sent(pos)


def test_a_wrong_key_is_a_401(pos, body):
    assert_refused(post_signed(body, key="0" * 64), 401, "authentication_failed")
    assert nothing_sent(pos)


def test_another_clients_key_is_a_401(pos, body):
    other = pos_client(key_id="other-till")
    assert_refused(post_signed(body, key=other.signing_key()), 401, "authentication_failed")
    assert nothing_sent(pos)


def test_a_signature_for_another_path_is_a_401(pos, body):
    assert_refused(post_signed(body, path="/integrations/pos/other"), 401, "authentication_failed")
    assert nothing_sent(pos)


def test_a_changed_body_is_a_401(pos, body, client):
    till = pos_client()
    raw = json.dumps(body).encode()
    headers = signed_headers(client=till, body=raw)
    tampered = raw.replace(b'"8.00"', b'"80.00"')

    response = client.generic("POST", "/integrations/pos/transactions", tampered, "application/json", headers=headers)

    assert_refused(response, 401, "authentication_failed")
    assert nothing_sent(pos)


@pytest.mark.parametrize("skew", [-301, 301])
def test_a_stale_or_future_timestamp_is_a_401(pos, body, skew):
    assert_refused(post_signed(body, timestamp=int(time.time()) + skew), 401, "authentication_failed")
    assert nothing_sent(pos)


@pytest.mark.parametrize("timestamp", ["soon", "1e9", "-5"])
def test_a_malformed_timestamp_is_a_401(pos, body, timestamp):
    assert_refused(post_signed(body, timestamp=timestamp), 401, "authentication_failed")
    assert nothing_sent(pos)


@pytest.mark.parametrize("nonce", ["short", "x" * 65, "not a nonce at all!!"])
def test_a_malformed_nonce_is_a_401(pos, body, nonce):
    assert_refused(post_signed(body, nonce=nonce), 401, "authentication_failed")
    assert nothing_sent(pos)


def test_an_unknown_key_id_is_a_401(pos, body, client):
    till = pos_client()
    raw = json.dumps(body).encode()
    headers = {**signed_headers(client=till, body=raw), "X-POS-Key-Id": "nobody"}

    response = client.generic("POST", "/integrations/pos/transactions", raw, "application/json", headers=headers)

    assert_refused(response, 401, "authentication_failed")
    assert nothing_sent(pos)


def test_an_inactive_client_is_a_401(pos, body):
    till = pos_client(active=False)

    assert_refused(post_signed(body, client=till), 401, "authentication_failed")
    assert nothing_sent(pos)


def test_a_rotated_key_stops_working(pos, body):
    till = pos_client()
    old_key = till.signing_key()
    till.key_version += 1
    till.save()

    assert_refused(post_signed(body, client=till, key=old_key), 401, "authentication_failed")
    assert nothing_sent(pos)


def test_a_replayed_signed_request_is_a_409(pos, body, client):
    till = pos_client()
    raw = json.dumps(body).encode()
    headers = signed_headers(client=till, body=raw)

    first = client.generic("POST", "/integrations/pos/transactions", raw, "application/json", headers=headers)
    replay = client.generic("POST", "/integrations/pos/transactions", raw, "application/json", headers=headers)

    assert first.status_code == 202
    assert_refused(replay, 409, "request_replayed")
    assert len(pos.calls_to("transaction_send")) == 1


def test_a_wrongly_signed_request_does_not_burn_the_nonce(pos, body):
    assert post_signed(body, key="0" * 64, nonce="n" * 32).status_code == 401

    assert PosNonce.objects.count() == 0
    assert post_signed(body, nonce="n" * 32).status_code == 202


def test_a_store_the_client_may_not_use_is_a_403(pos, offline_customer):
    response = post_signed(sale([("FF-CURLY", 1, "8.00")], customer=offline_customer, store="FF-ELSEWHERE"))

    assert_refused(response, 403, "store_not_allowed")
    assert nothing_sent(pos)
    assert MemberCode.objects.get().used_at is None


# --- Member codes ----------------------------------------------------------------------------------------------


def test_a_forged_member_code_is_a_422(pos, offline_customer):
    real = member_code_issue(customer=offline_customer).code
    forged = real[:-1] + ("A" if real[-1] != "A" else "B")

    response = post_signed(sale([("FF-CURLY", 1, "8.00")], member_code=forged))

    assert_refused(response, 422, "member_code_invalid")
    assert nothing_sent(pos)


@pytest.mark.parametrize("code", ["", "FF", "FFAAAAAAAAAAAAAAAAAAAAAAAA", "amanda@example.com", "FF" + "!" * 24])
def test_a_made_up_member_code_is_refused(pos, code):
    response = post_signed(sale([("FF-CURLY", 1, "8.00")], member_code=code))

    assert response.status_code in (400, 422)
    assert nothing_sent(pos)


def test_a_well_signed_code_we_no_longer_hold_is_a_422(pos, offline_customer):
    code = member_code_issue(customer=offline_customer).code
    MemberCode.objects.all().delete()

    assert_refused(post_signed(sale([("FF-CURLY", 1, "8.00")], member_code=code)), 422, "member_code_invalid")
    assert nothing_sent(pos)


def test_an_expired_member_code_is_a_422(pos, offline_customer, settings):
    settings.MEMBER_CODE_TTL_SECONDS = 0
    code = member_code_issue(customer=offline_customer).code

    assert_refused(post_signed(sale([("FF-CURLY", 1, "8.00")], member_code=code)), 422, "member_code_expired")
    assert nothing_sent(pos)


def test_a_member_code_is_good_for_one_purchase(pos, offline_customer):
    code = member_code_issue(customer=offline_customer).code
    assert post_signed(sale([("FF-CURLY", 1, "8.00")], member_code=code)).status_code == 202

    response = post_signed(sale([("FF-LARGE", 1, "4.50")], member_code=code))

    assert_refused(response, 422, "member_code_used")
    assert len(pos.calls_to("transaction_send")) == 1


def test_a_member_code_read_from_a_till_forgives_spaces_and_case(pos, offline_customer):
    code = member_code_issue(customer=offline_customer).code
    typed = " ".join([code[:8].lower(), code[8:16], code[16:]])

    assert post_signed(sale([("FF-CURLY", 1, "8.00")], member_code=typed)).status_code == 202


def test_an_unknown_external_id_is_a_422(pos):
    response = post_signed(sale([("FF-CURLY", 1, "8.00")], external_id="0123456789abcdef"))

    assert_refused(response, 422, "customer_unknown")
    assert nothing_sent(pos)


def test_a_forgotten_customers_external_id_is_a_422(pos, offline_customer):
    offline_customer.status = CustomerStatus.FORGOTTEN
    offline_customer.save()

    response = post_signed(sale([("FF-CURLY", 1, "8.00")], external_id=offline_customer.external_id))

    assert_refused(response, 422, "customer_unknown")
    assert nothing_sent(pos)


def test_a_member_code_of_a_customer_forgotten_since_is_a_422(pos, offline_customer):
    code = member_code_issue(customer=offline_customer).code
    offline_customer.status = CustomerStatus.FORGOTTEN
    offline_customer.save()

    assert_refused(post_signed(sale([("FF-CURLY", 1, "8.00")], member_code=code)), 422, "customer_unknown")
    assert nothing_sent(pos)
