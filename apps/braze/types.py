"""What the Braze client takes and returns: plain frozen dataclasses, no Django."""

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any


@dataclass(frozen=True)
class RateLimit:
    """Braze's X-RateLimit-* headers. `reset_at` is when the current window ends (Braze sends epoch seconds)."""

    limit: int | None
    remaining: int | None
    reset_at: datetime | None

    @classmethod
    def from_headers(cls, headers: Mapping[str, str]) -> "RateLimit | None":
        """None when the answer carried none of the headers. Names are matched case-insensitively."""
        lowered = {str(name).lower(): value for name, value in headers.items()}
        limit = _int(lowered.get("x-ratelimit-limit"))
        remaining = _int(lowered.get("x-ratelimit-remaining"))
        reset = _int(lowered.get("x-ratelimit-reset"))
        if limit is None and remaining is None and reset is None:
            return None
        reset_at = datetime.fromtimestamp(reset, tz=UTC) if reset is not None and reset >= 0 else None
        return cls(limit=limit, remaining=remaining, reset_at=reset_at)


def _int(value: str | None) -> int | None:
    try:
        return int(str(value).strip()) if value is not None else None
    except ValueError:
        return None


@dataclass(frozen=True)
class Recipient:
    """One recipient of a trigger send, by external id (the BFF never targets aliases, emails or segments).

    `trigger_properties` are this recipient's own properties (sent as `canvas_entry_properties` to a Canvas);
    they override the call's top-level properties key by key. `attributes` are applied to the Braze profile
    before the message renders; `send_to_existing_only=False` creates the profile and needs attributes.
    """

    external_user_id: str
    trigger_properties: dict[str, Any] = field(default_factory=dict)
    attributes: dict[str, Any] = field(default_factory=dict)
    send_to_existing_only: bool = True


@dataclass(frozen=True)
class TriggerResult:
    """Braze accepted the send. `errors` are Braze's non-fatal problems (the rest was processed)."""

    dispatch_id: str
    errors: list[Any]
    rate_limit: RateLimit | None
    # Braze answered 202 {"message":"queued"} (maintenance): it has the call and will process it later. A
    # success all the same: sending again would send twice (https://braze.com/docs/api/errors).
    queued: bool = False


@dataclass(frozen=True)
class TrackResult:
    attributes_processed: int
    events_processed: int
    purchases_processed: int
    errors: list[Any]
    rate_limit: RateLimit | None
    queued: bool = False  # see TriggerResult.queued; the *_processed counts are then 0


@dataclass(frozen=True)
class DeleteResult:
    deleted: int
    invalid_user_ids: list[Any]  # ids Braze knew no profile for: nothing to delete, not an error
    queued: bool = False
