"""Reading what the emulated Braze holds, for the developer's page."""

from django.db.models import Count, QuerySet

from ..models import BrazeMessage
from ..router import SANDBOX_DB


def message_list(*, target_id: str = "", recipient: str = "") -> QuerySet[BrazeMessage]:
    """The messages Braze would have sent, newest first, optionally for one campaign/Canvas and one recipient."""
    messages = BrazeMessage.objects.using(SANDBOX_DB).order_by("-created_at", "-id")
    if target_id:
        messages = messages.filter(target_id=target_id)
    if recipient:
        messages = messages.filter(recipient=recipient)
    return messages


def message_targets() -> list[dict]:
    """Every campaign and Canvas that has messages: [{"target_type", "target_id", "messages"}], by id."""
    rows = (
        BrazeMessage.objects.using(SANDBOX_DB)
        .values("target_type", "target_id")
        .annotate(messages=Count("id"))
        .order_by("target_id", "target_type")
    )
    return [dict(row) for row in rows]
