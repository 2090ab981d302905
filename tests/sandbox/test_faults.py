"""Fault injection: the switches, and what the server answers with each of them on (rates 0 and 1 only, so every
outcome is certain)."""

from datetime import UTC, datetime, timedelta

import pytest
from django.conf import settings

from apps.braze.client import BrazeClient
from apps.braze.errors import BrazeRateLimited, BrazeTimeout, BrazeUnavailable
from apps.braze.types import Recipient
from apps.sandbox import faults, server
from apps.sandbox.faults import Faults
from apps.sandbox.http import SandboxResponse
from apps.sandbox.models import FaultSwitch
from apps.upstream.factory import upstream_session

from .test_server import (
    BRAZE_TRIGGER,
    CONNECT_BALANCES,
    POS_SEND,
    braze_auth,
    call,
    connect_auth,
    core_auth,
    core_path,
    pos_auth,
)

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _fresh_cache():
    faults.invalidate_cache()
    yield
    faults.invalidate_cache()


@pytest.fixture
def sleeps(monkeypatch):
    recorded = []
    monkeypatch.setattr(server, "sleep", recorded.append)
    return recorded


@pytest.fixture
def served(monkeypatch):
    """Handlers that answer 200, so any other status comes from a fault."""
    seen = []

    def handler(request):
        seen.append(request.route)
        return SandboxResponse(200, {"status": "ok"})

    monkeypatch.setattr(server, "_handler", lambda upstream, route: handler)
    return seen


def braze_client(read_timeout=5.0):
    return BrazeClient(
        rest_url=settings.BRAZE_REST_URL,
        api_key=settings.BRAZE_API_KEY,
        timeout=(1.0, read_timeout),
        session=upstream_session(),
    )


CALLS = {
    "sessionm-core": lambda **kw: call("GET", core_path("/users/u-1"), headers=core_auth(), **kw),
    "sessionm-connect": lambda **kw: call(
        "POST", CONNECT_BALANCES, body={"retailer_id": settings.SESSIONM_RETAILER_ID}, headers=connect_auth(), **kw
    ),
    "sessionm-pos": lambda **kw: call("POST", POS_SEND, body={}, headers=pos_auth(), **kw),
    "braze": lambda **kw: call("POST", BRAZE_TRIGGER, body={}, headers=braze_auth(), **kw),
}


# --- The switches ------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "switch, draw, fault",
    [
        (Faults(), 0.0, None),
        (Faults(error_rate=1.0), 0.999, "error"),
        (Faults(timeout_rate=1.0), 0.0, "timeout"),
        (Faults(rate_limit_rate=1.0), 0.5, "rate_limit"),
        (Faults(timeout_rate=0.2, error_rate=0.3), 0.1, "timeout"),
        (Faults(timeout_rate=0.2, error_rate=0.3), 0.4, "error"),
        (Faults(timeout_rate=0.2, error_rate=0.3), 0.5, None),
    ],
)
def test_a_draw_lands_on_one_slice(switch, draw, fault):
    assert switch.pick(draw) == fault


def test_set_faults_changes_only_the_fields_given():
    faults.set_faults(upstreams=["braze"], latency_ms=40, error_rate=0.5)
    current = faults.set_faults(upstreams=["braze"], timeout_rate=0.1)

    assert current["braze"] == Faults(latency_ms=40, error_rate=0.5, timeout_rate=0.1)
    assert current["sessionm-core"] == Faults()


def test_a_rate_limit_rate_for_every_upstream_lands_on_braze_only():
    current = faults.set_faults(rate_limit_rate=1.0, latency_ms=10)

    assert current["braze"].rate_limit_rate == 1.0
    assert {current[name].rate_limit_rate for name in faults.UPSTREAMS if name != "braze"} == {0.0}
    assert {switch.latency_ms for switch in current.values()} == {10}


@pytest.mark.parametrize(
    "kwargs",
    [
        {"upstreams": ["braze"], "error_rate": 1.01},
        {"upstreams": ["braze"], "timeout_rate": -0.1},
        {"upstreams": ["braze"], "latency_ms": 60_001},
        {"upstreams": ["braze"], "latency_ms": 1.5},
        {"upstreams": ["nowhere"], "latency_ms": 1},
        {"upstreams": ["sessionm-pos"], "rate_limit_rate": 0.1},
    ],
)
def test_set_faults_refuses_values_out_of_range(kwargs):
    with pytest.raises(ValueError):
        faults.set_faults(**kwargs)
    assert not FaultSwitch.objects.using("sandbox").exists()


def test_clear_faults_switches_everything_off():
    faults.set_faults(error_rate=1.0)

    assert set(faults.clear_faults().values()) == {Faults()}


def test_the_standalone_server_reuses_a_recent_snapshot_and_in_process_reads_fresh():
    faults.set_faults(upstreams=["braze"], latency_ms=10)
    assert faults.faults_for("braze", max_age=60).latency_ms == 10
    # A change made elsewhere (another process) without invalidating this one's snapshot:
    FaultSwitch.objects.using("sandbox").filter(upstream="braze").update(latency_ms=99)

    assert faults.faults_for("braze", max_age=60).latency_ms == 10
    assert faults.faults_for("braze", max_age=0).latency_ms == 99


# --- What the server does with them ------------------------------------------------------------------------


@pytest.mark.parametrize("upstream", list(CALLS))
def test_no_faults_means_normal_answers(served, sleeps, upstream):
    faults.set_faults(upstreams=[upstream], error_rate=0.0, timeout_rate=0.0)

    assert CALLS[upstream]().status == 200
    assert sleeps == []


@pytest.mark.parametrize(
    "upstream, shape",
    [
        ("sessionm-core", lambda body: body["status"] == "error" and body["errors"]["code"] == "internal_error"),
        ("sessionm-connect", lambda body: body["status"] == "error" and body["errors"]["type"] == "server"),
        ("sessionm-pos", lambda body: body["status"] == "ERROR"),
        ("braze", lambda body: set(body) == {"message"}),
    ],
)
def test_error_rate_one_answers_5xx_in_the_vendor_shape(served, upstream, shape):
    faults.set_faults(upstreams=[upstream], error_rate=1.0)

    answers = [CALLS[upstream]() for _ in range(6)]

    assert {answer.status for answer in answers} <= {500, 503}
    assert all(shape(answer.body) for answer in answers)
    assert served == []


def test_faults_of_one_upstream_leave_the_others_alone(served):
    faults.set_faults(upstreams=["sessionm-connect"], error_rate=1.0)

    assert CALLS["sessionm-connect"]().status in (500, 503)
    assert CALLS["sessionm-core"]().status == 200
    assert CALLS["braze"]().status == 200


def test_latency_is_added_before_answering(served, sleeps):
    faults.set_faults(upstreams=["sessionm-core"], latency_ms=50)

    answer = CALLS["sessionm-core"]()

    assert answer.status == 200
    assert sleeps == [0.05]


def test_in_process_a_hang_outlasts_the_callers_read_timeout(served, sleeps):
    faults.set_faults(upstreams=["sessionm-pos"], timeout_rate=1.0)

    answer = CALLS["sessionm-pos"](read_timeout=2.5)

    assert sleeps == [2.5 + server.INPROCESS_HANG_MARGIN]
    assert answer.status == 504
    assert served == []


def test_over_http_a_hang_is_bounded(served, sleeps):
    faults.set_faults(upstreams=["braze"], timeout_rate=1.0)

    CALLS["braze"](inprocess=False)

    assert sleeps == [server.HTTP_HANG_SECONDS]


def test_rate_limit_rate_one_answers_429_with_a_reset_a_few_seconds_ahead(served):
    faults.set_faults(upstreams=["braze"], rate_limit_rate=1.0)
    now = datetime.now(UTC).timestamp()

    answer = CALLS["braze"]()

    assert answer.status == 429
    assert answer.headers["x-ratelimit-remaining"] == "0"
    assert now <= int(answer.headers["x-ratelimit-reset"]) <= now + 10
    assert served == []


def test_the_braze_client_sees_a_timeout_when_braze_hangs():
    faults.set_faults(upstreams=["braze"], timeout_rate=1.0)

    with pytest.raises(BrazeTimeout):
        braze_client(read_timeout=0.05).trigger(target={"type": "campaign", "id": "c"}, recipients=[Recipient("u")])


def test_the_braze_client_sees_unavailable_and_rate_limited():
    client = braze_client()
    faults.set_faults(upstreams=["braze"], error_rate=1.0)
    with pytest.raises(BrazeUnavailable):
        client.trigger(target={"type": "campaign", "id": "c"}, recipients=[Recipient("u")])

    faults.replace_faults(upstreams=["braze"], rate_limit_rate=1.0)
    with pytest.raises(BrazeRateLimited) as caught:
        client.trigger(target={"type": "campaign", "id": "c"}, recipients=[Recipient("u")])
    assert caught.value.reset_at - datetime.now(UTC) < timedelta(seconds=10)
