"""The sandbox's state, kept in the "sandbox" database (apps/sandbox/router.py), never beside BFF data.

Emulated upstream records are JSON documents: a SessionM user document holds the profile, tags, point
accounts, wallet (user offers), audit log, timeline and campaign opt-ins, so one row lock makes a purchase
atomic just as SessionM's is. Braze messages are rows of their own so a person can browse them.
"""

from django.db import models


class Document(models.Model):
    kind = models.CharField(max_length=40)  # e.g. "sessionm.user", "sessionm.pos_request", "braze.user"
    key = models.CharField(max_length=200)  # e.g. the SessionM user_id
    # A second lookup key (e.g. a SessionM user's external_id, or an email for the one-email-per-profile rule).
    alt_key = models.CharField(max_length=200, blank=True, default="", db_index=True)
    data = models.JSONField(default=dict)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["kind", "key"], name="sandbox_document_kind_key")]
        indexes = [models.Index(fields=["kind", "alt_key"], name="sandbox_doc_kind_alt")]

    def __str__(self):
        return f"{self.kind}:{self.key}"


class BrazeMessage(models.Model):
    """One message the emulated Braze would have delivered: one recipient of one trigger call."""

    dispatch_id = models.CharField(max_length=32, db_index=True)
    target_type = models.CharField(max_length=10)  # "campaign" | "canvas"
    target_id = models.CharField(max_length=100, db_index=True)
    recipient = models.CharField(max_length=200, db_index=True)  # external_user_id (or alias/braze_id/email)
    properties = models.JSONField(default=dict)  # trigger_properties / canvas_entry_properties, merged
    attributes = models.JSONField(default=dict)
    send_id = models.CharField(max_length=64, blank=True, default="")
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self):
        return f"{self.target_type} {self.target_id} -> {self.recipient}"


class FaultSwitch(models.Model):
    """Fault injection for one upstream: added latency, a share of 5xx answers, a share of hangs (timeouts)
    and, for Braze, a share of 429 answers."""

    upstream = models.CharField(max_length=20, unique=True)
    latency_ms = models.PositiveIntegerField(default=0)
    error_rate = models.FloatField(default=0.0)
    timeout_rate = models.FloatField(default=0.0)
    rate_limit_rate = models.FloatField(default=0.0)
    # Braze: a share of answers "202 queued" (processed, answered as during maintenance); Cloud POS: a share of
    # "pending processing" refusals (nothing processed: send the same request_id again).
    deferred_rate = models.FloatField(default=0.0)
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self):
        return self.upstream
