"""Calling an emulator handler directly, with the request the sandbox server would build after matching
the route and checking credentials. For tests and for seeding state without HTTP."""

import json
from typing import Any

from django.conf import settings

from apps.sandbox.http import SandboxRequest, SandboxResponse
from apps.sessionm.routes import ROUTES

from .handlers import HANDLERS

_UPSTREAMS = {"core": "sessionm-core", "connect": "sessionm-connect", "pos": "sessionm-pos"}


def call(route: str, body: Any = None, *, query: dict[str, Any] | None = None, **path_params: str) -> SandboxResponse:
    """Dispatch to the handler of `route`. Core paths get the configured api_key; Connect bodies get the
    configured retailer_id unless they carry one. Query values may be lists (repeated parameters)."""
    spec = ROUTES[route]
    if spec.product == "core":
        path_params.setdefault("api_key", settings.SESSIONM_API_KEY)
    if spec.product == "connect" and isinstance(body, dict):
        body = {"retailer_id": settings.SESSIONM_RETAILER_ID, **body}
    raw = b"" if body is None else json.dumps(body).encode("utf-8")
    request = SandboxRequest(
        upstream=_UPSTREAMS[spec.product],
        route=route,
        method=spec.method,
        path=spec.path.format(**path_params),
        path_params=path_params,
        query={
            name: [str(v) for v in (value if isinstance(value, list) else [value])]
            for name, value in (query or {}).items()
        },
        headers={"content-type": "application/json"} if raw else {},
        body=raw,
        json=None if body is None else json.loads(raw),
    )
    return HANDLERS[route](request)
