"""Scalar conversions from SessionM's wire values: lenient about absence, strict about garbage.

Absent, null and empty values read as None. A value that is present but cannot be what the field must be
raises ValueError or TypeError, which the client reports as SessionMBadResponse.
"""

from datetime import UTC, date, datetime
from decimal import ROUND_DOWN, Decimal
from typing import Any


def _absent(value: Any) -> bool:
    return value is None or value == ""


def text(value: Any) -> str | None:
    if _absent(value):
        return None
    if isinstance(value, bool) or not isinstance(value, str | int):
        raise TypeError(f"expected a string, got {type(value).__name__}")
    return str(value)


def identifier(value: Any) -> str:
    """A required id (SessionM sends UUID strings, some tenants integers)."""
    result = text(value)
    if result is None:
        raise ValueError("missing id")
    return result


def flag(value: Any, *, default: bool = False) -> bool:
    if value is None:
        return default
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.lower() in ("true", "false"):
        return value.lower() == "true"
    raise TypeError(f"expected a boolean, got {type(value).__name__}")


def decimal(value: Any) -> Decimal | None:
    if _absent(value):
        return None
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        raise TypeError(f"expected a number, got {type(value).__name__}")
    # str() first so a float such as 18.2 reads as 18.2, not its binary expansion.
    result = Decimal(str(value))
    if not result.is_finite():
        raise ValueError("not a finite number")
    return result


def points(value: Any) -> int | None:
    """Points as an int. SessionM's point values are decimals; a fraction is dropped (toward zero) so a
    balance is never shown higher than it is."""
    result = decimal(value)
    return None if result is None else int(result.to_integral_value(rounding=ROUND_DOWN))


def moment(value: Any) -> datetime | None:
    """An aware datetime from Core's "YYYY-MM-DD HH:MM:SS" (UTC) or Connect's ISO-8601, whose fraction can
    carry 7 digits (".6829853Z": Python keeps 6)."""
    if _absent(value):
        return None
    if not isinstance(value, str):
        raise TypeError(f"expected a timestamp string, got {type(value).__name__}")
    parsed = datetime.fromisoformat(value.strip())
    return parsed.replace(tzinfo=UTC) if parsed.tzinfo is None else parsed


def core_timestamp(value: datetime) -> str:
    """A moment as Core writes its timestamps ("YYYY-MM-DD HH:MM:SS", UTC): the form `since` is sent in."""
    if value.tzinfo is not None:
        value = value.astimezone(UTC)
    return value.strftime("%Y-%m-%d %H:%M:%S")


def day(value: Any) -> date | None:
    if _absent(value):
        return None
    if not isinstance(value, str):
        raise TypeError(f"expected a date string, got {type(value).__name__}")
    return date.fromisoformat(value.strip()[:10])


def mapping(value: Any) -> dict[str, Any]:
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise TypeError(f"expected an object, got {type(value).__name__}")
    return value


def items(value: Any) -> list[Any]:
    if value is None:
        return []
    if not isinstance(value, list):
        raise TypeError(f"expected a list, got {type(value).__name__}")
    return value


def first_media_uri(media: Any) -> str | None:
    """The first media entry's uri: the offer's image."""
    for entry in items(media):
        uri = text(mapping(entry).get("uri"))
        if uri:
            return uri
    return None
