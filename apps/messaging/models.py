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
    PASSWORD_RESET = "password_reset", _("Password reset")


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


class NotificationQuerySet(models.QuerySet):
    def in_flight(self, notifications) -> "NotificationQuerySet":
        """These rows, if still in the delivery run's claim that read them: 'sending' under the same claim token.
        A run writes its claimed rows only through this: an admin may not touch 'sending' rows, but another run
        that reclaimed them after our lease lapsed could have (its token replaced ours)."""
        tokens = {n.claim_token for n in notifications}
        return self.filter(
            pk__in=[n.pk for n in notifications], status=NotificationStatus.SENDING, claim_token__in=tokens
        )


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
    # When the delivery run holding this row last renewed its lease, and which run that is (apps/messaging/delivery.py).
    claimed_at = models.DateTimeField(null=True, blank=True)
    claim_token = models.CharField(max_length=32, blank=True, default="")
    sent_at = models.DateTimeField(null=True, blank=True)
    dispatch_id = models.CharField(max_length=64, blank=True)
    last_error = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = NotificationQuerySet.as_manager()

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


# --- The wallet ledger and inbound SessionM events (issue 4) -------------------------------------------------


class WalletItemState(models.TextChoices):
    ISSUED = "issued", _("Issued")  # in the customer's wallet, redeemable until expires_at
    REDEEMED = "redeemed", _("Redeemed")
    EXPIRED = "expired", _("Expired")
    REVOKED = "revoked", _("Revoked")


class WalletItemSource(models.TextChoices):
    # How the BFF first learnt of the item.
    PURCHASE = "purchase", _("Rewards Store purchase")
    PROMO_CODE = "promo_code", _("Promo code")
    TRANSACTION = "transaction", _("Transaction")
    WEBHOOK = "webhook", _("SessionM webhook")
    WALLET_READ = "wallet_read", _("Wallet read")


class WalletItem(models.Model):
    """An offer issued to a customer (a SessionM user offer) as the BFF last saw it.

    SessionM is the system of record: this is what the offer-issued and expiry-reminder messages are built
    from, never a balance or a wallet of our own. `reminder` is the item's one expiry reminder.
    """

    customer = models.ForeignKey("accounts.Customer", on_delete=models.CASCADE, related_name="wallet_items")
    user_offer_id = models.CharField(max_length=100, unique=True)
    offer_id = models.CharField(max_length=100, blank=True)
    title = models.CharField(max_length=300, blank=True)
    description = models.TextField(blank=True)
    terms = models.TextField(blank=True)
    image_url = models.CharField(max_length=1000, blank=True)
    pos_discount_id = models.CharField(max_length=100, blank=True)
    culture = models.CharField(max_length=10, blank=True)  # the language of title, description and terms
    expires_at = models.DateTimeField(null=True, blank=True)
    state = models.CharField(max_length=10, choices=WalletItemState.choices, default=WalletItemState.ISSUED)
    source = models.CharField(max_length=20, choices=WalletItemSource.choices)
    campaign_id = models.CharField(max_length=100, blank=True)
    campaign_name = models.CharField(max_length=300, blank=True)
    points_awarded = models.PositiveIntegerField(null=True, blank=True)
    point_account_name = models.CharField(max_length=200, blank=True)
    # What SessionM's webhook tells about the issuing campaign and the event that triggered it, passed on to
    # the offer messages under the partner page's names (campaign runtime, campaign custom data, triggering
    # event data). Empty when SessionM did not say.
    campaign_runtime = models.JSONField(default=dict, blank=True)
    campaign_custom_data = models.JSONField(default=dict, blank=True)
    triggering_event_data = models.JSONField(default=dict, blank=True)
    reminder = models.OneToOneField(
        Notification, null=True, blank=True, on_delete=models.SET_NULL, related_name="wallet_item"
    )
    # When SessionM last showed the item as issued (issue, webhook, wallet read): how fresh the ledger's word is.
    confirmed_at = models.DateTimeField(null=True, blank=True)
    first_seen_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        indexes = [models.Index(fields=["customer", "state"], name="messaging_walletitem_state")]

    def __str__(self):
        return self.user_offer_id


class InboundEventStatus(models.TextChoices):
    RECEIVED = "received", _("Received")  # recorded; its task has not finished yet
    PROCESSED = "processed", _("Processed")
    IGNORED = "ignored", _("Ignored")  # an unknown type, or a customer we do not know
    FAILED = "failed", _("Failed")


class InboundEvent(models.Model):
    """One event of SessionM's outbound webhook, recorded before it is acted on; the unique event id makes a
    redelivered event a no-op."""

    event_id = models.CharField(max_length=100, unique=True)
    type = models.CharField(max_length=50)
    user_id = models.CharField(max_length=64, blank=True, db_index=True)
    occurred_at = models.DateTimeField()
    data = models.JSONField(default=dict, blank=True)
    status = models.CharField(max_length=10, choices=InboundEventStatus.choices, default=InboundEventStatus.RECEIVED)
    attempts = models.PositiveIntegerField(default=0)
    note = models.TextField(blank=True)  # why it was ignored or failed, or what processing found
    received_at = models.DateTimeField(auto_now_add=True)
    processed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [models.Index(fields=["status", "received_at"], name="messaging_inboundevent_status")]

    def __str__(self):
        return f"{self.type} {self.event_id}"


class WorkerHeartbeat(models.Model):
    """The last time each outbox worker (`manage.py db_worker`) was seen alive, written by the worker itself
    every few seconds (apps/messaging/heartbeat.py). /readyz reads the newest one."""

    worker_id = models.CharField(max_length=64, unique=True)
    hostname = models.CharField(max_length=255)
    pid = models.PositiveIntegerField()
    started_at = models.DateTimeField()
    seen_at = models.DateTimeField(db_index=True)

    def __str__(self):
        return f"{self.worker_id} on {self.hostname} (pid {self.pid})"
