"""Reading request fields the way a strict SessionM tenant does: every problem of a request is collected and
refused at once, each under its field's path ("user_id", "items[0].quantity").

JSON bodies are typed strictly (a number sent as a string is refused); query strings are text, so a
`Fields(..., from_query=True)` parses integers and booleans from their text.
"""

from decimal import Decimal, InvalidOperation
from typing import Any, Literal, overload

from apps.sandbox import demo
from apps.sandbox.http import SandboxRequest
from apps.sessionm import errors as codes

from .envelopes import Refusal, invalid

BLANK = "can't be blank"


def json_object(request: SandboxRequest) -> dict:
    """The request's JSON body, which every SessionM write sends as an object."""
    if not isinstance(request.json, dict):
        raise Refusal(codes.MISSING_DATA, "the request body must be a JSON object")
    return request.json


def query_fields(request: SandboxRequest) -> "Fields":
    return Fields({name: values[0] for name, values in request.query.items() if values}, from_query=True)


# Connect's paging: skip/take with take at most 1000.
MAX_TAKE = 1000
DEFAULT_TAKE = 100


def connect_fields(request: SandboxRequest) -> "Fields":
    return Fields(json_object(request))


def connect_culture(fields: "Fields") -> str:
    """The body's `culture`, as one the program has texts for (en-US when absent or unknown)."""
    return demo.pick_culture(fields.text("culture", max_length=20))


def connect_page(fields: "Fields") -> tuple[int, int]:
    return (
        fields.integer("skip", default=0, minimum=0),
        fields.integer("take", default=DEFAULT_TAKE, minimum=1, maximum=MAX_TAKE),
    )


class Fields:
    """A request's fields, read one by one; check() then refuses the call if any was wrong.

    The overloads type a required field as present, and a field with a default as never None: a handler uses
    its values only after check(), which refuses the call when a required field is missing or wrong."""

    def __init__(self, data: Any, *, prefix: str = "", errors: dict[str, str] | None = None, from_query=False):
        self.errors = {} if errors is None else errors
        self._prefix = prefix
        self._from_query = from_query
        self._data = data if isinstance(data, dict) else {}

    def __contains__(self, name: str) -> bool:
        return name in self._data

    def path(self, name: str) -> str:
        return f"{self._prefix}{name}"

    def error(self, name: str, message: str) -> None:
        self.errors.setdefault(self.path(name), message)

    def nested(self, data: Any, prefix: str) -> "Fields":
        """Fields of a nested object, reporting into the same error map."""
        fields = Fields(data, prefix=self.path(prefix), errors=self.errors)
        if not isinstance(data, dict):
            self.errors.setdefault(self.path(prefix), "must be an object")
        return fields

    def _present(self, name: str, required: bool) -> Any:
        value = self._data.get(name)
        if value is None or value == "":
            if required:
                self.error(name, BLANK)
            return None
        return value

    @overload
    def text(self, name: str, *, required: Literal[True], max_length: int = 255, choices=None) -> str: ...
    @overload
    def text(self, name: str, *, required: bool = False, max_length: int = 255, choices=None) -> str | None: ...
    def text(self, name: str, *, required: bool = False, max_length: int = 255, choices=None) -> str | None:
        value = self._present(name, required)
        if value is None:
            return None
        if not isinstance(value, str):
            self.error(name, "must be a string")
            return None
        value = value.strip()
        if not value and required:
            self.error(name, BLANK)
            return None
        if len(value) > max_length:
            self.error(name, f"is too long (maximum is {max_length} characters)")
            return None
        if choices is not None and value not in choices:
            self.error(name, "must be one of: " + ", ".join(choices))
            return None
        return value

    @overload
    def boolean(self, name: str, *, default: bool) -> bool: ...
    @overload
    def boolean(self, name: str, *, default: None = None) -> bool | None: ...
    def boolean(self, name: str, *, default: bool | None = None) -> bool | None:
        value = self._present(name, False)
        if value is None:
            return default
        if self._from_query and isinstance(value, str) and value.lower() in ("true", "false", "1", "0"):
            return value.lower() in ("true", "1")
        if not isinstance(value, bool):
            self.error(name, "must be true or false")
            return default
        return value

    @overload
    def integer(
        self, name: str, *, required: bool = False, default: int, minimum: int | None = None, maximum: int | None = None
    ) -> int: ...
    @overload
    def integer(
        self,
        name: str,
        *,
        required: Literal[True],
        default: None = None,
        minimum: int | None = None,
        maximum: int | None = None,
    ) -> int: ...
    @overload
    def integer(
        self,
        name: str,
        *,
        required: bool = False,
        default: None = None,
        minimum: int | None = None,
        maximum: int | None = None,
    ) -> int | None: ...
    def integer(
        self,
        name: str,
        *,
        required: bool = False,
        default: int | None = None,
        minimum: int | None = None,
        maximum: int | None = None,
    ) -> int | None:
        value = self._present(name, required)
        if value is None:
            return default
        if self._from_query and isinstance(value, str):
            try:
                value = int(value)
            except ValueError:
                self.error(name, "must be an integer")
                return default
        if isinstance(value, bool) or not isinstance(value, int):
            self.error(name, "must be an integer")
            return default
        if minimum is not None and value < minimum:
            self.error(name, f"must be greater than or equal to {minimum}")
            return default
        if maximum is not None and value > maximum:
            self.error(name, f"must be less than or equal to {maximum}")
            return default
        return value

    @overload
    def decimal(self, name: str, *, required: Literal[True], minimum: Decimal | None = None) -> Decimal: ...
    @overload
    def decimal(self, name: str, *, required: bool = False, minimum: Decimal | None = None) -> Decimal | None: ...
    def decimal(self, name: str, *, required: bool = False, minimum: Decimal | None = None) -> Decimal | None:
        """A number sent as a JSON number or a decimal string ("18.00")."""
        value = self._present(name, required)
        if value is None:
            return None
        if isinstance(value, bool) or not isinstance(value, int | float | str):
            self.error(name, "must be a number")
            return None
        try:
            number = Decimal(str(value).strip())
        except InvalidOperation:
            self.error(name, "must be a number")
            return None
        if not number.is_finite():
            self.error(name, "must be a number")
            return None
        if minimum is not None and number < minimum:
            self.error(name, "must not be negative" if minimum == 0 else f"must be greater than or equal to {minimum}")
            return None
        return number

    @overload
    def mapping(self, name: str, *, required: Literal[True]) -> dict: ...
    @overload
    def mapping(self, name: str, *, required: bool = False) -> dict | None: ...
    def mapping(self, name: str, *, required: bool = False) -> dict | None:
        value = self._present(name, required)
        if value is None:
            return None
        if not isinstance(value, dict):
            self.error(name, "must be an object")
            return None
        return value

    @overload
    def array(self, name: str, *, required: Literal[True], max_items: int | None = None) -> list: ...
    @overload
    def array(self, name: str, *, required: bool = False, max_items: int | None = None) -> list | None: ...
    def array(self, name: str, *, required: bool = False, max_items: int | None = None) -> list | None:
        value = self._data.get(name)
        if value is None:
            if required:
                self.error(name, BLANK)
            return None
        if not isinstance(value, list):
            self.error(name, "must be a list")
            return None
        if required and not value:
            self.error(name, BLANK)
            return None
        if max_items is not None and len(value) > max_items:
            self.error(name, f"is too long (maximum is {max_items} entries)")
            return None
        return value

    def check(self, *, on_user: bool = False) -> None:
        """Refuse the call when any field was wrong (query parameters: Core's argument_error)."""
        if self.errors:
            code = codes.ARGUMENT_ERROR if self._from_query else codes.VALIDATION
            raise invalid(dict(self.errors), on_user=on_user, code=code)
