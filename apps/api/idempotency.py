"""`Idempotency-Key` for state-changing API requests.

A phone that loses the answer to "buy this reward" must be able to send the request again without buying it
twice. Decorate the view method:

    @extend_schema(..., responses={201: ..., **error_responses(..., 409, 422)})
    @idempotent
    def post(self, request): ...

With the header, the request is claimed per customer and key (a unique insert, so of two requests at once
one runs and the other gets 409 `idempotency_in_progress`), then its response (status and body) is stored.
A repeat with the same method, path and body gets the stored response with `Idempotent-Replayed: true`; the
same key with another request is 422 `idempotency_key_reused`. A 5xx (the loyalty platform failed or timed
out) releases the key so the phone can retry. Keys live 24 hours (`manage.py prune_idempotency_keys`).
"""

import hashlib
import json
import re
from datetime import timedelta
from functools import wraps

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework.response import Response

from apps.core.errors import IdempotencyInProgress, IdempotencyKeyReused, InvalidInput

from .models import IdempotencyKey

IDEMPOTENCY_HEADER = "Idempotency-Key"
REPLAYED_HEADER = "Idempotent-Replayed"
KEY_TTL = timedelta(hours=24)
# A claim whose request never finished (its process died) stops blocking retries after this long; no request
# runs that long (gunicorn's timeout is 30 s).
ABANDONED_AFTER = timedelta(minutes=5)
_VALID_KEY = re.compile(r"[\x21-\x7e]{1,255}")

IDEMPOTENCY_PARAMETERS = [
    OpenApiParameter(
        IDEMPOTENCY_HEADER,
        {"type": "string", "minLength": 1, "maxLength": 255, "pattern": "^[!-~]+$"},
        location=OpenApiParameter.HEADER,
        description=(
            "Optional. 1-255 visible ASCII characters, unique per intent (e.g. a UUID). A repeat with the same "
            "key and body returns the first response and changes nothing; with another body it is 422 "
            "`idempotency_key_reused`; while the first is still running it is 409 `idempotency_in_progress`. "
            "Kept 24 hours."
        ),
    ),
    OpenApiParameter(
        REPLAYED_HEADER,
        {"type": "string", "enum": ["true"]},
        location=OpenApiParameter.HEADER,
        response=True,
        description="Present when this response is the stored answer to an earlier request with the same key.",
    ),
]


def idempotency_key(request) -> str | None:
    """The request's validated `Idempotency-Key`, or None when it sent none."""
    key = request.headers.get(IDEMPOTENCY_HEADER)
    if key is None:
        return None
    if not _VALID_KEY.fullmatch(key):
        raise InvalidInput(details={IDEMPOTENCY_HEADER: [_("Use 1 to 255 visible ASCII characters.")]})
    return key


def request_fingerprint(request) -> str:
    """SHA-256 of method, path and the parsed body in a canonical form (key order and spacing do not count)."""
    body = json.dumps(request.data, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(f"{request.method}\n{request.get_full_path()}\n{body}".encode()).hexdigest()


def idempotent(handler):
    """Make a DRF view method honour `Idempotency-Key` (see the module docstring) and document the header."""

    @wraps(handler)
    def wrapper(view, request, *args, **kwargs):
        key = idempotency_key(request)
        # Keys are per customer; an anonymous request has no one to keep them for.
        if key is None or not request.user.is_authenticated:
            return handler(view, request, *args, **kwargs)
        claim = _claim(user=request.user, key=key, fingerprint=request_fingerprint(request))
        if isinstance(claim, Response):
            return claim
        try:
            try:
                response = handler(view, request, *args, **kwargs)
            except Exception as exc:  # noqa: BLE001 - rendered by DRF's handler; whatever it re-raises is released
                response = view.handle_exception(exc)
        except BaseException:
            _release(claim)
            raise
        if response.status_code >= 500:
            _release(claim)
        else:
            _complete(claim, response)
        return response

    return extend_schema(parameters=IDEMPOTENCY_PARAMETERS)(wrapper)


def idempotency_keys_prune(*, older_than: timedelta = KEY_TTL) -> int:
    """Delete keys claimed more than `older_than` ago; returns how many."""
    deleted, _details = IdempotencyKey.objects.filter(created_at__lt=timezone.now() - older_than).delete()
    return deleted


def _claim(*, user, key: str, fingerprint: str) -> IdempotencyKey | Response:
    # Two rounds: an expired or abandoned record is deleted and the insert tried once more.
    for _round in range(2):
        try:
            with transaction.atomic():
                return IdempotencyKey.objects.create(user=user, key=key, request_hash=fingerprint)
        except IntegrityError:
            pass
        existing = IdempotencyKey.objects.filter(user=user, key=key).first()
        if existing is None:  # released between our insert and this read
            continue
        if _is_stale(existing):
            IdempotencyKey.objects.filter(pk=existing.pk).delete()
            continue
        if existing.request_hash != fingerprint:
            raise IdempotencyKeyReused()
        if existing.state == IdempotencyKey.State.IN_PROGRESS:
            raise IdempotencyInProgress()
        return Response(existing.response_body, status=existing.response_status, headers={REPLAYED_HEADER: "true"})
    raise IdempotencyInProgress()


def _is_stale(record: IdempotencyKey) -> bool:
    age = timezone.now() - record.created_at
    return age > KEY_TTL or (record.state == IdempotencyKey.State.IN_PROGRESS and age > ABANDONED_AFTER)


def _complete(claim: IdempotencyKey, response) -> None:
    IdempotencyKey.objects.filter(pk=claim.pk).update(
        state=IdempotencyKey.State.COMPLETED,
        response_status=response.status_code,
        response_body=response.data,
        completed_at=timezone.now(),
    )


def _release(claim: IdempotencyKey) -> None:
    IdempotencyKey.objects.filter(pk=claim.pk).delete()
