"""SessionM's three envelopes (Core, Connect, Cloud POS) and the one exception handlers raise to refuse a call.

A handler raises `Refusal` anywhere (inside a locked transaction it also rolls the change back); the
product decorator turns it into that product's error envelope:
- Core: {"status":"error","errors":{"code","message", "user"|"details": {field: message}}}; 404 for not-found
  codes, 200 for everything else.
- Connect: {"status":"error","errors":{"code","type","message","details"?}} with HTTP 200.
- POS: {"status":"ERROR","errors":{"code","message","details"?}} with HTTP 200.
"""

from collections.abc import Callable
from functools import wraps
from typing import Any

from apps.sandbox.http import SandboxRequest, SandboxResponse, ok
from apps.sessionm import errors as codes

Handler = Callable[[SandboxRequest], SandboxResponse]

_NOT_FOUND_CODES = frozenset(
    {
        codes.USER_NOT_FOUND,
        codes.NOT_FOUND,
        codes.USER_OFFER_NOT_FOUND,
        codes.OFFER_NOT_FOUND,
        codes.REWARD_STORE_OFFER_NOT_FOUND,
    }
)


class Refusal(Exception):
    """SessionM refuses the call. `fields` maps a field (e.g. "email", "items[0].item_id") to its message;
    `on_user` puts them under Core's errors.user (user attributes) instead of errors.details."""

    def __init__(self, code: str, message: str, *, fields: dict[str, str] | None = None, on_user: bool = False):
        super().__init__(message)
        self.code = code
        self.message = message
        self.fields = fields or {}
        self.on_user = on_user


def user_not_found() -> Refusal:
    return Refusal(codes.USER_NOT_FOUND, "user not found")


def invalid(fields: dict[str, str], *, on_user: bool = False, code: str = codes.VALIDATION) -> Refusal:
    return Refusal(code, "invalid " + ", ".join(sorted(fields)), fields=fields, on_user=on_user)


# --- Core --------------------------------------------------------------------------------------------------
def core_ok(**resource: Any) -> SandboxResponse:
    return ok({"status": "ok", **resource})


def core_error(refusal: Refusal) -> SandboxResponse:
    errors: dict[str, Any] = {"code": refusal.code, "message": refusal.message}
    if refusal.fields:
        errors["user" if refusal.on_user else "details"] = refusal.fields
    return SandboxResponse(
        status=404 if refusal.code in _NOT_FOUND_CODES else 200, body={"status": "error", "errors": errors}
    )


# --- Connect -----------------------------------------------------------------------------------------------
def connect_ok(payload: dict) -> SandboxResponse:
    return ok({"status": "ok", "payload": payload})


def connect_error(refusal: Refusal) -> SandboxResponse:
    errors: dict[str, Any] = {
        "code": refusal.code,
        "type": "not_found" if refusal.code in _NOT_FOUND_CODES else "validation",
        "message": refusal.message,
    }
    if refusal.fields:
        errors["details"] = refusal.fields
    return ok({"status": "error", "errors": errors})


# --- Cloud POS ---------------------------------------------------------------------------------------------
def pos_ok(payload: dict) -> dict:
    """The POS success body (a dict: the first response is stored and replayed for a repeated request_id)."""
    return {"status": "OK", "payload": payload}


def pos_error(refusal: Refusal) -> SandboxResponse:
    errors: dict[str, Any] = {"code": refusal.code, "message": refusal.message}
    if refusal.fields:
        errors["details"] = refusal.fields
    return ok({"status": "ERROR", "errors": errors})


def _refusals_as(render: Callable[[Refusal], SandboxResponse]) -> Callable[[Handler], Handler]:
    def decorate(handler: Handler) -> Handler:
        @wraps(handler)
        def handle(request: SandboxRequest) -> SandboxResponse:
            try:
                return handler(request)
            except Refusal as refusal:
                return render(refusal)

        return handle

    return decorate


core_handler = _refusals_as(core_error)
connect_handler = _refusals_as(connect_error)
pos_handler = _refusals_as(pos_error)
