"""The till side of the program: POS clients (who may report purchases), the purchases they reported, the
nonces that make a signed request single-use, and the member codes that tell a till who is buying.

Only a POS client can cause a SessionM transaction; a customer's credentials reach none of these writes.
"""

import hashlib
import hmac

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.serializers.json import DjangoJSONEncoder
from django.db import models
from django.utils.translation import gettext_lazy as _


def pos_client_signing_key(*, key_id: str, key_version: int) -> str:
    """The HMAC key a POS client signs with, derived from POS_CLIENT_KEY_SECRET.

    HMAC verification needs the key itself, so a one-way hash (as for passwords) cannot be stored. Storing it
    would put every till's key in every database dump and backup; encrypting it would need a second key
    anyway. Deriving it from one server secret, the key id and a version stores nothing secret in the
    database: a dump reveals no key, rotating one client is bumping its version, and rotating the secret
    re-keys every till at once. The key is 64 hex characters, used as given (ASCII) on both sides.
    """
    message = f"pos-client:{key_id}:{key_version}".encode()
    return hmac.new(settings.POS_CLIENT_KEY_SECRET.encode(), message, hashlib.sha256).hexdigest()


class PosClient(models.Model):
    """A till or ordering back end allowed to report purchases, for the stores it lists."""

    name = models.CharField(max_length=100)
    key_id = models.SlugField(max_length=64, unique=True, help_text=_("Sent by the till in X-POS-Key-Id."))
    key_version = models.PositiveIntegerField(
        default=1, help_text=_("Bumped by the admin's rotate action; the signing key is derived from it.")
    )
    is_active = models.BooleanField(default=True, help_text=_("An inactive client's requests are refused (401)."))
    allowed_stores = models.JSONField(
        default=list, blank=True, help_text=_('SessionM store ids this client may report for, e.g. ["FF-MAIN-ST"].')
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("POS client")

    def __str__(self):
        return f"{self.name} ({self.key_id})"

    def clean(self):
        stores = self.allowed_stores
        if not isinstance(stores, list) or not all(isinstance(store, str) and store for store in stores):
            raise ValidationError({"allowed_stores": _('A list of store ids, e.g. ["FF-MAIN-ST", "FF-AIRPORT"].')})

    def signing_key(self) -> str:
        return pos_client_signing_key(key_id=self.key_id, key_version=self.key_version)

    def allows_store(self, store_id: str) -> bool:
        return isinstance(self.allowed_stores, list) and store_id in self.allowed_stores


class PosNonce(models.Model):
    """A nonce a POS client signed: the unique constraint refuses a replay of the same signed request in any
    process. Kept a little longer than the timestamp tolerance (`manage.py prune_pos_intake`)."""

    client = models.ForeignKey(PosClient, on_delete=models.CASCADE, related_name="nonces")
    nonce = models.CharField(max_length=64)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["client", "nonce"], name="loyalty_posnonce_client_nonce")]

    def __str__(self):
        return f"{self.client_id}:{self.nonce}"


class PosTransaction(models.Model):
    """A purchase a till reported, by its own request_id: the row exists only once SessionM accepted it, and
    holds the answer every repeat of the request gets."""

    client = models.ForeignKey(PosClient, on_delete=models.PROTECT, related_name="transactions")
    request_id = models.CharField(max_length=100)
    # SHA-256 of the canonical body: the same request_id with another purchase is refused, never replayed.
    body_hash = models.CharField(max_length=64)
    # Set in the same database transaction as the row (the member code is consumed after the row is claimed).
    customer = models.ForeignKey(
        "accounts.Customer", on_delete=models.PROTECT, null=True, blank=True, related_name="pos_transactions"
    )
    store_id = models.CharField(max_length=40)
    sessionm_request_id = models.CharField(max_length=100)
    response_status = models.PositiveSmallIntegerField(null=True, blank=True)
    response_body = models.JSONField(null=True, blank=True, encoder=DjangoJSONEncoder)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["client", "request_id"], name="loyalty_postransaction_client_request")
        ]
        verbose_name = _("POS transaction")

    def __str__(self):
        return f"{self.client_id}:{self.request_id}"


class MemberCode(models.Model):
    """A short-lived code the app shows and a till scans once. Only its SHA-256 is kept: the code itself is
    a bearer credential for a few minutes, and a database read must not yield usable ones."""

    code_hash = models.CharField(max_length=64, unique=True)
    customer = models.ForeignKey("accounts.Customer", on_delete=models.CASCADE, related_name="member_codes")
    expires_at = models.DateTimeField(db_index=True)
    used_at = models.DateTimeField(null=True, blank=True)
    used_by = models.ForeignKey(PosClient, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self):
        return f"member code of {self.customer_id} until {self.expires_at:%H:%M:%S}"
