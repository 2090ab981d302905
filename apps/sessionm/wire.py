"""Reading SessionM's wire values: scalar conversions, lenient about absence and strict about garbage, and
`Record`, the typed results read field by field.

Absent, null and empty values read as None. A value that is present but cannot be what the field must be
raises ValueError or TypeError, which the client reports as SessionMBadResponse.
"""

import dataclasses
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import ROUND_DOWN, Decimal
from functools import cache
from typing import Any, Self, TypeVar, cast, get_type_hints

T = TypeVar("T")


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


def count(value: Any) -> int:
    """Points or a count where absent means none: 0."""
    return points(value) or 0


def records(read: Callable[[Any], T]) -> Callable[[Any], tuple[T, ...]]:
    """A reader of a list whose every entry `read` reads (absent: empty)."""
    return lambda value: tuple(read(entry) for entry in items(value))


def optional(read: Callable[[Any], T]) -> Callable[[Any], T | None]:
    """A reader that leaves an absent (null) value None instead of reading it."""
    return lambda value: None if value is None else read(value)


# --- Records ------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Read:
    """`Annotated` metadata of a Record field: the function that reads its wire value."""

    read: Callable[[Any], Any]


@dataclass(frozen=True)
class At:
    """`Annotated` metadata of a Record field whose wire value is not under the field's own name: a key, or
    a dotted path into nested objects ("offer_details.title")."""

    path: str


class Record:
    """Base of the typed results (frozen dataclasses) whose every field is one wire value. Each field says
    how it is read in its annotation, `Annotated[<type>, Read(reader)]` plus `At(path)` when the wire names it
    otherwise, so the field list is the one place the wire shape is read and `from_wire` is written once."""

    @classmethod
    def from_wire(cls, data: Any) -> Self:
        reader: Callable[[Any], Self] = _reader(cast(type, cls))
        return reader(data)


@cache
def _reader(cls: type[T]) -> Callable[[Any], T]:
    """The function reading a `cls` from its wire object, generated once per class from its annotations (as
    dataclasses generate __init__): the screens read up to a thousand of these per request, and a generic
    loop over the fields costs twice what the calls written out do."""
    hints = get_type_hints(cls, include_extras=True)
    namespace: dict[str, Any] = {"cls": cls, "mapping": mapping}
    arguments = []
    for number, dataclass_field in enumerate(dataclasses.fields(cast(Any, cls))):
        extras = getattr(hints[dataclass_field.name], "__metadata__", ())
        reads = [extra.read for extra in extras if isinstance(extra, Read)]
        paths = [extra.path for extra in extras if isinstance(extra, At)]
        if len(reads) != 1:
            raise TypeError(f"{cls.__name__}.{dataclass_field.name} needs exactly one Read(...) in its annotation")
        *parents, key = (paths[-1] if paths else dataclass_field.name).split(".")
        value = "data"
        for parent in parents:
            value = f"mapping({value}.get({parent!r}))"
        namespace[f"read_{number}"] = reads[0]
        arguments.append(f"{dataclass_field.name}=read_{number}({value}.get({key!r}))")
    source = f"def from_wire(data):\n    data = mapping(data)\n    return cls({', '.join(arguments)})\n"
    exec(source, namespace)  # noqa: S102 - the source is built from the class's own field names and paths
    return cast(Callable[[Any], T], namespace["from_wire"])
