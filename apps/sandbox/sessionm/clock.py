"""The emulator's clock and SessionM's two timestamp formats.

Every "now" goes through `now()` so tests can move time (offer expiry, Saturdays) by patching one function.
"""

from datetime import UTC, datetime

from django.utils import timezone


def now() -> datetime:
    return timezone.now()


def stored(moment: datetime) -> str:
    """How a moment is kept in a state document: ISO-8601 UTC with microseconds."""
    return moment.astimezone(UTC).isoformat()


def parse_stored(value: str) -> datetime:
    return datetime.fromisoformat(value)


def core(moment: datetime | str) -> str:
    """Core's "YYYY-MM-DD HH:MM:SS" (UTC, no zone)."""
    if isinstance(moment, str):
        moment = parse_stored(moment)
    return moment.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S")


def connect(moment: datetime | str) -> str:
    """Connect's ISO-8601 UTC with 7 fractional digits and Z, e.g. 2025-05-30T06:08:11.6829853Z."""
    if isinstance(moment, str):
        moment = parse_stored(moment)
    moment = moment.astimezone(UTC)
    return f"{moment:%Y-%m-%dT%H:%M:%S}.{moment.microsecond:06d}0Z"


def parse_core(value: str) -> datetime:
    """A Core timestamp ("YYYY-MM-DD HH:MM:SS", UTC) as sent back in `since`; ISO-8601 is accepted too."""
    parsed = datetime.fromisoformat(value.strip())
    return parsed.replace(tzinfo=UTC) if parsed.tzinfo is None else parsed.astimezone(UTC)


def whole_second(value: datetime | str) -> datetime:
    if isinstance(value, str):
        value = parse_stored(value)
    return value.astimezone(UTC).replace(microsecond=0)
