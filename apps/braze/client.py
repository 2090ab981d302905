"""The Braze client: trigger sends (campaigns, Canvases), users/track and users/delete on one pooled session.

Plain Python: configuration comes in as keyword arguments (apps.braze.get_braze_client builds it from
settings), results come out as the dataclasses of apps.braze.types, failures as the exceptions of
apps.braze.errors. Braze's limits are enforced here, before sending, so a request Braze would refuse is a
ValueError in our code rather than a 400 at delivery time. Paths live in apps.braze.routes only.
"""

import json
import logging
import time
from collections.abc import Callable, Iterable, Mapping
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any

import requests

from apps.upstream.session import send

from .errors import (
    BrazeAuthError,
    BrazeBadResponse,
    BrazeError,
    BrazeRateLimited,
    BrazeRequestRejected,
    BrazeTimeout,
    BrazeUnavailable,
)
from .routes import (
    MAX_DELETE_IDS,
    MAX_RECIPIENTS_PER_TRIGGER,
    MAX_TRACK_OBJECTS,
    MAX_TRIGGER_PROPERTIES_BYTES,
    ROUTES,
)
from .types import DeleteResult, RateLimit, Recipient, TrackResult, TriggerResult

logger = logging.getLogger(__name__)

# A trigger target's type -> its route, the key naming it in the body and the key of its properties, for
# the send and for each recipient (DOC_CAMPAIGN_TRIGGER, DOC_CANVAS_TRIGGER in routes).
_TRIGGERS = {
    "campaign": ("campaign_trigger", "campaign_id", "trigger_properties"),
    "canvas": ("canvas_trigger", "canvas_id", "canvas_entry_properties"),
}

# A users/track object names its profile by exactly one of these; email or phone name it only when none of
# them is present (otherwise they are attributes to set).
_TRACK_IDENTIFIERS = ("external_id", "user_alias", "braze_id")
_TRACK_CONTACT_IDENTIFIERS = ("email", "phone")
_EVENT_REQUIRED = ("name", "time")
_PURCHASE_REQUIRED = ("product_id", "currency", "price", "time")


class BrazeClient:
    def __init__(
        self,
        *,
        rest_url: str,
        api_key: str,
        timeout: tuple[float, float],
        session: requests.Session,
        retries: int = 2,
        sleep: Callable[[float], None] = time.sleep,
    ):
        self._rest_url = rest_url.rstrip("/")
        self._headers = {"Authorization": f"Bearer {api_key}", "Content-Type": "application/json"}
        self._timeout = timeout
        self._session = session
        self._retries = retries
        self._sleep = sleep

    # --- Trigger sends -------------------------------------------------------------------------------------

    def trigger(
        self,
        *,
        target: Mapping[str, str],
        recipients: list[Recipient],
        properties: dict[str, Any] | None = None,
        send_id: str | None = None,
    ) -> TriggerResult:
        """Send an API-triggered campaign to, or enter into an API-triggered Canvas, up to 50 recipients.
        `target` is an entry of settings.BRAZE_MESSAGES, {"type": "campaign"|"canvas", "id"}; `properties`
        become the send's trigger properties (a Canvas's entry properties). Never retried here: the routes
        are not safe to retry (apps/braze/routes.py)."""
        kind = target.get("type")
        if kind not in _TRIGGERS:
            raise ValueError(f"unknown Braze target type {kind!r} (expected 'campaign' or 'canvas')")
        route_name, target_key, properties_key = _TRIGGERS[kind]
        target_id = target.get("id")
        if not isinstance(target_id, str) or not target_id:
            raise ValueError(f"{target_key} must be a non-empty string")
        recipients = list(recipients)
        _check_recipients(recipients)
        body: dict[str, Any] = {target_key: target_id}
        if properties:
            _check_properties_size(properties_key, properties)
            body[properties_key] = properties
        if send_id:
            body["send_id"] = send_id
        body["recipients"] = [_recipient_wire(recipient, properties_key) for recipient in recipients]

        data, rate_limit = self._call(route_name, body)
        if data.get("notice"):
            # E.g. a paused or archived Canvas: Braze answers 201 and sends nothing.
            logger.warning("braze %s accepted with a notice: %s", route_name, data["notice"])
        return TriggerResult(
            dispatch_id=str(data.get("dispatch_id") or ""),
            errors=_errors(data),
            rate_limit=rate_limit,
            queued=_queued(data),
        )

    # --- Users ---------------------------------------------------------------------------------------------

    def track_users(
        self,
        *,
        attributes: Iterable[dict[str, Any]] = (),
        events: Iterable[dict[str, Any]] = (),
        purchases: Iterable[dict[str, Any]] = (),
    ) -> TrackResult:
        """Record attributes, events and purchases (at most 75 objects in all three lists together). Never
        retried: Braze does not deduplicate events, so a repeat after a lost answer would count them twice."""
        arrays = {"attributes": list(attributes), "events": list(events), "purchases": list(purchases)}
        for name, objects in arrays.items():
            _check_track_objects(name, objects)
        total = sum(len(objects) for objects in arrays.values())
        if total > MAX_TRACK_OBJECTS:
            raise ValueError(
                f"Braze takes at most {MAX_TRACK_OBJECTS} objects per users/track call (attributes, events and "
                f"purchases combined), got {total}"
            )
        if not any(arrays.values()):
            raise ValueError("track_users needs at least one attribute, event or purchase object")
        body = {name: objects for name, objects in arrays.items() if objects}
        data, rate_limit = self._call("users_track", body)
        return TrackResult(
            attributes_processed=self._count(data, "attributes_processed", rate_limit),
            events_processed=self._count(data, "events_processed", rate_limit),
            purchases_processed=self._count(data, "purchases_processed", rate_limit),
            errors=_errors(data),
            rate_limit=rate_limit,
            queued=_queued(data),
        )

    def delete_users(self, external_ids: list[str]) -> DeleteResult:
        """Delete Braze profiles (asynchronous and irreversible at Braze). Ids Braze has no profile for come
        back in `invalid_user_ids`: nothing to delete, not a failure."""
        ids = list(external_ids)
        if not ids:
            raise ValueError("delete_users needs at least one external id")
        if len(ids) > MAX_DELETE_IDS:
            raise ValueError(f"Braze deletes at most {MAX_DELETE_IDS} users per call, got {len(ids)}")
        if not all(isinstance(external_id, str) and external_id for external_id in ids):
            raise ValueError("every external id must be a non-empty string")
        data, rate_limit = self._call("users_delete", {"external_ids": ids})
        invalid = data.get("invalid_user_ids") or []
        return DeleteResult(
            deleted=self._count(data, "deleted", rate_limit),
            invalid_user_ids=invalid if isinstance(invalid, list) else [invalid],
            queued=_queued(data),
        )

    # --- Plumbing ------------------------------------------------------------------------------------------

    def _call(self, route_name: str, body: dict[str, Any]) -> tuple[dict[str, Any], RateLimit | None]:
        """Send one call; return the success body and the rate-limit headers, or raise the typed error."""
        route = ROUTES[route_name]
        label = f"braze {route_name}"
        payload = json.dumps(body, separators=(",", ":"), default=_json_default)
        started = time.monotonic()
        try:
            response = send(
                self._session,
                route.method,
                self._rest_url + route.path,
                label=label,
                unavailable=BrazeUnavailable,
                timed_out=BrazeTimeout,
                timeout=self._timeout,
                retries=self._retries,
                safe_to_retry=route.safe_to_retry,
                sleep=self._sleep,
                data=payload.encode("utf-8"),
                headers=self._headers,
            )
        except BrazeError as exc:
            logger.warning("%s failed: %s after %d ms", label, exc.__class__.__name__, _elapsed_ms(started))
            raise
        rate_limit = RateLimit.from_headers(response.headers)
        try:
            data = _read(response, label=label, rate_limit=rate_limit)
        except BrazeError as exc:
            logger.warning(
                "%s -> HTTP %s %s in %d ms", label, response.status_code, exc.__class__.__name__, _elapsed_ms(started)
            )
            raise
        logger.info("%s -> HTTP %s in %d ms", label, response.status_code, _elapsed_ms(started))
        return data, rate_limit

    @staticmethod
    def _count(data: dict[str, Any], key: str, rate_limit: RateLimit | None) -> int:
        value = data.get(key, 0)
        if isinstance(value, bool) or not isinstance(value, int):
            raise BrazeBadResponse(f"braze: {key} is not a number", rate_limit=rate_limit)
        return value


def _read(response: requests.Response, *, label: str, rate_limit: RateLimit | None) -> dict[str, Any]:
    """The body of a success answer, or the BrazeError the answer stands for."""
    status = response.status_code
    try:
        body = response.json()
    except ValueError:
        body = None

    if 200 <= status < 300:
        if isinstance(body, dict) and body.get("message") == "success":
            return body
        # During maintenance Braze answers 202 {"message":"queued"}: received and queued, processed later
        # (https://braze.com/docs/api/errors). A success: retrying it would send the message twice.
        if status == 202 and isinstance(body, dict) and body.get("message") == "queued":
            return {**body, _QUEUED: True}
        raise BrazeBadResponse(
            f"{label}: HTTP {status} without Braze's success envelope", status_code=status, rate_limit=rate_limit
        )
    if status in (401, 403):
        # Braze's 401 text echoes the key that was sent: keep it out of the message.
        reason = "missing permission" if status == 403 else "wrong API key or wrong REST cluster"
        raise BrazeAuthError(
            f"{label}: credentials refused ({reason}, HTTP {status})", status_code=status, rate_limit=rate_limit
        )
    if status == 429:
        reset_at = rate_limit.reset_at if rate_limit and rate_limit.reset_at else _next_hour()
        raise BrazeRateLimited(
            f"{label}: rate limited until {reset_at.isoformat()}",
            reset_at=reset_at,
            status_code=status,
            rate_limit=rate_limit,
        )
    if status >= 500:
        raise BrazeUnavailable(f"{label}: HTTP {status}", status_code=status, rate_limit=rate_limit)
    if 400 <= status < 500:
        message = body.get("message") if isinstance(body, dict) else None
        errors = body.get("errors") if isinstance(body, dict) else None
        text = message[:200] if isinstance(message, str) and message else "no message"
        raise BrazeRequestRejected(
            f"{label}: rejected (HTTP {status}): {text}",
            status_code=status,
            details={"errors": errors} if errors else None,
            rate_limit=rate_limit,
        )
    raise BrazeBadResponse(f"{label}: unexpected HTTP {status}", status_code=status, rate_limit=rate_limit)


_QUEUED = "__queued__"  # marks a 202 "queued" body for _queued(); never sent anywhere


def _queued(data: dict[str, Any]) -> bool:
    return bool(data.get(_QUEUED))


def _check_recipients(recipients: list[Recipient]) -> None:
    if not recipients:
        raise ValueError("a trigger send needs at least one recipient (the BFF never broadcasts)")
    if len(recipients) > MAX_RECIPIENTS_PER_TRIGGER:
        raise ValueError(f"Braze takes at most {MAX_RECIPIENTS_PER_TRIGGER} recipients per call, got {len(recipients)}")
    for index, recipient in enumerate(recipients):
        if not isinstance(recipient, Recipient):
            raise TypeError(f"recipients[{index}] is not a Recipient")
        if not isinstance(recipient.external_user_id, str) or not recipient.external_user_id:
            raise ValueError(f"recipients[{index}] needs an external_user_id")
        if not recipient.send_to_existing_only and not recipient.attributes:
            raise ValueError(f"recipients[{index}]: send_to_existing_only=False needs attributes to create the profile")
        if recipient.trigger_properties:
            _check_properties_size(f"recipients[{index}] properties", recipient.trigger_properties)


def _recipient_wire(recipient: Recipient, properties_key: str) -> dict[str, Any]:
    wire: dict[str, Any] = {"external_user_id": recipient.external_user_id}
    if recipient.trigger_properties:
        wire[properties_key] = recipient.trigger_properties
    if recipient.attributes:
        wire["attributes"] = recipient.attributes
    wire["send_to_existing_only"] = recipient.send_to_existing_only
    return wire


def _check_properties_size(name: str, properties: dict[str, Any]) -> None:
    if not isinstance(properties, dict):
        raise TypeError(f"{name} must be a dict")
    size = len(json.dumps(properties, separators=(",", ":"), default=_json_default).encode("utf-8"))
    if size > MAX_TRIGGER_PROPERTIES_BYTES:
        raise ValueError(f"{name} are {size} bytes; Braze takes at most {MAX_TRIGGER_PROPERTIES_BYTES}")


def _check_track_objects(name: str, objects: list[Any]) -> None:
    if len(objects) > MAX_TRACK_OBJECTS:
        raise ValueError(f"Braze takes at most {MAX_TRACK_OBJECTS} {name} per users/track call, got {len(objects)}")
    required = {"events": _EVENT_REQUIRED, "purchases": _PURCHASE_REQUIRED}.get(name, ())
    for index, obj in enumerate(objects):
        if not isinstance(obj, dict):
            raise TypeError(f"{name}[{index}] must be a dict")
        identifiers = [key for key in _TRACK_IDENTIFIERS if key in obj] or [
            key for key in _TRACK_CONTACT_IDENTIFIERS if key in obj
        ]
        if len(identifiers) != 1:
            raise ValueError(
                f"{name}[{index}] needs exactly one of {', '.join(_TRACK_IDENTIFIERS)} (or else one of email, phone)"
            )
        missing = [key for key in required if key not in obj]
        if missing:
            raise ValueError(f"{name}[{index}] is missing {', '.join(missing)}")


def _errors(data: dict[str, Any]) -> list[Any]:
    errors = data.get("errors")
    if errors is None:
        return []
    return errors if isinstance(errors, list) else [errors]


def _json_default(value: Any) -> Any:
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    raise TypeError(f"{value.__class__.__name__} is not JSON serializable")


def _next_hour() -> datetime:
    """Braze's hourly windows reset on the hour: the fallback when a 429 carries no reset header."""
    now = datetime.now(UTC)
    return now.replace(minute=0, second=0, microsecond=0) + timedelta(hours=1)


def _elapsed_ms(started: float) -> int:
    return int((time.monotonic() - started) * 1000)
