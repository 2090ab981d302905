"""Every way a SessionM answer turns into a typed error, and which calls are retried."""

import logging

import pytest
import requests

from apps.sessionm import errors
from apps.sessionm.errors import (
    SessionMAuthError,
    SessionMBadResponse,
    SessionMError,
    SessionMInsufficientPoints,
    SessionMNotFound,
    SessionMOfferNotRedeemable,
    SessionMPromoCodeInvalid,
    SessionMRejected,
    SessionMTimeout,
    SessionMUnavailable,
    SessionMValidationError,
)
from apps.upstream.errors import UpstreamBadResponse, UpstreamTimeout, UpstreamUnavailable

from .conftest import API_KEY, CONNECT, CORE_V1, USER_ID

USER_URL = f"{CORE_V1}/users/{USER_ID}"
PURCHASE_URL = f"{CONNECT}/offers/api/2.0/offers/rewardstores/purchase_offer"
REDEEM_URL = f"{CONNECT}/offers/api/2.0/offers/redemption/manual_redeem"


def purchase(client):
    return client.purchase_offer(
        user_id=USER_ID,
        reward_store_id="rs-1",
        reward_store_offer_id="rso-curly",
        point_account_ids=["pa-1"],
        culture="en-US",
    )


def connect_error(code, message="refused", **extra):
    return {"status": "error", "errors": {"code": code, "type": "validation", "message": message, **extra}}


def test_sessionm_errors_are_upstream_errors_the_api_layer_maps():
    assert issubclass(SessionMUnavailable, UpstreamUnavailable)
    assert issubclass(SessionMTimeout, UpstreamTimeout)
    assert issubclass(SessionMBadResponse, UpstreamBadResponse)
    assert issubclass(SessionMAuthError, SessionMBadResponse)
    for cls in (SessionMInsufficientPoints, SessionMOfferNotRedeemable, SessionMPromoCodeInvalid):
        assert issubclass(cls, SessionMRejected)
    assert SessionMError.upstream == "sessionm"


# --- error envelopes -------------------------------------------------------------------------------------


def test_core_200_with_status_error_is_an_error(client, mock):
    mock.get(USER_URL, json={"status": "error", "errors": {"code": "user_not_found", "message": "user not found"}})

    with pytest.raises(SessionMNotFound) as caught:
        client.get_user(USER_ID)
    assert (caught.value.code, caught.value.status_code) == ("user_not_found", 200)
    assert caught.value.upstream_message == "user not found"


def test_core_404_with_an_error_envelope_is_not_found_even_for_an_unknown_code(client, mock):
    mock.get(USER_URL, status=404, json={"status": "error", "errors": {"code": "gone_fishing"}})

    with pytest.raises(SessionMNotFound) as caught:
        client.get_user(USER_ID)
    assert caught.value.code == "gone_fishing"


def test_404_without_an_envelope_is_a_bad_response(client, mock):
    # A bare 404 means a wrong path or host (our configuration), not a missing customer.
    mock.get(USER_URL, status=404, body="<html>Not Found</html>")

    with pytest.raises(SessionMBadResponse) as caught:
        client.get_user(USER_ID)
    assert not isinstance(caught.value, SessionMNotFound)
    assert isinstance(caught.value.__cause__, ValueError)


@pytest.mark.parametrize(
    ("code", "cls"),
    [
        ("insufficient_points", SessionMInsufficientPoints),
        ("offer_already_redeemed", SessionMOfferNotRedeemable),
        ("offer_expired", SessionMOfferNotRedeemable),
        ("offer_not_redeemable", SessionMOfferNotRedeemable),
        ("promo_code_invalid", SessionMPromoCodeInvalid),
        ("promo_code_already_claimed", SessionMPromoCodeInvalid),
        ("user_not_found", SessionMNotFound),
        ("not_found", SessionMNotFound),
        ("user_offer_not_found", SessionMNotFound),
        ("offer_not_found", SessionMNotFound),
        ("reward_store_offer_not_found", SessionMNotFound),
        ("validation", SessionMValidationError),
        ("missing_data", SessionMValidationError),
        ("argument_error", SessionMValidationError),
        ("unknown_event", SessionMValidationError),
        ("invalid_api_key", SessionMAuthError),
        ("access_denied", SessionMAuthError),
        ("not_available", SessionMRejected),
        ("some_new_rule", SessionMRejected),
    ],
)
def test_connect_error_codes(client, mock, code, cls):
    mock.post(REDEEM_URL, json=connect_error(code))

    with pytest.raises(cls) as caught:
        client.redeem_offer("uo-41")
    assert type(caught.value) is cls
    assert caught.value.code == code


def test_codes_in_upper_case_are_read_lower_cased(client, mock):
    mock.post(PURCHASE_URL, json=connect_error("INSUFFICIENT_POINTS", "Not enough points"))

    with pytest.raises(SessionMInsufficientPoints) as caught:
        purchase(client)
    assert caught.value.code == errors.INSUFFICIENT_POINTS


def test_connect_error_with_only_an_error_string(client, mock):
    mock.post(REDEEM_URL, json={"status": "error", "errors": {"error": "offer_expired"}})

    with pytest.raises(SessionMOfferNotRedeemable):
        client.redeem_offer("uo-41")


def test_connect_error_prose_is_never_taken_for_a_code(client, mock):
    mock.post(REDEEM_URL, json={"status": "error", "errors": {"error": "Offer for amanda@example.com is gone"}})

    with pytest.raises(SessionMBadResponse) as caught:
        client.redeem_offer("uo-41")
    assert caught.value.code is None
    assert caught.value.upstream_message == "Offer for amanda@example.com is gone"
    assert "amanda" not in str(caught.value)


def test_error_envelope_without_a_code_is_a_bad_response(client, mock):
    mock.post(REDEEM_URL, json={"status": "error", "errors": {"message": "something"}})

    with pytest.raises(SessionMBadResponse):
        client.redeem_offer("uo-41")


def test_core_validation_field_errors(client, mock):
    mock.post(
        f"{CORE_V1}/users",
        json={
            "status": "error",
            "errors": {
                "code": "validation",
                "message": "Validation failed",
                "user": {"email": "has already been taken", "dob": ["is invalid", "must be over 13"]},
            },
        },
    )

    with pytest.raises(SessionMValidationError) as caught:
        client.create_user(external_id="ff_1", email="amanda@example.com")
    assert caught.value.field_errors == {"email": "has already been taken", "dob": "is invalid; must be over 13"}
    assert caught.value.details == caught.value.field_errors


def test_validation_without_field_errors(client, mock):
    mock.post(
        f"{CONNECT}/incentives/api/1.0/user_events/trigger_user_event",
        json=connect_error("unknown_event", "no such event"),
    )

    with pytest.raises(SessionMValidationError) as caught:
        client.trigger_event(USER_ID, "moon_landing", culture="en-US")
    assert caught.value.field_errors == {}


# --- HTTP statuses -----------------------------------------------------------------------------------------


@pytest.mark.parametrize("status", [401, 403])
def test_core_credentials_refused(client, mock, status):
    mock.get(USER_URL, status=status, json={"status": "error", "errors": {"code": "invalid_api_key"}})

    with pytest.raises(SessionMAuthError) as caught:
        client.get_user(USER_ID)
    assert caught.value.status_code == status
    assert len(mock.calls) == 1


def test_connect_credentials_refused(client, mock):
    mock.post(PURCHASE_URL, status=401, json={"status": "error", "errors": {"error": "unauthorized"}})

    with pytest.raises(SessionMAuthError) as caught:
        purchase(client)
    assert caught.value.code == "unauthorized"


def test_401_without_json_is_still_an_auth_error(client, mock):
    mock.get(USER_URL, status=401, body="Unauthorized")

    with pytest.raises(SessionMAuthError):
        client.get_user(USER_ID)


def test_429_is_unavailable_and_not_hammered(client, mock):
    mock.get(USER_URL, status=429, json={"status": "error", "errors": {"code": "rate_limited"}})

    with pytest.raises(SessionMUnavailable) as caught:
        client.get_user(USER_ID)
    assert caught.value.status_code == 429
    assert len(mock.calls) == 1


def test_500_on_a_read_is_retried_then_unavailable(client, mock):
    mock.get(USER_URL, status=500, body="Internal Server Error")

    with pytest.raises(SessionMUnavailable) as caught:
        client.get_user(USER_ID)
    assert caught.value.status_code == 500
    assert len(mock.calls) == 3  # the first try and two retries


def test_500_on_a_read_is_retried_and_succeeds(client, mock):
    mock.get(USER_URL, status=500, json={"status": "error", "errors": {"code": "internal"}})
    mock.get(USER_URL, json={"status": "ok", "user": {"id": USER_ID}})

    user = client.get_user(USER_ID)

    assert user.id == USER_ID
    assert len(mock.calls) == 2


def test_500_on_purchase_is_not_retried(client, mock):
    # A lost answer may hide a purchase that happened: repeating it could spend the points twice.
    mock.post(PURCHASE_URL, status=500, body="oops")

    with pytest.raises(SessionMUnavailable):
        purchase(client)
    assert len(mock.calls) == 1


def test_timeout_is_retried_on_a_read_then_reported(client, mock):
    mock.get(USER_URL, body=requests.ReadTimeout("read timed out"))

    with pytest.raises(SessionMTimeout) as caught:
        client.get_user(USER_ID)
    assert isinstance(caught.value.__cause__, requests.Timeout)
    assert len(mock.calls) == 3


def test_timeout_on_purchase_is_not_retried(client, mock):
    mock.post(PURCHASE_URL, body=requests.ReadTimeout("read timed out"))

    with pytest.raises(SessionMTimeout):
        purchase(client)
    assert len(mock.calls) == 1


def test_connection_error_is_unavailable(client, mock):
    mock.post(PURCHASE_URL, body=requests.ConnectionError("connection refused"))

    with pytest.raises(SessionMUnavailable) as caught:
        purchase(client)
    assert isinstance(caught.value.__cause__, requests.ConnectionError)
    assert len(mock.calls) == 1


# --- answers we cannot use ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "answer",
    [
        {"body": "<html>maintenance</html>", "content_type": "text/html"},
        {"json": ["not", "an", "envelope"]},
        {"json": {"user": {"id": USER_ID}}},  # no status
        {"json": {"status": "pending", "user": {"id": USER_ID}}},
        {"json": {"status": "ok"}},  # no user
        {"json": {"status": "ok", "user": {"email": "amanda@example.com"}}},  # a user without an id
        {"json": {"status": "ok", "user": {"id": USER_ID, "created_at": "yesterday"}}},
        {"json": {"status": "ok", "user": {"id": USER_ID, "available_points": "lots"}}},
        {"json": {"status": "ok", "user": "amanda"}},
        {"status": 302, "json": {"status": "ok", "user": {"id": USER_ID}}},
    ],
)
def test_unusable_answers_are_bad_responses(client, mock, answer):
    mock.get(USER_URL, **answer)

    with pytest.raises(SessionMBadResponse) as caught:
        client.get_user(USER_ID)
    assert not isinstance(caught.value, SessionMAuthError)


def test_unexpected_shape_is_chained_to_its_cause(client, mock):
    mock.post(
        f"{CONNECT}/offers/api/2.0/offers/get_user_offers",
        json={"status": "ok", "payload": {"user_offers": [{"id": "uo-1", "redemption_end_date": 17}]}},
    )

    with pytest.raises(SessionMBadResponse) as caught:
        client.get_user_offers(USER_ID, culture="en-US")
    assert isinstance(caught.value.__cause__, TypeError)


def test_non_json_success_is_chained_to_the_decode_error(client, mock):
    mock.get(USER_URL, body="OK")

    with pytest.raises(SessionMBadResponse) as caught:
        client.get_user(USER_ID)
    assert isinstance(caught.value.__cause__, ValueError)


# --- what reaches logs ---------------------------------------------------------------------------------------


def test_logs_and_messages_name_the_route_never_the_key_or_customer_data(client, mock, caplog):
    mock.get(USER_URL, json={"status": "ok", "user": {"id": USER_ID, "email": "amanda@example.com"}})
    mock.post(
        f"{CORE_V1}/users",
        json={
            "status": "error",
            "errors": {"code": "validation", "message": "amanda@example.com is taken", "user": {"email": "taken"}},
        },
    )
    mock.post(PURCHASE_URL, status=500, body="oops")

    with caplog.at_level(logging.INFO, logger="apps"):
        client.get_user(USER_ID)
        with pytest.raises(SessionMValidationError) as refused:
            client.create_user(external_id="ff_1", email="amanda@example.com")
        with pytest.raises(SessionMUnavailable) as failed:
            purchase(client)

    text = caplog.text + str(refused.value) + str(failed.value)
    assert "sessionm user_get -> HTTP 200" in caplog.text
    assert "sessionm user_create" in caplog.text
    assert "sessionm reward_store_purchase" in caplog.text
    for secret in (API_KEY, "core-secret", "connect-secret", "amanda@example.com", "stg-sessionm.com"):
        assert secret not in text
