"""The sandbox as a plain WSGI application: SessionM Core, Connect, Cloud POS and Braze on their real paths.

`application` is served two ways. In process, the upstream clients' transport (apps/upstream/inprocess.py)
calls it inside a BFF request; over HTTP, `manage.py run_sandbox` serves it on a port. It matches the path
against the vendors' route tables, counts the call, injects the upstream's faults, checks the credentials in
settings, parses the JSON body and dispatches to the vendor's handlers, answering errors in each vendor's
own shape. The control endpoints under /_sandbox/ (call counters, fault switches) exist only over HTTP.
"""

import base64
import binascii
import hmac
import importlib
import json
import logging
import random
import re
import threading
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from http import HTTPStatus
from typing import Any
from urllib.parse import parse_qs

from django.conf import settings
from django.db import close_old_connections

from apps.braze.routes import ROUTES as BRAZE_ROUTES
from apps.sessionm.routes import ROUTES as SESSIONM_ROUTES
from apps.upstream.inprocess import READ_TIMEOUT_ENVIRON_KEY

from . import faults
from .braze.ratelimit import HourlyWindow, track_window
from .http import SandboxRequest, SandboxResponse

logger = logging.getLogger(__name__)

# How long an injected hang lasts over HTTP, where the caller's timeout is unknown: longer than any sane one.
HTTP_HANG_SECONDS = 30.0
# In process the hang outlasts the caller's read timeout by this much, so the transport reports a timeout.
INPROCESS_HANG_MARGIN = 0.05
# Over HTTP the fault switches are re-read at most this often (seconds).
FAULTS_MAX_AGE = 1.0

# Replaced in tests so that latency and hangs are observed rather than waited for.
sleep: Callable[[float], None] = time.sleep
_random = random.Random()

UPSTREAM_PREFIXES = {
    "sessionm-core": "/sessionm/core",
    "sessionm-connect": "/sessionm/connect",
    "sessionm-pos": "/sessionm/pos",
    "braze": "/braze",
}
_HANDLER_MODULES = {"sessionm": "apps.sandbox.sessionm.handlers", "braze": "apps.sandbox.braze.handlers"}


@dataclass(frozen=True)
class _Route:
    name: str
    method: str
    pattern: re.Pattern


def _compile(template: str) -> re.Pattern:
    """ "/users/{user_id}/tags" -> ^/users/(?P<user_id>[^/]+)/tags$"""
    parts = re.split(r"\{(\w+)\}", template)
    regex = "".join(re.escape(part) if i % 2 == 0 else f"(?P<{part}>[^/]+)" for i, part in enumerate(parts))
    return re.compile(f"^{regex}$")


def _route_table() -> dict[str, list[_Route]]:
    table: dict[str, list[_Route]] = {upstream: [] for upstream in UPSTREAM_PREFIXES}
    for route in SESSIONM_ROUTES.values():
        table[f"sessionm-{route.product}"].append(_Route(route.name, route.method, _compile(route.path)))
    for braze_route in BRAZE_ROUTES.values():
        table["braze"].append(_Route(braze_route.name, braze_route.method, _compile(braze_route.path)))
    return table


_ROUTES = _route_table()
# Call counters are keyed by route name alone, so the two vendors' names must not collide.
assert not set(SESSIONM_ROUTES) & set(BRAZE_ROUTES), "route names must be unique across vendors"


class CallStats:
    """Calls per upstream and route since the last reset, in this process (the benchmarks read them)."""

    def __init__(self):
        self._lock = threading.Lock()
        self._calls: Counter[tuple[str, str]] = Counter()
        self._since = datetime.now(UTC)

    def record(self, upstream: str, route: str) -> None:
        with self._lock:
            self._calls[(upstream, route)] += 1

    def snapshot(self) -> dict[str, Any]:
        with self._lock:
            calls, since = dict(self._calls), self._since
        by_upstream: Counter[str] = Counter()
        by_route: Counter[str] = Counter()
        for (upstream, route), count in calls.items():
            by_upstream[upstream] += count
            by_route[route] += count
        return {
            "since": since.isoformat(),
            "total": sum(calls.values()),
            "by_upstream": dict(sorted(by_upstream.items())),
            "by_route": dict(sorted(by_route.items())),
        }

    def reset(self) -> None:
        with self._lock:
            self._calls.clear()
            self._since = datetime.now(UTC)


def standalone_application(environ: dict, start_response) -> list[bytes]:
    """`application` as `manage.py run_sandbox` serves it: each request is its own unit of work, as in
    Django's handler, so the server thread's connections are recycled around it. (In process the call runs
    inside a BFF request, maybe its transaction: those connections are not ours to close.)"""
    close_old_connections()
    try:
        return application(environ, start_response)
    finally:
        close_old_connections()


stats = CallStats()
braze_window = HourlyWindow()
# /users/track is not counted in the hourly window: it has its own (https://braze.com/docs/api/api_limits).
braze_track_window = track_window()


# --- The WSGI entry point ----------------------------------------------------------------------------------


def application(environ: dict, start_response) -> list[bytes]:
    # The in-process transport always passes the caller's read timeout; a real HTTP server never does.
    inprocess = READ_TIMEOUT_ENVIRON_KEY in environ
    try:
        response = _respond(environ, inprocess=inprocess)
    except Exception:  # noqa: BLE001 - an emulator bug must still answer, in a shape any client reads
        # The path is not logged: SessionM Core paths carry the API key.
        logger.exception("sandbox failed on %s %s", environ.get("REQUEST_METHOD"), _upstream_of(environ))
        response = SandboxResponse(500, {"message": "sandbox internal error"})
    body = response.encode()
    headers = {"Content-Type": "application/json", **response.headers, "Content-Length": str(len(body))}
    start_response(f"{response.status} {_reason(response.status)}", list(headers.items()))
    return [body]


def _reason(status: int) -> str:
    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return "Unknown"


def _upstream_of(environ: dict) -> str:
    path = environ.get("PATH_INFO") or "/"
    return next((name for name, prefix in UPSTREAM_PREFIXES.items() if path.startswith(prefix + "/")), "(no upstream)")


def _respond(environ: dict, *, inprocess: bool) -> SandboxResponse:
    path = environ.get("PATH_INFO") or "/"
    method = environ.get("REQUEST_METHOD", "GET").upper()
    if path == "/_sandbox" or path.startswith("/_sandbox/"):
        if inprocess:
            return SandboxResponse(404, {"message": "Not found"})
        return _control(method, path, _read_body(environ))

    upstream = _upstream_of(environ)
    if upstream not in UPSTREAM_PREFIXES:
        return SandboxResponse(404, {"message": f"No sandbox upstream serves {path}"})
    rest = path[len(UPSTREAM_PREFIXES[upstream]) :]
    if upstream != "braze":
        return _serve_upstream(upstream, method, rest, environ, inprocess)
    # Every Braze answer carries the window, whatever it is; an injected 429 brings its own.
    window = braze_track_window if rest == BRAZE_ROUTES["users_track"].path else braze_window
    within_limit, window_headers = window.hit()
    if not within_limit:
        return vendor_error(upstream, 429, "rate_limited", "API rate limit exceeded", headers=window_headers)
    response = _serve_upstream(upstream, method, rest, environ, inprocess)
    if "X-RateLimit-Limit" not in response.headers:
        response.headers.update(window_headers)
    return response


def _serve_upstream(upstream: str, method: str, path: str, environ: dict, inprocess: bool) -> SandboxResponse:
    route, path_params, allowed = _match(upstream, method, path)
    if route is None:
        if allowed:
            response = vendor_error(upstream, 405, "method_not_allowed", f"{method} is not allowed here")
            response.headers["Allow"] = ", ".join(sorted(allowed))
            return response
        return vendor_error(upstream, 404, "not_found", "Not found")
    stats.record(upstream, route.name)

    fault_response, deferred = _inject_faults(upstream, environ, inprocess)
    if fault_response is not None:
        return fault_response

    headers = _headers(environ)
    denied = _check_credentials(upstream, headers, path_params)
    if denied is not None:
        return denied

    body = _read_body(environ)
    try:
        parsed = json.loads(body) if body.strip() else None
    except (ValueError, RecursionError):  # RecursionError: a body nested deeper than Python's stack
        return vendor_error(upstream, 400, "argument_error", "The request body is not valid JSON")

    if upstream == "sessionm-connect" and not _retailer_matches(parsed):
        return _unauthorized(upstream, headers)

    request = SandboxRequest(
        upstream=upstream,
        route=route.name,
        method=method,
        path=path,
        path_params=path_params,
        query=parse_qs(environ.get("QUERY_STRING", ""), keep_blank_values=True),
        headers=headers,
        body=body,
        json=parsed,
    )
    handler = _handler(upstream, route.name)
    if handler is None:
        return vendor_error(upstream, 501, "not_implemented", f"The sandbox does not emulate {route.name} yet")
    if deferred and upstream == "sessionm-pos":
        # The first call with this request_id is "still processing": nothing is done; the same id later is.
        return vendor_error(upstream, 200, "pending processing", "The request is pending processing")
    try:
        response = handler(request)
    except Exception:  # noqa: BLE001 - a handler bug answers 500 in the vendor's shape, as a real outage would
        logger.exception("sandbox handler %s failed", route.name)
        return vendor_error(upstream, 500, "internal_error", "Internal server error")
    if deferred and upstream == "braze" and 200 <= response.status < 300:
        # Maintenance: Braze has the call and will process it, but answers only "queued".
        return SandboxResponse(202, {"message": "queued"}, response.headers)
    return response


def _match(upstream: str, method: str, path: str) -> tuple[_Route | None, dict[str, str], set[str]]:
    """The route for this method and path, its path parameters, and the methods the path allows."""
    allowed: set[str] = set()
    for route in _ROUTES[upstream]:
        found = route.pattern.match(path)
        if found is None:
            continue
        if route.method == method:
            return route, found.groupdict(), allowed
        allowed.add(route.method)
    return None, {}, allowed


def _handler(upstream: str, route: str) -> Callable[[SandboxRequest], SandboxResponse] | None:
    """The vendor's handler, imported on first use: the SessionM emulator may not exist yet in a checkout."""
    module_name = _HANDLER_MODULES["braze" if upstream == "braze" else "sessionm"]
    try:
        module = importlib.import_module(module_name)
    except ModuleNotFoundError as exc:
        if exc.name and module_name.startswith(exc.name):
            return None
        raise
    return module.HANDLERS.get(route)


# --- Faults ------------------------------------------------------------------------------------------------


def _inject_faults(upstream: str, environ: dict, inprocess: bool) -> tuple[SandboxResponse | None, bool]:
    """An injected failure answer, or None; and whether this call is answered "deferred" (see FaultSwitch)."""
    switch = faults.faults_for(upstream, max_age=0.0 if inprocess else FAULTS_MAX_AGE)
    if not switch.active:
        return None, False
    if switch.latency_ms:
        sleep(switch.latency_ms / 1000)
    fault = switch.pick(_random.random())
    deferred = fault == faults.DEFERRED and upstream in faults.DEFERRED_UPSTREAMS
    return _injected_failure(upstream, environ, fault), deferred


def _injected_failure(upstream: str, environ: dict, fault: str | None) -> SandboxResponse | None:
    if fault == faults.TIMEOUT:
        read_timeout = environ.get(READ_TIMEOUT_ENVIRON_KEY)
        sleep(read_timeout + INPROCESS_HANG_MARGIN if read_timeout else HTTP_HANG_SECONDS)
        return vendor_error(upstream, 504, "timeout", "Gateway timeout")
    if fault == faults.ERROR:
        status = 503 if _random.random() < 0.5 else 500
        return vendor_error(upstream, status, "internal_error", "Internal server error (injected by the sandbox)")
    if fault == faults.RATE_LIMIT and upstream in faults.RATE_LIMITED_UPSTREAMS:
        return vendor_error(
            upstream, 429, "rate_limited", "API rate limit exceeded", headers=braze_window.injected_429_headers()
        )
    return None


# --- Credentials -------------------------------------------------------------------------------------------


def _check_credentials(upstream: str, headers: dict[str, str], path_params: dict[str, str]) -> SandboxResponse | None:
    if upstream == "braze":
        return None if _same(_bearer(headers), settings.BRAZE_API_KEY) else _unauthorized(upstream, headers)
    expected = {
        "sessionm-core": (settings.SESSIONM_API_KEY, settings.SESSIONM_API_SECRET),
        "sessionm-connect": (settings.SESSIONM_CONNECT_KEY, settings.SESSIONM_CONNECT_SECRET),
        "sessionm-pos": (settings.SESSIONM_POS_KEY, settings.SESSIONM_POS_SECRET),
    }[upstream]
    presented_pair = _basic_credentials(headers.get("authorization", ""))
    if presented_pair is None or not (_same(presented_pair[0], expected[0]) & _same(presented_pair[1], expected[1])):
        return _unauthorized(upstream, headers)
    if "api_key" in path_params and not _same(path_params["api_key"], settings.SESSIONM_API_KEY):
        return _unauthorized(upstream, headers)
    return None


def _retailer_matches(body: Any) -> bool:
    retailer_id = body.get("retailer_id") if isinstance(body, dict) else None
    return isinstance(retailer_id, str) and _same(retailer_id, settings.SESSIONM_RETAILER_ID)


def _bearer(headers: dict[str, str]) -> str:
    scheme, _, token = headers.get("authorization", "").partition(" ")
    return token.strip() if scheme.lower() == "bearer" else ""


def _basic_credentials(authorization: str) -> tuple[str, str] | None:
    scheme, _, encoded = authorization.partition(" ")
    if scheme.lower() != "basic":
        return None
    try:
        decoded = base64.b64decode(encoded.strip(), validate=True).decode("utf-8")
    except (binascii.Error, UnicodeDecodeError):
        return None
    key, separator, secret = decoded.partition(":")
    return (key, secret) if separator else None


def _same(presented: str, expected: str) -> bool:
    return hmac.compare_digest(presented.encode("utf-8"), str(expected).encode("utf-8"))


def _unauthorized(upstream: str, headers: dict[str, str]) -> SandboxResponse:
    if upstream == "braze":
        # Braze's recorded 401 echoes the key it was given.
        return SandboxResponse(401, {"message": f"Invalid API key: {_bearer(headers)}"})
    if upstream == "sessionm-connect":
        return SandboxResponse(401, {"status": "error", "errors": {"error": "unauthorized"}})
    return vendor_error(upstream, 401, "invalid_api_key", "Invalid API key or secret")


# --- Vendor error shapes -----------------------------------------------------------------------------------


def vendor_error(
    upstream: str, status: int, code: str, message: str, *, headers: dict[str, str] | None = None
) -> SandboxResponse:
    """An error answer in the shape the upstream's clients read (shared/specs)."""
    if upstream == "braze":
        body: dict[str, Any] = {"message": message}
    elif upstream == "sessionm-connect":
        kind = "validation" if status == 400 else "server" if status >= 500 else "request"
        body = {"status": "error", "errors": {"code": code, "type": kind, "message": message}}
    elif upstream == "sessionm-pos":
        body = {"status": "ERROR", "errors": {"code": code, "message": message}}
    else:
        body = {"status": "error", "errors": {"code": code, "message": message}}
    return SandboxResponse(status, body, dict(headers or {}))


# --- Request plumbing --------------------------------------------------------------------------------------


def _headers(environ: dict) -> dict[str, str]:
    headers = {key[5:].replace("_", "-").lower(): value for key, value in environ.items() if key.startswith("HTTP_")}
    for key in ("CONTENT_TYPE", "CONTENT_LENGTH"):
        if environ.get(key):
            headers[key.replace("_", "-").lower()] = environ[key]
    return headers


def _read_body(environ: dict) -> bytes:
    try:
        length = int(environ.get("CONTENT_LENGTH") or 0)
    except ValueError:
        length = 0
    return environ["wsgi.input"].read(length) if length > 0 else b""


# --- Control endpoints (standalone only) -------------------------------------------------------------------


def _control(method: str, path: str, body: bytes) -> SandboxResponse:
    routes: dict[tuple[str, str], Callable[[bytes], SandboxResponse]] = {
        ("GET", "/_sandbox/stats"): lambda _: SandboxResponse(200, stats.snapshot()),
        ("POST", "/_sandbox/stats/reset"): _reset_stats,
        ("GET", "/_sandbox/faults"): lambda _: SandboxResponse(200, _faults_body(faults.all_faults())),
        ("PUT", "/_sandbox/faults"): _put_faults,
    }
    view = routes.get((method, path.rstrip("/")))
    if view is not None:
        return view(body)
    allowed = sorted(m for m, p in routes if p == path.rstrip("/"))
    if allowed:
        return SandboxResponse(405, {"error": f"{method} is not allowed here"}, {"Allow": ", ".join(allowed)})
    return SandboxResponse(404, {"error": f"no control endpoint {path}"})


def _reset_stats(_body: bytes) -> SandboxResponse:
    stats.reset()
    return SandboxResponse(200, stats.snapshot())


def _put_faults(body: bytes) -> SandboxResponse:
    """Replace the switches of one upstream ({"upstream": "braze", ...}) or of all (no "upstream"): fields not
    given are switched off."""
    try:
        data = json.loads(body or b"{}")
    except (ValueError, RecursionError):
        return SandboxResponse(400, {"error": "the body is not valid JSON"})
    if not isinstance(data, dict):
        return SandboxResponse(400, {"error": "the body must be a JSON object"})
    fields = ("latency_ms", *faults.RATE_FIELDS)
    unknown = set(data) - {"upstream", *fields}
    if unknown:
        return SandboxResponse(400, {"error": f"unknown fields: {', '.join(sorted(unknown))}"})
    upstream = data.get("upstream")
    upstreams = None if upstream in (None, "", "all") else [upstream]
    values = {field: data.get(field, 0) for field in fields}
    try:
        current = faults.replace_faults(upstreams=upstreams, **values)
    except ValueError as exc:
        return SandboxResponse(400, {"error": str(exc)})
    return SandboxResponse(200, _faults_body(current))


def _faults_body(current: dict[str, faults.Faults]) -> dict[str, Any]:
    return {"faults": {upstream: switch.as_dict() for upstream, switch in current.items()}}
