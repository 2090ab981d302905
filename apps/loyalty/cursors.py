"""The activity log's opaque cursor: where the previous page ended ("<timestamp>|<events of that second
shown>", see loyalty.selectors.activity_get), signed and bound to the customer, so a client can only hand
back a cursor we gave it, and only for its own log."""

from django.core import signing
from django.utils.translation import gettext_lazy as _

from apps.core.errors import InvalidInput

_SALT = "loyalty.activity-cursor"


def activity_cursor(*, customer_pk: int, since: str) -> str:
    return signing.dumps(since, salt=f"{_SALT}:{customer_pk}")


def activity_since(*, customer_pk: int, cursor: str) -> str:
    """The position a cursor stands for; InvalidInput when the cursor is not one we gave this customer."""
    try:
        since = signing.loads(cursor, salt=f"{_SALT}:{customer_pk}")
    except signing.BadSignature:
        since = None
    if not isinstance(since, str) or not since:
        raise invalid_cursor()
    return since


def invalid_cursor() -> InvalidInput:
    return InvalidInput(details={"cursor": [_("This cursor is not valid. Start again from the first page.")]})
