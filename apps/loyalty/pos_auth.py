"""How a till proves who it is: every request to /integrations/pos/ is signed with its POS client's key.

    X-POS-Key-Id:    the client's key id
    X-POS-Timestamp: unix seconds, within POS_SIGNATURE_TOLERANCE_SECONDS of our clock
    X-POS-Nonce:     16-64 characters [A-Za-z0-9_-], never sent twice by this client
    X-POS-Signature: sha256=<hex HMAC-SHA256 of the string to sign, keyed with the client's key>

    string to sign = METHOD "\n" PATH "\n" TIMESTAMP "\n" NONCE "\n" hex(SHA-256(raw body))

Method, path, time and body are all inside the signed bytes, so a captured request cannot be pointed at
another endpoint, re-dated or given another body; the nonce (stored under a unique constraint, so every
process agrees) refuses the very same signed request a second time. A till that retries signs again with a
new nonce; its `request_id` then makes the retry return the first answer (apps/loyalty/intake.py).
"""

import hashlib
import hmac
import re
from dataclasses import dataclass

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from rest_framework.authentication import BaseAuthentication
from rest_framework.exceptions import AuthenticationFailed

from apps.core.errors import RequestReplayed

from .models import PosClient, PosNonce

KEY_ID_HEADER = "X-POS-Key-Id"
TIMESTAMP_HEADER = "X-POS-Timestamp"
NONCE_HEADER = "X-POS-Nonce"
SIGNATURE_HEADER = "X-POS-Signature"
SIGNATURE_PREFIX = "sha256="
_NONCE = re.compile(r"[A-Za-z0-9_-]{16,64}")
_KEY_ID = re.compile(r"[-a-zA-Z0-9_]{1,64}")


def string_to_sign(*, method: str, path: str, timestamp: str, nonce: str, body: bytes) -> bytes:
    body_digest = hashlib.sha256(body).hexdigest()
    return f"{method.upper()}\n{path}\n{timestamp}\n{nonce}\n{body_digest}".encode()


def pos_signature(*, key: str, method: str, path: str, timestamp: str, nonce: str, body: bytes) -> str:
    """The X-POS-Signature value for a request (what a till computes; the sandbox till uses it too)."""
    message = string_to_sign(method=method, path=path, timestamp=timestamp, nonce=nonce, body=body)
    return SIGNATURE_PREFIX + hmac.new(key.encode(), message, hashlib.sha256).hexdigest()


@dataclass(frozen=True)
class PosPrincipal:
    """The authenticated caller of a POS endpoint (request.user): a till, never a customer."""

    client: PosClient
    is_authenticated = True
    is_staff = False
    # Throttles and logs key on this; a customer's id can never collide with it.
    pk = None

    def __str__(self):
        return f"pos:{self.client.key_id}"


class PosSignatureAuthentication(BaseAuthentication):
    """401 for anything but a fresh request signed by an active client; 409 for a nonce already seen. The
    nonce is recorded only once the signature is good, so nobody can burn a till's nonces."""

    def authenticate(self, request):
        key_id = request.headers.get(KEY_ID_HEADER, "").strip()
        timestamp = request.headers.get(TIMESTAMP_HEADER, "").strip()
        nonce = request.headers.get(NONCE_HEADER, "").strip()
        signature = request.headers.get(SIGNATURE_HEADER, "").strip()
        if not (key_id and timestamp and nonce and signature):
            raise AuthenticationFailed(
                _("The request is not signed: send %(headers)s.")
                % {"headers": ", ".join((KEY_ID_HEADER, TIMESTAMP_HEADER, NONCE_HEADER, SIGNATURE_HEADER))}
            )
        tolerance = settings.POS_SIGNATURE_TOLERANCE_SECONDS
        if not timestamp.isdigit() or abs(timezone.now().timestamp() - int(timestamp)) > tolerance:
            raise AuthenticationFailed(
                _("%(header)s must be unix seconds within %(seconds)s seconds of our clock.")
                % {"header": TIMESTAMP_HEADER, "seconds": tolerance}
            )
        if not _NONCE.fullmatch(nonce):
            raise AuthenticationFailed(_("%(header)s must be 16 to 64 of A-Z a-z 0-9 _ -.") % {"header": NONCE_HEADER})
        client = PosClient.objects.filter(key_id=key_id).first() if _KEY_ID.fullmatch(key_id) else None
        # One message for unknown, inactive and wrong: a caller learns nothing about which key ids exist.
        refused = AuthenticationFailed(_("The signature does not match an active POS client."))
        if client is None or not client.is_active:
            # Still spend the time of a comparison, so an unknown key id is not told apart by timing.
            hmac.compare_digest(signature.encode(), signature.encode())
            raise refused
        expected = pos_signature(
            key=client.signing_key(),
            method=request.method,
            path=request.path,
            timestamp=timestamp,
            nonce=nonce,
            body=request.body,
        )
        if not hmac.compare_digest(expected.encode(), signature.encode()):
            raise refused
        try:
            with transaction.atomic():
                PosNonce.objects.create(client=client, nonce=nonce)
        except IntegrityError:
            raise RequestReplayed() from None
        return PosPrincipal(client), None

    def authenticate_header(self, request):
        return f'HMAC-SHA256 headers="{KEY_ID_HEADER} {TIMESTAMP_HEADER} {NONCE_HEADER} {SIGNATURE_HEADER}"'
