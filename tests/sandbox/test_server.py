"""The sandbox WSGI server: routing from the route tables, credentials per product, vendor error shapes, and the
control endpoints of the standalone server."""

import base64
import json
from dataclasses import dataclass
from io import BytesIO

import pytest
from django.conf import settings

from apps.sandbox import faults, server
from apps.sandbox.braze.ratelimit import HourlyWindow, track_window
from apps.sandbox.http import SandboxResponse
from apps.upstream.inprocess import READ_TIMEOUT_ENVIRON_KEY

pytestmark = pytest.mark.django_db


@dataclass
class Answer:
    status: int
    headers: dict
    body: object


def call(method, path, *, body=None, headers=None, inprocess=True, read_timeout=5.0, query="", app=None):
    """Call the WSGI application as the in-process transport (or a real HTTP server) would."""
    raw = body if isinstance(body, bytes) else json.dumps(body).encode() if body is not None else b""
    environ = {
        "REQUEST_METHOD": method,
        "PATH_INFO": path,
        "QUERY_STRING": query,
        "CONTENT_LENGTH": str(len(raw)),
        "CONTENT_TYPE": "application/json",
        "SERVER_NAME": "sandbox.test",
        "SERVER_PORT": "80",
        "wsgi.input": BytesIO(raw),
        "wsgi.url_scheme": "http",
    }
    if inprocess:
        environ[READ_TIMEOUT_ENVIRON_KEY] = read_timeout
    for name, value in (headers or {}).items():
        environ["HTTP_" + name.upper().replace("-", "_")] = value
    captured = {}

    def start_response(status, response_headers, exc_info=None):
        captured["status"] = int(status.split()[0])
        captured["headers"] = {name.lower(): value for name, value in response_headers}

    content = b"".join((app or server.application)(environ, start_response))
    assert captured["headers"]["content-length"] == str(len(content))
    return Answer(captured["status"], captured["headers"], json.loads(content) if content else None)


def basic(key, secret):
    return "Basic " + base64.b64encode(f"{key}:{secret}".encode()).decode()


def core_auth():
    return {"Authorization": basic(settings.SESSIONM_API_KEY, settings.SESSIONM_API_SECRET)}


def connect_auth():
    return {"Authorization": basic(settings.SESSIONM_CONNECT_KEY, settings.SESSIONM_CONNECT_SECRET)}


def pos_auth():
    return {"Authorization": basic(settings.SESSIONM_POS_KEY, settings.SESSIONM_POS_SECRET)}


def braze_auth():
    return {"Authorization": f"Bearer {settings.BRAZE_API_KEY}"}


def core_path(rest):
    return f"/sessionm/core/priv/v1/apps/{settings.SESSIONM_API_KEY}{rest}"


CONNECT_BALANCES = "/sessionm/connect/incentives/api/1.0/user_points/all_balances"
POS_SEND = "/sessionm/pos/api/2.0/send_transaction"
BRAZE_TRIGGER = "/braze/campaigns/trigger/send"


@pytest.fixture(autouse=True)
def _fresh_process_state():
    faults.invalidate_cache()
    server.stats.reset()
    yield
    faults.invalidate_cache()
    server.stats.reset()


@pytest.fixture
def recorded(monkeypatch):
    """Replace the vendors' handlers with one that records the request it is given."""
    seen = []

    def handler(request):
        seen.append(request)
        return SandboxResponse(200, {"status": "ok", "route": request.route})

    monkeypatch.setattr(server, "_handler", lambda upstream, route: handler)
    return seen


# --- Routing -----------------------------------------------------------------------------------------------


def test_a_core_call_reaches_its_handler_with_path_params_query_headers_and_body(recorded):
    answer = call(
        "PUT",
        core_path("/users/u-1"),
        body={"user": {"first_name": "Ana"}},
        headers={**core_auth(), "X-Trace": "t"},
        query="expand_incentives=true&user%5Buser_profile%5D=true",
    )

    assert answer.status == 200
    assert answer.body == {"status": "ok", "route": "user_update"}
    (request,) = recorded
    assert request.upstream == "sessionm-core"
    assert request.method == "PUT"
    assert request.path == f"/priv/v1/apps/{settings.SESSIONM_API_KEY}/users/u-1"
    assert request.path_params == {"api_key": settings.SESSIONM_API_KEY, "user_id": "u-1"}
    assert request.arg("expand_incentives") == "true"
    assert request.arg("user[user_profile]") == "true"
    assert request.headers["x-trace"] == "t"
    assert request.json == {"user": {"first_name": "Ana"}}


@pytest.mark.parametrize(
    "method, path, route, auth",
    [
        ("GET", "/users/u-1", "user_get", core_auth),
        ("GET", "/external/users/ext-1", "user_get_external", core_auth),
        ("POST", "/users/u-1/tags", "tags_add", core_auth),
        ("GET", "/users/u-1/tags", "tags_get", core_auth),
        ("GET", "/users/u-1/timelines/END_USER_MEMBER_STATEMENT", "timeline_get", core_auth),
        ("GET", "/external/users/e-1/timelines/END_USER_MEMBER_STATEMENT", "timeline_get_external", core_auth),
        # The documented method of the custom profile is POST (t_create_profile.htm); PUT is served too.
        ("POST", "/users/u-1/models/user_profile", "user_profile_create", core_auth),
        ("PUT", "/users/u-1/models/user_profile", "user_profile_update", core_auth),
        ("POST", "/external/users/e-1/models/user_profile", "user_profile_create_external", core_auth),
        ("POST", "/users/u-1/privacy_requests", "privacy_forget_request", core_auth),
        ("GET", "/users/u-1/campaigns", "campaigns_eligible_v1", core_auth),
        ("GET", "/external/users/e-1/campaigns", "campaigns_eligible_external_v1", core_auth),
    ],
)
def test_core_paths_are_told_apart(recorded, method, path, route, auth):
    assert call(method, core_path(path), headers=auth()).body["route"] == route


def test_the_v2_campaigns_paths_are_served(recorded):
    v2 = f"/sessionm/core/priv/v2/apps/{settings.SESSIONM_API_KEY}"
    assert call("GET", v2 + "/users/u-1/campaigns", headers=core_auth()).body["route"] == "campaigns_eligible"
    external = call("GET", v2 + "/external/users/e-1/campaigns", headers=core_auth()).body["route"]
    assert external == "campaigns_eligible_external"


def test_connect_pos_and_braze_calls_reach_their_handlers(recorded):
    retailer = {"retailer_id": settings.SESSIONM_RETAILER_ID, "user_id": "u-1"}
    assert call("POST", CONNECT_BALANCES, body=retailer, headers=connect_auth()).body["route"] == "point_balances_get"
    assert call("POST", POS_SEND, body={"request_id": "r"}, headers=pos_auth()).body["route"] == "transaction_send"
    assert call("POST", "/braze/users/delete", body={}, headers=braze_auth()).body["route"] == "users_delete"
    assert [request.upstream for request in recorded] == ["sessionm-connect", "sessionm-pos", "braze"]


@pytest.mark.parametrize(
    "path, body",
    [
        ("/braze/campaigns/nope", {"message": "Not found"}),
        (core_path("/nope"), {"status": "error", "errors": {"code": "not_found", "message": "Not found"}}),
        (
            "/sessionm/connect/offers/api/9.9/nope",
            {"status": "error", "errors": {"code": "not_found", "type": "request", "message": "Not found"}},
        ),
        ("/sessionm/pos/api/2.0/nope", {"status": "ERROR", "errors": {"code": "not_found", "message": "Not found"}}),
    ],
)
def test_an_unknown_path_is_404_in_the_vendor_shape(path, body):
    answer = call("POST", path, headers=braze_auth())

    assert answer.status == 404
    assert answer.body == body


def test_a_path_outside_every_upstream_is_404():
    answer = call("GET", "/somewhere/else")

    assert answer.status == 404
    assert "message" in answer.body


def test_a_wrong_method_is_405_with_allow(recorded):
    braze = call("GET", "/braze/users/track", headers=braze_auth())
    core = call("DELETE", core_path("/users/u-1/tags"), headers=core_auth())

    assert (braze.status, braze.headers["allow"]) == (405, "POST")
    assert braze.body == {"message": "GET is not allowed here"}
    assert (core.status, core.headers["allow"]) == (405, "GET, POST")
    assert core.body["errors"]["code"] == "method_not_allowed"
    assert recorded == []


def test_a_vendor_without_handlers_answers_501_in_its_shape(monkeypatch):
    monkeypatch.setitem(server._HANDLER_MODULES, "sessionm", "apps.sandbox.not_written_yet.handlers")

    answer = call("GET", core_path("/users/u-1"), headers=core_auth())

    assert answer.status == 501
    assert answer.body["errors"]["code"] == "not_implemented"


def test_a_failing_handler_answers_500_in_the_vendor_shape(monkeypatch):
    def broken(request):
        raise RuntimeError("bug")

    monkeypatch.setattr(server, "_handler", lambda upstream, route: broken)

    answer = call("POST", POS_SEND, body={}, headers=pos_auth())

    assert answer.status == 500
    assert answer.body == {"status": "ERROR", "errors": {"code": "internal_error", "message": "Internal server error"}}


# --- Credentials -------------------------------------------------------------------------------------------


def test_braze_refuses_a_wrong_or_missing_key_as_braze_does(recorded):
    wrong = call("POST", BRAZE_TRIGGER, body={}, headers={"Authorization": "Bearer not-the-key"})
    missing = call("POST", BRAZE_TRIGGER, body={})

    assert (wrong.status, wrong.body) == (401, {"message": "Invalid API key: not-the-key"})
    assert (missing.status, missing.body) == (401, {"message": "Invalid API key: "})
    assert recorded == []


@pytest.mark.parametrize(
    "headers",
    [
        {"Authorization": basic(settings.SESSIONM_API_KEY, "wrong-secret")},
        {"Authorization": basic("other-key", settings.SESSIONM_API_SECRET)},
        {"Authorization": "Basic !!not-base64!!"},
        {"Authorization": f"Bearer {settings.SESSIONM_API_KEY}"},
        {},
    ],
)
def test_core_refuses_wrong_credentials(recorded, headers):
    answer = call("GET", core_path("/users/u-1"), headers=headers)

    assert answer.status == 401
    assert answer.body["status"] == "error"
    assert answer.body["errors"]["code"] == "invalid_api_key"
    assert recorded == []


def test_core_refuses_a_path_key_that_is_not_ours(recorded):
    answer = call("GET", "/sessionm/core/priv/v1/apps/another-key/users/u-1", headers=core_auth())

    assert answer.status == 401
    assert answer.body["errors"]["code"] == "invalid_api_key"
    assert recorded == []


def test_connect_refuses_wrong_credentials_and_a_foreign_retailer(recorded):
    body = {"retailer_id": settings.SESSIONM_RETAILER_ID, "user_id": "u"}
    unauthorized = {"status": "error", "errors": {"error": "unauthorized"}}

    wrong_key = call("POST", CONNECT_BALANCES, body=body, headers=core_auth())
    other_retailer = call(
        "POST", CONNECT_BALANCES, body={**body, "retailer_id": "someone-else"}, headers=connect_auth()
    )
    no_retailer = call("POST", CONNECT_BALANCES, body={"user_id": "u"}, headers=connect_auth())

    for answer in (wrong_key, other_retailer, no_retailer):
        assert (answer.status, answer.body) == (401, unauthorized)
    assert recorded == []


def test_pos_refuses_wrong_credentials(recorded):
    answer = call("POST", POS_SEND, body={}, headers=connect_auth())

    assert answer.status == 401
    assert answer.body["status"] == "ERROR"
    assert recorded == []


@pytest.mark.parametrize(
    "path, auth, shape",
    [
        (BRAZE_TRIGGER, braze_auth, lambda body: set(body) == {"message"}),
        (core_path("/users"), core_auth, lambda body: body["errors"]["code"] == "argument_error"),
        (CONNECT_BALANCES, connect_auth, lambda body: body["errors"]["type"] == "validation"),
        (POS_SEND, pos_auth, lambda body: body["status"] == "ERROR"),
    ],
)
@pytest.mark.parametrize("body", [b'{"not json', b"[" * 100_000 + b"]" * 100_000], ids=["cut", "deeply-nested"])
def test_malformed_json_is_400_in_the_vendor_shape(recorded, path, auth, shape, body):
    answer = call("POST", path, body=body, headers=auth())

    assert answer.status == 400
    assert shape(answer.body)
    assert recorded == []


# --- Braze's rate-limit window -----------------------------------------------------------------------------


def test_every_braze_answer_carries_the_rate_limit_headers(recorded):
    for answer in (
        call("POST", BRAZE_TRIGGER, body={}, headers=braze_auth()),
        call("POST", BRAZE_TRIGGER, body={}),
        call("POST", "/braze/unknown", headers=braze_auth()),
    ):
        assert {"x-ratelimit-limit", "x-ratelimit-remaining", "x-ratelimit-reset"} <= set(answer.headers)


def test_braze_answers_429_once_the_hourly_window_is_used_up(monkeypatch, recorded):
    monkeypatch.setattr(server, "braze_window", HourlyWindow(limit=1, clock=lambda: 7200.5))

    first = call("POST", BRAZE_TRIGGER, body={}, headers=braze_auth())
    second = call("POST", BRAZE_TRIGGER, body={}, headers=braze_auth())

    assert first.status == 200
    assert first.headers["x-ratelimit-remaining"] == "0"
    assert second.status == 429
    assert second.headers["x-ratelimit-reset"] == "10800"
    assert len(recorded) == 1


def test_users_track_has_its_own_window_of_3000_per_3_seconds(monkeypatch, recorded):
    # /users/track: "3,000 requests per three seconds", apart from the hourly limit of the others
    # (https://braze.com/docs/api/api_limits).
    now = [9.5]
    monkeypatch.setattr(server, "braze_track_window", track_window(clock=lambda: now[0]))
    monkeypatch.setattr(server, "braze_window", HourlyWindow(limit=1, clock=lambda: 7200.5))
    track = {"attributes": [{"external_id": "u1", "first_name": "Ana"}]}

    answers = [call("POST", "/braze/users/track", body=track, headers=braze_auth()) for _ in range(3001)]

    assert {a.status for a in answers[:3000]} == {200}  # (the recorded fixture answers 200)
    assert answers[0].headers["x-ratelimit-limit"] == "3000"
    assert answers[0].headers["x-ratelimit-reset"] == "12"  # the end of this 3-second window
    assert answers[3000].status == 429
    # The trigger endpoints' window is untouched by users/track calls.
    assert call("POST", BRAZE_TRIGGER, body={}, headers=braze_auth()).headers["x-ratelimit-remaining"] == "0"
    now[0] = 12.0  # the next window
    assert call("POST", "/braze/users/track", body=track, headers=braze_auth()).status == 200


# --- Standalone: connections and control endpoints ---------------------------------------------------------


def test_only_the_standalone_server_closes_connections(monkeypatch, recorded):
    closed = []
    monkeypatch.setattr(server, "close_old_connections", lambda: closed.append(1))

    call("POST", "/braze/users/delete", body={}, headers=braze_auth(), inprocess=True)
    assert closed == []

    # The app itself never closes them (a test, or a BFF request, may hold a transaction on them) ...
    call("POST", "/braze/users/delete", body={}, headers=braze_auth(), inprocess=False)
    assert closed == []

    # ... run_sandbox's server recycles its thread's connections around each request.
    app = server.standalone_application
    call("POST", "/braze/users/delete", body={}, headers=braze_auth(), inprocess=False, app=app)
    assert closed == [1, 1]


def test_control_endpoints_do_not_exist_in_process():
    assert call("GET", "/_sandbox/stats", inprocess=True).status == 404
    assert call("GET", "/_sandbox/faults", inprocess=True).status == 404


def test_stats_count_calls_per_route_and_reset(recorded):
    call("GET", core_path("/users/u-1"), headers=core_auth())
    call("GET", core_path("/users/u-1"), headers=core_auth())
    call("POST", BRAZE_TRIGGER, body={}, headers={"Authorization": "Bearer wrong"})
    call("POST", "/braze/not-a-route", headers=braze_auth())

    stats = call("GET", "/_sandbox/stats", inprocess=False)

    assert stats.status == 200
    assert stats.body["total"] == 3
    assert stats.body["by_route"] == {"campaign_trigger": 1, "user_get": 2}
    assert stats.body["by_upstream"] == {"braze": 1, "sessionm-core": 2}

    reset = call("POST", "/_sandbox/stats/reset", inprocess=False)
    assert (reset.status, reset.body["total"], reset.body["by_route"]) == (200, 0, {})
    assert call("GET", "/_sandbox/stats", inprocess=False).body["total"] == 0


def test_faults_can_be_read_and_replaced_over_http():
    initial = call("GET", "/_sandbox/faults", inprocess=False)
    assert initial.body["faults"]["braze"] == {
        "latency_ms": 0,
        "error_rate": 0.0,
        "timeout_rate": 0.0,
        "rate_limit_rate": 0.0,
        "deferred_rate": 0.0,
    }

    braze = call(
        "PUT", "/_sandbox/faults", body={"upstream": "braze", "latency_ms": 20, "rate_limit_rate": 0.5}, inprocess=False
    )
    assert braze.status == 200
    assert braze.body["faults"]["braze"]["latency_ms"] == 20
    assert braze.body["faults"]["braze"]["rate_limit_rate"] == 0.5
    assert braze.body["faults"]["sessionm-core"]["latency_ms"] == 0

    everywhere = call("PUT", "/_sandbox/faults", body={"error_rate": 0.25}, inprocess=False)
    assert {switch["error_rate"] for switch in everywhere.body["faults"].values()} == {0.25}
    # A PUT replaces: what it does not name is switched off.
    assert everywhere.body["faults"]["braze"]["latency_ms"] == 0
    assert faults.all_faults()["sessionm-pos"].error_rate == 0.25


@pytest.mark.parametrize(
    "body, message",
    [
        ({"upstream": "braze", "error_rate": 2}, "from 0 to 1"),
        ({"upstream": "braze", "latency_ms": -1}, "latency_ms"),
        ({"upstream": "mailchimp"}, "unknown upstream"),
        ({"upstream": "sessionm-core", "rate_limit_rate": 0.5}, "braze only"),
        ({"upstream": "sessionm-core", "deferred_rate": 0.5}, "braze and sessionm-pos only"),
        ({"upstream": "braze", "jitter": 1}, "unknown fields"),
        ([1], "JSON object"),
    ],
)
def test_invalid_fault_settings_are_400_and_change_nothing(body, message):
    call("PUT", "/_sandbox/faults", body={"upstream": "braze", "latency_ms": 5}, inprocess=False)

    answer = call("PUT", "/_sandbox/faults", body=body, inprocess=False)

    assert answer.status == 400
    assert message in answer.body["error"]
    assert faults.all_faults()["braze"].latency_ms == 5


def test_unknown_control_paths_and_methods():
    assert call("GET", "/_sandbox/nothing", inprocess=False).status == 404
    wrong = call("DELETE", "/_sandbox/faults", inprocess=False)
    assert (wrong.status, wrong.headers["allow"]) == (405, "GET, PUT")
