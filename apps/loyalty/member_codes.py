"""Member codes: how a till learns who is buying, without the app ever handing out anything lasting.

A code is "FF" + base32 of 10 random bytes and a 5-byte HMAC tag over them (keyed from SECRET_KEY), 26
characters in all. The random part makes it unguessable (80 bits); the tag lets the intake tell a forged or
mistyped code from one we issued without a lookup. It names no one: the customer is found through the
database row, stored under the code's SHA-256. A code is valid MEMBER_CODE_TTL_SECONDS and is consumed by
the first till purchase that names it (a conditional UPDATE, so of two tills at once only one wins).
"""

import base64
import binascii
import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.utils import timezone
from django.utils.crypto import salted_hmac

from apps.accounts.models import Customer
from apps.core.errors import MemberCodeExpired, MemberCodeInvalid, MemberCodeUsed

from .models import MemberCode

PREFIX = "FF"
_RANDOM_BYTES = 10
_TAG_BYTES = 5
_SALT = "apps.loyalty.member_codes"
CODE_LENGTH = len(PREFIX) + 24


@dataclass(frozen=True)
class IssuedMemberCode:
    code: str
    expires_at: datetime
    ttl_seconds: int


def _tag(random_part: bytes) -> bytes:
    return salted_hmac(_SALT, random_part, algorithm="sha256").digest()[:_TAG_BYTES]


def _hash(code: str) -> str:
    return hashlib.sha256(code.encode()).hexdigest()


def member_code_issue(*, customer: Customer) -> IssuedMemberCode:
    """A new code for `customer`. Codes issued earlier stay valid until they expire (a phone may still show
    one); each is good for one purchase."""
    random_part = secrets.token_bytes(_RANDOM_BYTES)
    code = PREFIX + base64.b32encode(random_part + _tag(random_part)).decode()
    ttl = settings.MEMBER_CODE_TTL_SECONDS
    expires_at = timezone.now() + timedelta(seconds=ttl)
    MemberCode.objects.create(code_hash=_hash(code), customer=customer, expires_at=expires_at)
    return IssuedMemberCode(code=code, expires_at=expires_at, ttl_seconds=ttl)


def _well_formed(code: str) -> bool:
    if len(code) != CODE_LENGTH or not code.startswith(PREFIX):
        return False
    try:
        raw = base64.b32decode(code[len(PREFIX) :])
    except (binascii.Error, ValueError):
        return False
    return hmac.compare_digest(_tag(raw[:_RANDOM_BYTES]), raw[_RANDOM_BYTES:])


def normalized(code: str) -> str:
    # Typed at a till: spaces and lower case are forgiven, nothing else.
    return "".join(code.split()).upper()


def member_code_consume(*, code: str, client) -> MemberCode:
    """The member code row, marked used by `client`; raises MemberCodeInvalid / Expired / Used. Call inside
    the transaction that records the purchase: if it rolls back, the code is unused again."""
    code = normalized(code)
    if not _well_formed(code):
        raise MemberCodeInvalid()
    row = MemberCode.objects.select_related("customer").filter(code_hash=_hash(code)).first()
    if row is None:
        raise MemberCodeInvalid()
    now = timezone.now()
    if row.expires_at <= now:
        raise MemberCodeExpired()
    claimed = MemberCode.objects.filter(pk=row.pk, used_at__isnull=True, expires_at__gt=now).update(
        used_at=now, used_by=client
    )
    if not claimed:
        raise MemberCodeUsed()
    return row


def member_codes_prune(*, older_than: timedelta) -> int:
    """Delete codes that expired more than `older_than` ago; answers how many."""
    deleted, _rows = MemberCode.objects.filter(expires_at__lt=timezone.now() - older_than).delete()
    return deleted
