"""Reads a SessionM response: the resource of a success envelope, or the typed error of anything else.

Core answers {"status":"ok", "<resource>": ...}; Connect {"status":"ok","payload":...}; Cloud POS
{"status":"OK","payload":...}. Errors come as {"status":"error"|"ERROR","errors":{...}}, often with HTTP 200.
"""

import re
from typing import Any

import requests

from . import errors as e
from .routes import WHOLE_ENVELOPE

_AUTH_STATUSES = frozenset({401, 403})
# Connect's {"error": ...} is sometimes a code, sometimes prose that may quote customer data: only an
# identifier-like value is used as the code (and so may reach logs).
_CODE = re.compile(r"[a-z0-9_.-]{1,64}")


def read(response: requests.Response, *, label: str, resource: str | None) -> Any:
    """The value under `resource` in a success envelope (the whole envelope for WHOLE_ENVELOPE, None when
    `resource` is None: apps.sessionm.routes.Route.resource).

    Raises the SessionMError the response stands for.
    """
    status = response.status_code
    try:
        body = response.json()
    except ValueError as exc:
        raise _transport_error(status, label) or e.SessionMBadResponse(
            f"{label}: HTTP {status} with a body that is not JSON", status_code=status
        ) from exc
    body_status = str(body.get("status", "")).lower() if isinstance(body, dict) else ""

    if body_status == "error":
        raise _envelope_error(body.get("errors"), status=status, label=label)
    transport_error = _transport_error(status, label)
    if transport_error is not None:
        raise transport_error
    if body_status != "ok" or not 200 <= status < 300:
        raise e.SessionMBadResponse(f"{label}: unexpected answer (HTTP {status})", status_code=status)
    if resource is None:
        return None
    if resource == WHOLE_ENVELOPE:
        return body
    if resource not in body:
        raise e.SessionMBadResponse(f"{label}: success envelope without {resource!r}", status_code=status)
    return body[resource]


def _transport_error(status: int, label: str) -> e.SessionMError | None:
    """The error an HTTP status means whatever the body says."""
    if status in _AUTH_STATUSES:
        return e.SessionMAuthError(f"{label}: credentials refused (HTTP {status})", status_code=status)
    if status == 429 or status >= 500:
        return e.SessionMUnavailable(f"{label}: HTTP {status}", status_code=status)
    return None


def _envelope_error(errors: Any, *, status: int, label: str) -> e.SessionMError:
    if isinstance(errors, str):
        errors = {"error": errors}
    if not isinstance(errors, dict):
        errors = {}
    raw_code = str(errors.get("code") or errors.get("error") or "")
    message = errors.get("message")
    upstream_message = message if isinstance(message, str) else ""
    # Cloud POS answers "pending processing" (with a space): read it as the identifier it stands for.
    code = re.sub(r"\s+", "_", raw_code.strip().lower())
    if code and not _CODE.fullmatch(code):
        code, upstream_message = "", upstream_message or raw_code

    if status in _AUTH_STATUSES:
        cls: type[e.SessionMError] = e.SessionMAuthError
    elif code == e.PENDING_PROCESSING:
        cls = e.SessionMPendingProcessing
    elif status == 429 or status >= 500:
        cls = e.SessionMUnavailable
    elif code in e.ERROR_CLASSES:
        cls = e.ERROR_CLASSES[code]
    elif status == 404:
        cls = e.SessionMNotFound
    elif not code:
        cls = e.SessionMBadResponse
    else:
        cls = e.SessionMRejected

    details = _field_errors(errors) if issubclass(cls, e.SessionMValidationError) else {}
    return cls(
        f"{label}: {code or 'error without a code'} (HTTP {status})",
        status_code=status,
        code=code or None,
        details=details,
        upstream_message=upstream_message,
    )


def _field_errors(errors: dict[str, Any]) -> dict[str, str]:
    """{field: message} from Core's `errors.user` or POS's `errors.details`; list values are joined."""
    raw = errors.get("user") if isinstance(errors.get("user"), dict) else errors.get("details")
    if not isinstance(raw, dict):
        return {}
    return {
        str(name): "; ".join(str(m) for m in message) if isinstance(message, list) else str(message)
        for name, message in raw.items()
    }
