"""Writes to the notification outbox: queue a message, and the operations support and forgetting need."""

import hashlib
import json
from datetime import datetime

from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone

from apps.accounts.languages import braze_language
from apps.accounts.models import Customer, CustomerStatus
from apps.braze.routes import MAX_TRIGGER_PROPERTIES_BYTES

from .models import Notification, NotificationKind, NotificationStatus
from .tasks import delivery_schedule

# Statuses an operator may act on: not yet sent and not in a worker's hands.
_UNSENT = (NotificationStatus.PENDING, NotificationStatus.FAILED, NotificationStatus.DEAD)


def notification_enqueue(
    *,
    kind: str,
    customer: Customer,
    dedupe_key: str,
    trigger_properties: dict,
    attributes: dict | None = None,
    send_to_existing_only: bool = True,
    due_at: datetime | None = None,
) -> Notification:
    """Queue a message for `customer` inside the caller's transaction; delivery starts when it commits.

    The same `dedupe_key` returns the row already queued, so a message can never be queued twice.
    """
    target = settings.BRAZE_MESSAGES[kind]
    if not customer.sessionm_user_id:
        raise ValueError("a notification needs the customer's SessionM user id (their Braze external id)")
    if not send_to_existing_only and not attributes:
        raise ValueError("Braze creates a profile only from attributes: send_to_existing_only=False needs them")
    size = len(json.dumps(trigger_properties, separators=(",", ":"), cls=DjangoJSONEncoder).encode())
    if size > MAX_TRIGGER_PROPERTIES_BYTES:
        # Refused here, where the caller can see it, rather than failing the whole batch at delivery time.
        raise ValueError(f"trigger properties are {size} bytes; Braze takes at most {MAX_TRIGGER_PROPERTIES_BYTES}")
    due_at = due_at or timezone.now()
    notification, created = Notification.objects.get_or_create(
        dedupe_key=dedupe_key,
        defaults={
            "kind": kind,
            "customer": customer,
            "target_type": target["type"],
            "target_id": target["id"],
            "recipient": customer.sessionm_user_id,
            "trigger_properties": trigger_properties,
            "attributes": attributes or {},
            "send_to_existing_only": send_to_existing_only,
            "due_at": due_at,
            "next_attempt_at": due_at,
        },
    )
    if created:
        # robust: the row is committed either way; a failed enqueue is caught up by the next run.
        transaction.on_commit(lambda: delivery_schedule(at=due_at), robust=True)
    return notification


def notification_welcome_enqueue(*, customer: Customer) -> Notification:
    """The welcome message. It also creates the customer's Braze profile (send_to_existing_only=False)
    with the attributes the message renders with, so no separate /users/track call is needed."""
    target = settings.BRAZE_MESSAGES[NotificationKind.WELCOME]
    email = customer.user.email
    return notification_enqueue(
        kind=NotificationKind.WELCOME,
        customer=customer,
        dedupe_key=f"welcome:{customer.pk}",
        trigger_properties={
            "customer_id": customer.sessionm_user_id,
            "email": email,
            f"{target['type']}_id": target["id"],
        },
        attributes={"email": email, "first_name": customer.first_name, "language": braze_language(customer.language)},
        send_to_existing_only=False,
    )


def notification_password_reset_enqueue(*, customer: Customer, link: str, token: str) -> Notification:
    """The password reset message with its link. One per link (a token is unique to the moment it was made
    and the password it resets), sent only to the Braze profile the welcome created."""
    target = settings.BRAZE_MESSAGES[NotificationKind.PASSWORD_RESET]
    return notification_enqueue(
        kind=NotificationKind.PASSWORD_RESET,
        customer=customer,
        # The token is a secret: the key holds a digest of it, never the token itself.
        dedupe_key=f"password_reset:{customer.pk}:{hashlib.sha256(token.encode()).hexdigest()[:32]}",
        trigger_properties={
            "customer_id": customer.sessionm_user_id,
            "reset_url": link,
            "expires_in_minutes": settings.PASSWORD_RESET_TIMEOUT // 60,
            "language": braze_language(customer.language),
            f"{target['type']}_id": target["id"],
        },
    )


def notifications_forget_customer(*, customer: Customer) -> None:
    """Cancel what was not sent yet and erase the personal data every message of the customer carried.
    The rows stay, without their payload, as the record of what was sent."""
    with transaction.atomic():
        customer.notifications.filter(status__in=_UNSENT).update(
            status=NotificationStatus.CANCELLED, updated_at=timezone.now()
        )
        customer.notifications.update(trigger_properties={}, attributes={}, updated_at=timezone.now())


def notifications_retry(*, notifications: QuerySet[Notification]) -> int:
    """Send failed or dead notifications again now, with a fresh series of attempts. Returns how many.

    Rows of customers no longer active are left alone: their payload was erased when they were forgotten.
    """
    now = timezone.now()
    count = notifications.filter(
        status__in=(NotificationStatus.FAILED, NotificationStatus.DEAD), customer__status=CustomerStatus.ACTIVE
    ).update(status=NotificationStatus.PENDING, attempts=0, next_attempt_at=now, claimed_at=None, updated_at=now)
    if count:
        transaction.on_commit(delivery_schedule, robust=True)
    return count


def notifications_cancel(*, notifications: QuerySet[Notification]) -> int:
    """Cancel notifications not sent yet (pending, failed, dead). Returns how many."""
    return notifications.filter(status__in=_UNSENT).update(
        status=NotificationStatus.CANCELLED, updated_at=timezone.now()
    )
