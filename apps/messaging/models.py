"""The notification outbox: one row per message the BFF owes a customer, and one row per attempt to send it.

A notification is written in the same transaction as the change that causes it, under a unique
`dedupe_key`, so the same message can never be queued twice; delivery (apps/messaging/delivery.py) marks a
row sent as soon as Braze accepts it, so nothing Braze accepted is sent again.
"""

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class NotificationKind(models.TextChoices):
    # Each kind is sent to the Braze campaign or canvas configured in settings.BRAZE_MESSAGES[kind].
    WELCOME = "welcome", _("Welcome")
    OFFER_ISSUED = "offer_issued", _("Offer issued")
    OFFER_EXPIRING = "offer_expiring", _("Offer expiring")


class NotificationStatus(models.TextChoices):
    PENDING = "pending", _("Pending")  # waiting for next_attempt_at
    SENDING = "sending", _("Sending")  # claimed by a delivery run (reclaimed if that run died)
    SENT = "sent", _("Sent")  # Braze accepted it (2xx)
    FAILED = "failed", _("Failed")  # Braze refused it (4xx): sending again would not help
    DEAD = "dead", _("Dead")  # still failing after NOTIFICATION_MAX_ATTEMPTS attempts
    CANCELLED = "cancelled", _("Cancelled")


class TargetType(models.TextChoices):
    CAMPAIGN = "campaign", _("Campaign")
    CANVAS = "canvas", _("Canvas")


class Notification(models.Model):
    kind = models.CharField(max_length=20, choices=NotificationKind.choices)
    # SET_NULL: the record that a message was sent outlives the customer's account.
    customer = models.ForeignKey(
        "accounts.Customer", null=True, blank=True, on_delete=models.SET_NULL, related_name="notifications"
    )
    # e.g. "welcome:<customer id>" or "offer_issued:<customer id>:<user_offer_id>".
    dedupe_key = models.CharField(max_length=200, unique=True)
    target_type = models.CharField(max_length=10, choices=TargetType.choices)
    target_id = models.CharField(max_length=100)
    # Braze's external id of the customer, which is the SessionM user id.
    recipient = models.CharField(max_length=64, db_index=True)
    trigger_properties = models.JSONField(default=dict, blank=True)
    attributes = models.JSONField(default=dict, blank=True)
    send_to_existing_only = models.BooleanField(default=True)
    status = models.CharField(max_length=10, choices=NotificationStatus.choices, default=NotificationStatus.PENDING)
    due_at = models.DateTimeField(default=timezone.now)
    attempts = models.PositiveIntegerField(default=0)  # sends that failed or succeeded; 429s do not count
    next_attempt_at = models.DateTimeField(default=timezone.now)
    claimed_at = models.DateTimeField(null=True, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    dispatch_id = models.CharField(max_length=64, blank=True)
    last_error = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        indexes = [
            models.Index(fields=["status", "next_attempt_at"], name="messaging_notification_due"),
            models.Index(fields=["kind", "status"], name="messaging_notification_kind"),
        ]

    def __str__(self):
        return self.dedupe_key


class AttemptOutcome(models.TextChoices):
    SENT = "sent", _("Sent")
    RATE_LIMITED = "rate_limited", _("Rate limited (429)")
    TRANSIENT_ERROR = "transient_error", _("Transient error (5xx, timeout, unreachable)")
    REJECTED = "rejected", _("Rejected (4xx)")


class DeliveryAttempt(models.Model):
    """One Braze call on behalf of one notification (a call carries up to 50 notifications)."""

    notification = models.ForeignKey(Notification, on_delete=models.CASCADE, related_name="delivery_attempts")
    started_at = models.DateTimeField()
    finished_at = models.DateTimeField()
    outcome = models.CharField(max_length=20, choices=AttemptOutcome.choices)
    http_status = models.PositiveSmallIntegerField(null=True, blank=True)
    dispatch_id = models.CharField(max_length=64, blank=True)
    error = models.TextField(blank=True)

    class Meta:
        ordering = ["-started_at", "-id"]

    def __str__(self):
        return f"{self.notification_id} {self.outcome}"
