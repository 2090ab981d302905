"""The Braze client against recorded-shape answers (`responses`): what goes on the wire, and every error mapping."""

import json
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
import requests
import responses
from django.test import override_settings

from apps.braze import get_braze_client
from apps.braze.client import BrazeClient
from apps.braze.errors import (
    BrazeAuthError,
    BrazeBadResponse,
    BrazeError,
    BrazeRateLimited,
    BrazeRequestRejected,
    BrazeTimeout,
    BrazeUnavailable,
)
from apps.braze.types import RateLimit, Recipient
from apps.upstream.errors import UpstreamBadResponse, UpstreamError, UpstreamTimeout, UpstreamUnavailable
from apps.upstream.session import build_session

BASE = "https://rest.iad-01.braze.com"
KEY = "braze-test-key-5f1c"
RESET = 1_900_000_800
RATE_HEADERS = {"X-RateLimit-Limit": "250000", "X-RateLimit-Remaining": "249990", "X-RateLimit-Reset": str(RESET)}
DISPATCH = "5a8a7b6c5d4e3f2a1b0c9d8e7f6a5b4c"


@pytest.fixture
def sleeps():
    return []


@pytest.fixture
def client(sleeps):
    return BrazeClient(
        rest_url=BASE + "/", api_key=KEY, timeout=(1.5, 7.0), session=build_session(), sleep=sleeps.append
    )


@pytest.fixture
def mocked():
    with responses.RequestsMock(assert_all_requests_are_fired=False) as rsps:
        yield rsps


def sent_json(call):
    return json.loads(call.request.body)


def success(mocked, path, body=None, headers=RATE_HEADERS, status=201):
    mocked.add(
        responses.POST,
        BASE + path,
        json=body if body is not None else {"dispatch_id": DISPATCH, "message": "success"},
        status=status,
        headers=headers,
    )


# --- Trigger sends -----------------------------------------------------------------------------------------


def test_trigger_campaign_sends_the_documented_request(client, mocked):
    success(mocked, "/campaigns/trigger/send")

    result = client.trigger(
        target={"type": "campaign", "id": "camp-welcome"},
        recipients=[
            Recipient(
                "user-1",
                trigger_properties={"email": "amanda@example.com"},
                attributes={"email": "amanda@example.com", "language": "pt"},
                send_to_existing_only=False,
            ),
            Recipient("user-2"),
        ],
        properties={"campaign": "welcome", "points": 100},
        send_id="welcome",
    )

    (call,) = mocked.calls
    assert call.request.method == "POST"
    assert call.request.url == BASE + "/campaigns/trigger/send"
    assert call.request.headers["Authorization"] == f"Bearer {KEY}"
    assert call.request.headers["Content-Type"] == "application/json"
    assert call.request.req_kwargs["timeout"] == (1.5, 7.0)
    assert sent_json(call) == {
        "campaign_id": "camp-welcome",
        "trigger_properties": {"campaign": "welcome", "points": 100},
        "send_id": "welcome",
        "recipients": [
            {
                "external_user_id": "user-1",
                "trigger_properties": {"email": "amanda@example.com"},
                "attributes": {"email": "amanda@example.com", "language": "pt"},
                "send_to_existing_only": False,
            },
            {"external_user_id": "user-2", "send_to_existing_only": True},
        ],
    }
    assert "broadcast" not in sent_json(call)
    assert result.dispatch_id == DISPATCH
    assert result.errors == []
    assert result.rate_limit == RateLimit(
        limit=250000, remaining=249990, reset_at=datetime.fromtimestamp(RESET, tz=UTC)
    )


def test_trigger_canvas_names_properties_canvas_entry_properties(client, mocked):
    success(mocked, "/canvas/trigger/send")

    client.trigger(
        target={"type": "canvas", "id": "canvas-offer"},
        recipients=[Recipient("user-1", trigger_properties={"offer_id": "o-1"})],
        properties={"kind": "offer_issued"},
    )

    assert sent_json(mocked.calls[0]) == {
        "canvas_id": "canvas-offer",
        "canvas_entry_properties": {"kind": "offer_issued"},
        "recipients": [
            {
                "external_user_id": "user-1",
                "canvas_entry_properties": {"offer_id": "o-1"},
                "send_to_existing_only": True,
            }
        ],
    }


def test_trigger_sends_to_the_configured_target(client, mocked):
    success(mocked, "/campaigns/trigger/send")
    success(mocked, "/canvas/trigger/send")

    client.trigger(target={"type": "campaign", "id": "c-1"}, recipients=[Recipient("u")], properties={"a": 1})
    client.trigger(target={"type": "canvas", "id": "v-1"}, recipients=[Recipient("u")], properties={"a": 1})

    campaign_body, canvas_body = (sent_json(call) for call in mocked.calls)
    assert campaign_body["campaign_id"] == "c-1"
    assert campaign_body["trigger_properties"] == {"a": 1}
    assert canvas_body["canvas_id"] == "v-1"
    assert canvas_body["canvas_entry_properties"] == {"a": 1}


def test_trigger_refuses_an_unknown_target_type(client, mocked):
    with pytest.raises(ValueError, match="target type"):
        client.trigger(target={"type": "segment", "id": "x"}, recipients=[Recipient("u")])
    assert len(mocked.calls) == 0


def test_dates_and_decimals_in_properties_are_sent_as_strings(client, mocked):
    success(mocked, "/campaigns/trigger/send")

    client.trigger(
        target={"type": "campaign", "id": "c"},
        recipients=[Recipient("u")],
        properties={"expires_at": datetime(2026, 12, 1, 10, 0, tzinfo=UTC), "price": Decimal("4.50")},
    )

    assert sent_json(mocked.calls[0])["trigger_properties"] == {
        "expires_at": "2026-12-01T10:00:00+00:00",
        "price": "4.50",
    }


def test_success_with_non_fatal_errors_is_kept_on_the_result(client, mocked):
    errors = [{"type": "The recipient was not found", "index": 1}]
    success(mocked, "/campaigns/trigger/send", body={"dispatch_id": DISPATCH, "message": "success", "errors": errors})

    result = client.trigger(target={"type": "campaign", "id": "c"}, recipients=[Recipient("a"), Recipient("b")])

    assert result.dispatch_id == DISPATCH
    assert result.errors == errors


def test_rate_limit_headers_are_read_case_insensitively(client, mocked):
    lower = {"x-ratelimit-limit": "100", "x-ratelimit-remaining": "3", "x-ratelimit-reset": str(RESET)}
    success(mocked, "/campaigns/trigger/send", headers=lower)

    result = client.trigger(target={"type": "campaign", "id": "c"}, recipients=[Recipient("a")])

    assert result.rate_limit == RateLimit(limit=100, remaining=3, reset_at=datetime.fromtimestamp(RESET, tz=UTC))


def test_an_answer_without_rate_limit_headers_has_no_rate_limit(client, mocked):
    success(mocked, "/campaigns/trigger/send", headers={})

    assert client.trigger(target={"type": "campaign", "id": "c"}, recipients=[Recipient("a")]).rate_limit is None


# --- Limits enforced before sending ------------------------------------------------------------------------


@pytest.mark.parametrize(
    "kwargs, message",
    [
        ({"recipients": [Recipient(f"u{i}") for i in range(51)]}, "at most 50 recipients"),
        ({"recipients": []}, "at least one recipient"),
        ({"recipients": [Recipient("")]}, "external_user_id"),
        ({"recipients": [Recipient("u", send_to_existing_only=False)]}, "needs attributes"),
        ({"recipients": [Recipient("u", trigger_properties={"x": "a" * 51_200})]}, "at most 51200"),
        ({"recipients": [Recipient("u")], "properties": {"x": "a" * 51_200}}, "at most 51200"),
        ({"recipients": [Recipient("u")], "target": {"type": "campaign", "id": ""}}, "campaign_id"),
        ({"recipients": [Recipient("u")], "target": {"type": "canvas"}}, "canvas_id"),
    ],
)
def test_trigger_limits_are_enforced_before_sending(client, mocked, kwargs, message):
    kwargs = {"target": {"type": "campaign", "id": "c"}, **kwargs}
    with pytest.raises(ValueError, match=message):
        client.trigger(**kwargs)
    assert len(mocked.calls) == 0


def test_fifty_recipients_and_properties_just_under_the_limit_are_sent(client, mocked):
    success(mocked, "/campaigns/trigger/send")
    # {"x":"..."} is 8 bytes of JSON around the value.
    properties = {"x": "a" * (51_200 - 8)}

    client.trigger(
        target={"type": "campaign", "id": "c"},
        recipients=[Recipient(f"u{i}") for i in range(50)],
        properties=properties,
    )

    assert len(sent_json(mocked.calls[0])["recipients"]) == 50


@pytest.mark.parametrize(
    "kwargs, message",
    [
        ({"attributes": [{"external_id": f"u{i}"} for i in range(76)]}, "at most 75"),
        ({"events": [{"external_id": "u", "name": "e", "time": "t"}] * 76}, "at most 75"),
        ({"attributes": [{"first_name": "A"}]}, "exactly one of"),
        ({"attributes": [{"external_id": "u", "braze_id": "b"}]}, "exactly one of"),
        ({"attributes": [{"email": "a@example.com", "phone": "+15550100"}]}, "exactly one of"),
        ({"events": [{"external_id": "u", "name": "app_review"}]}, "missing time"),
        ({"purchases": [{"external_id": "u", "product_id": "FF-CURLY", "time": "t"}]}, "missing currency, price"),
        ({}, "at least one"),
    ],
)
def test_track_limits_are_enforced_before_sending(client, mocked, kwargs, message):
    with pytest.raises(ValueError, match=message):
        client.track_users(**kwargs)
    assert len(mocked.calls) == 0


@pytest.mark.parametrize(
    "ids, message", [([f"u{i}" for i in range(51)], "at most 50"), ([], "at least one"), (["u", ""], "non-empty")]
)
def test_delete_limits_are_enforced_before_sending(client, mocked, ids, message):
    with pytest.raises(ValueError, match=message):
        client.delete_users(ids)
    assert len(mocked.calls) == 0


# --- Users -------------------------------------------------------------------------------------------------


def test_track_users_sends_only_the_arrays_given_and_reads_the_counts(client, mocked):
    success(
        mocked,
        "/users/track",
        body={"message": "success", "attributes_processed": 1, "events_processed": 1},
    )
    event = {"external_id": "u", "name": "survey_completed", "time": datetime(2026, 11, 1, tzinfo=UTC)}

    result = client.track_users(attributes=[{"external_id": "u", "first_name": "Amanda"}], events=[event])

    (call,) = mocked.calls
    assert call.request.url == BASE + "/users/track"
    assert call.request.req_kwargs["timeout"] == (1.5, 7.0)
    assert sent_json(call) == {
        "attributes": [{"external_id": "u", "first_name": "Amanda"}],
        "events": [{"external_id": "u", "name": "survey_completed", "time": "2026-11-01T00:00:00+00:00"}],
    }
    assert (result.attributes_processed, result.events_processed, result.purchases_processed) == (1, 1, 0)
    assert result.rate_limit.remaining == 249990


def test_delete_users_returns_the_number_braze_reports(client, mocked):
    success(mocked, "/users/delete", body={"deleted": 2, "message": "success"})

    result = client.delete_users(["u1", "u2"])
    assert (result.deleted, result.invalid_user_ids, result.queued) == (2, [], False)
    assert sent_json(mocked.calls[0]) == {"external_ids": ["u1", "u2"]}


def test_delete_users_lists_ids_braze_has_no_profile_for(client, mocked):
    # https://braze.com/docs/api/endpoints/user_data/post_user_delete: unknown ids are not an error.
    success(mocked, "/users/delete", body={"deleted": 1, "invalid_user_ids": ["u2"], "message": "success"})

    result = client.delete_users(["u1", "u2"])
    assert (result.deleted, result.invalid_user_ids) == (1, ["u2"])


def test_track_objects_are_limited_to_75_combined(client, mocked):
    # "Up to 75 objects total combined across attributes, events and purchases" (https://braze.com/docs/api/api_limits).
    attributes = [{"external_id": f"u{i}"} for i in range(40)]
    events = [{"external_id": "u", "name": "e", "time": "2026-11-01T00:00:00Z"}] * 36
    with pytest.raises(ValueError, match="combined"):
        client.track_users(attributes=attributes, events=events)
    assert len(mocked.calls) == 0


QUEUED = {"message": "queued"}


@pytest.mark.parametrize(
    "path, call",
    [
        (
            "/campaigns/trigger/send",
            lambda c: c.trigger(target={"type": "campaign", "id": "c"}, recipients=[Recipient("u")]),
        ),
        (
            "/canvas/trigger/send",
            lambda c: c.trigger(target={"type": "canvas", "id": "v"}, recipients=[Recipient("u")]),
        ),
        ("/users/track", lambda c: c.track_users(attributes=[{"external_id": "u", "first_name": "A"}])),
        ("/users/delete", lambda c: c.delete_users(["u"])),
    ],
)
def test_202_queued_during_maintenance_is_a_success_never_sent_again(client, mocked, sleeps, path, call):
    # "During times of maintenance ... HTTP Accepted 202 ... {"message": "queued"} ... we have received and
    # queued the API call" (https://braze.com/docs/api/errors): sending it again would send twice.
    success(mocked, path, body=QUEUED, status=202)

    result = call(client)

    assert result.queued is True
    assert len(mocked.calls) == 1 and sleeps == []


# --- Errors ------------------------------------------------------------------------------------------------


def fail(mocked, path, status, body=None, headers=RATE_HEADERS, **kwargs):
    if body is None and "body" not in kwargs:
        kwargs["json"] = {"message": "error"}
    elif body is not None:
        kwargs["json"] = body
    mocked.add(responses.POST, BASE + path, status=status, headers=headers, **kwargs)


def trigger(client):
    return client.trigger(target={"type": "campaign", "id": "c"}, recipients=[Recipient("u")])


def test_401_is_an_auth_error_that_never_repeats_the_key(client, mocked):
    fail(mocked, "/campaigns/trigger/send", 401, body={"message": f"Invalid API key: {KEY}"})

    with pytest.raises(BrazeAuthError) as caught:
        trigger(client)

    assert caught.value.status_code == 401
    assert KEY not in str(caught.value)
    assert "cluster" in str(caught.value)
    assert caught.value.rate_limit.limit == 250000
    assert isinstance(caught.value, UpstreamBadResponse)


def test_403_is_an_auth_error(client, mocked):
    fail(mocked, "/users/track", 403, body={"message": "Missing permission users.track"})

    with pytest.raises(BrazeAuthError, match="missing permission") as caught:
        client.track_users(attributes=[{"external_id": "u", "first_name": "A"}])
    assert caught.value.status_code == 403


@pytest.mark.parametrize("status", [400, 404])
def test_other_4xx_are_rejections_with_braze_message(client, mocked, status):
    fail(mocked, "/campaigns/trigger/send", status, body={"message": "Invalid campaign_id", "errors": ["bad"]})

    with pytest.raises(BrazeRequestRejected, match="Invalid campaign_id") as caught:
        trigger(client)

    assert caught.value.status_code == status
    assert caught.value.details == {"errors": ["bad"]}
    assert caught.value.rate_limit.remaining == 249990
    assert len(mocked.calls) == 1


def test_429_is_rate_limited_until_the_reset_header(client, mocked):
    fail(mocked, "/campaigns/trigger/send", 429, headers={**RATE_HEADERS, "X-RateLimit-Remaining": "0"})

    with pytest.raises(BrazeRateLimited) as caught:
        trigger(client)

    assert caught.value.reset_at == datetime.fromtimestamp(RESET, tz=UTC)
    assert caught.value.rate_limit.remaining == 0
    assert len(mocked.calls) == 1


def test_429_without_a_reset_header_waits_for_the_next_hour(client, mocked):
    fail(mocked, "/campaigns/trigger/send", 429, headers={})
    before = datetime.now(UTC)

    with pytest.raises(BrazeRateLimited) as caught:
        trigger(client)

    reset_at = caught.value.reset_at
    assert (reset_at.minute, reset_at.second, reset_at.microsecond) == (0, 0, 0)
    assert before < reset_at <= before + timedelta(hours=1)
    assert caught.value.rate_limit is None


@pytest.mark.parametrize("status", [500, 502, 503, 504])
def test_5xx_is_unavailable_and_a_trigger_send_is_never_retried(client, mocked, sleeps, status):
    fail(mocked, "/campaigns/trigger/send", status)

    with pytest.raises(BrazeUnavailable) as caught:
        trigger(client)

    assert caught.value.status_code == status
    assert isinstance(caught.value, UpstreamUnavailable)
    assert len(mocked.calls) == 1
    assert sleeps == []


def test_users_track_is_never_retried(client, mocked):
    fail(mocked, "/users/track", 503)

    with pytest.raises(BrazeUnavailable):
        client.track_users(events=[{"external_id": "u", "name": "app_review", "time": "2026-11-01T00:00:00Z"}])
    assert len(mocked.calls) == 1


def test_delete_is_retried_after_5xx_and_transport_errors(client, mocked, sleeps):
    mocked.add(responses.POST, BASE + "/users/delete", status=503, json={"message": "busy"})
    mocked.add(responses.POST, BASE + "/users/delete", body=requests.ConnectionError("reset"))
    mocked.add(responses.POST, BASE + "/users/delete", status=201, json={"deleted": 1, "message": "success"})

    assert client.delete_users(["u1"]).deleted == 1
    assert len(mocked.calls) == 3
    assert len(sleeps) == 2


def test_delete_gives_up_after_its_retries(client, mocked, sleeps):
    fail(mocked, "/users/delete", 500)

    with pytest.raises(BrazeUnavailable):
        client.delete_users(["u1"])
    assert len(mocked.calls) == 3


def test_a_timeout_is_braze_timeout_and_not_retried(client, mocked):
    mocked.add(responses.POST, BASE + "/campaigns/trigger/send", body=requests.ReadTimeout("slow"))

    with pytest.raises(BrazeTimeout) as caught:
        trigger(client)

    assert isinstance(caught.value, UpstreamTimeout)
    assert isinstance(caught.value.__cause__, requests.ReadTimeout)
    assert caught.value.rate_limit is None
    assert len(mocked.calls) == 1


def test_a_connection_error_is_unavailable(client, mocked):
    mocked.add(responses.POST, BASE + "/campaigns/trigger/send", body=requests.ConnectionError("refused"))

    with pytest.raises(BrazeUnavailable) as caught:
        trigger(client)
    assert isinstance(caught.value.__cause__, requests.ConnectionError)


def test_a_success_status_with_a_body_that_is_not_json_is_a_bad_response(client, mocked):
    mocked.add(responses.POST, BASE + "/campaigns/trigger/send", status=201, body="<html>ok</html>")

    with pytest.raises(BrazeBadResponse):
        trigger(client)


def test_a_success_status_without_the_success_message_is_a_bad_response(client, mocked):
    success(mocked, "/campaigns/trigger/send", body={"message": "queued"})

    with pytest.raises(BrazeBadResponse) as caught:
        trigger(client)
    assert not isinstance(caught.value, BrazeAuthError)
    assert caught.value.rate_limit.limit == 250000


def test_a_redirect_is_not_followed(client, mocked):
    mocked.add(responses.POST, BASE + "/campaigns/trigger/send", status=301, headers={"Location": "https://elsewhere/"})

    with pytest.raises(BrazeBadResponse, match="HTTP 301"):
        trigger(client)
    assert len(mocked.calls) == 1


def test_every_error_is_an_upstream_error_named_braze():
    for cls in (BrazeUnavailable, BrazeTimeout, BrazeBadResponse, BrazeAuthError, BrazeRequestRejected):
        error = cls("x")
        assert isinstance(error, BrazeError)
        assert isinstance(error, UpstreamError)
        assert error.upstream == "braze"
        assert error.rate_limit is None


# --- The process-wide client -------------------------------------------------------------------------------


def test_get_braze_client_is_built_once_from_settings(mocked):
    get_braze_client.cache_clear()
    try:
        with override_settings(BRAZE_REST_URL=BASE, BRAZE_API_KEY="from-settings", BRAZE_TIMEOUT=(1.0, 4.0)):
            client = get_braze_client()
            assert get_braze_client() is client
            success(mocked, "/users/delete", body={"deleted": 0, "message": "success"})
            client.delete_users(["u"])
    finally:
        get_braze_client.cache_clear()

    (call,) = mocked.calls
    assert call.request.headers["Authorization"] == "Bearer from-settings"
    assert call.request.req_kwargs["timeout"] == (1.0, 4.0)


def test_every_braze_route_names_the_page_it_follows():
    from apps.braze.routes import ROUTES

    assert all(route.doc.startswith("https://braze.com/docs/api/") for route in ROUTES.values())
