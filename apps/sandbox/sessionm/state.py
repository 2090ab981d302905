"""Where the emulated SessionM keeps its state: Documents in the "sandbox" database.

- "sessionm.user": one per profile (key = user_id, alt_key = external_id). Its data holds everything of
  that customer (laid out by profiles.fill_new_profile and rules.enroll), so one row lock serialises every
  change to a customer.
- "sessionm.email" / "sessionm.external_id": key = the unique value (an email's hash), alt_key = user_id.
  The (kind, key) unique constraint keeps one email (and one external id) per profile even under
  concurrent sign-ups.
- "sessionm.user_offer": key = user_offer_id, alt_key = user_id. Connect names a wallet item without
  its user (revoke, redeem), so this finds whose row to lock.
- "sessionm.pos_request": key = store:client:request_id, data = the first response, replayed on a repeat.
"""

import hashlib
from collections.abc import Callable, Iterator
from contextlib import contextmanager

from django.db import IntegrityError, transaction

from apps.sandbox.models import Document
from apps.sandbox.router import SANDBOX_DB
from apps.sessionm import errors as codes

from .envelopes import Refusal, invalid, user_not_found

USER = "sessionm.user"
EMAIL = "sessionm.email"
EXTERNAL_ID = "sessionm.external_id"
USER_OFFER = "sessionm.user_offer"
POS_REQUEST = "sessionm.pos_request"
TAKEN = "has already been taken"


class Member:
    """A SessionM user document. Changes to `data` are saved when the `locked` block that produced it ends."""

    def __init__(self, document: Document):
        self.document = document
        self.deleted = False

    @property
    def id(self) -> str:
        return self.document.key

    @property
    def data(self) -> dict:
        return self.document.data


def _user(*, user_id: str | None, external_id: str | None, lock: bool) -> Member:
    lookup = {"key": user_id} if user_id is not None else {"alt_key": external_id}
    users = Document.objects.using(SANDBOX_DB).filter(kind=USER)
    if lock:
        users = users.select_for_update()
    document = users.filter(**lookup).first() if (user_id or external_id) else None
    if document is None:
        raise user_not_found()
    return Member(document)


def find(*, user_id: str | None = None, external_id: str | None = None) -> Member:
    """A customer for reading (no lock)."""
    return _user(user_id=user_id, external_id=external_id, lock=False)


@contextmanager
def locked(*, user_id: str | None = None, external_id: str | None = None) -> Iterator[Member]:
    """The customer's row, locked for a change that is saved when the block ends and rolled back if it raises
    (a Refusal included)."""
    with transaction.atomic(using=SANDBOX_DB):
        member = _user(user_id=user_id, external_id=external_id, lock=True)
        yield member
        if not member.deleted:
            member.document.save(update_fields=["data", "alt_key", "updated_at"])


@contextmanager
def locked_by_user_offer(user_offer_id: str) -> Iterator[Member]:
    """The customer who holds a wallet item, locked. An unknown item is user_offer_not_found."""
    index = Document.objects.using(SANDBOX_DB).filter(kind=USER_OFFER, key=user_offer_id).first()
    if index is None:
        raise Refusal(codes.USER_OFFER_NOT_FOUND, "user offer not found")
    try:
        with locked(user_id=index.alt_key) as member:
            yield member
    except Refusal as refusal:
        if refusal.code == codes.USER_NOT_FOUND:  # the customer was deleted meanwhile
            raise Refusal(codes.USER_OFFER_NOT_FOUND, "user offer not found") from None
        raise


def _claim(kind: str, value: str, user_id: str) -> bool:
    """Reserve a unique value for a customer; False when another profile has it."""
    try:
        with transaction.atomic(using=SANDBOX_DB):
            Document.objects.using(SANDBOX_DB).create(kind=kind, key=value, alt_key=user_id)
    except IntegrityError:
        return False
    return True


def _release(kind: str, value: str, user_id: str) -> None:
    Document.objects.using(SANDBOX_DB).filter(kind=kind, key=value, alt_key=user_id).delete()


def email_key(email: str) -> str:
    """The index key of an email: case-insensitive, and hashed so any valid address (up to 254 characters)
    fits the key column."""
    return hashlib.sha256(email.strip().lower().encode("utf-8")).hexdigest()


@contextmanager
def created(*, user_id: str, external_id: str, email: str) -> Iterator[Member]:
    """A new, empty profile for the block to fill; saved when the block ends. A taken email or external id
    is a validation error on errors.user."""
    with transaction.atomic(using=SANDBOX_DB):
        taken = {}
        if not _claim(EMAIL, email_key(email), user_id):
            taken["email"] = TAKEN
        if not _claim(EXTERNAL_ID, external_id, user_id):
            taken["external_id"] = TAKEN
        if taken:
            raise invalid(taken, on_user=True)
        document = Document(kind=USER, key=user_id, alt_key=external_id, data={})
        yield Member(document)
        document.save(using=SANDBOX_DB)


def change_unique(member: Member, *, email: str | None = None, external_id: str | None = None) -> None:
    """Move the customer's email and/or external id (inside `locked`); a taken value is refused."""
    taken = {}
    old_email = member.data["profile"].get("email")
    if email is not None and email_key(email) != email_key(old_email or ""):
        if _claim(EMAIL, email_key(email), member.id):
            if old_email:
                _release(EMAIL, email_key(old_email), member.id)
        else:
            taken["email"] = TAKEN
    if external_id is not None and external_id != member.document.alt_key:
        if _claim(EXTERNAL_ID, external_id, member.id):
            _release(EXTERNAL_ID, member.document.alt_key, member.id)
            member.document.alt_key = external_id
        else:
            taken["external_id"] = TAKEN
    if taken:
        raise invalid(taken, on_user=True)


def delete(member: Member) -> None:
    """Forget the customer (inside `locked`): the profile and every index that points at it."""
    Document.objects.using(SANDBOX_DB).filter(kind__in=(EMAIL, EXTERNAL_ID, USER_OFFER), alt_key=member.id).delete()
    member.document.delete(using=SANDBOX_DB)
    member.deleted = True


def index_user_offer(member: Member, user_offer_id: str) -> None:
    Document.objects.using(SANDBOX_DB).create(kind=USER_OFFER, key=user_offer_id, alt_key=member.id)


def replay_or_record(key: str, process: Callable[[], dict]) -> dict:
    """Cloud POS idempotency: the stored response of an earlier request with this key (whatever the new
    body says), or `process()`'s response, stored with the changes it made in one transaction. A refused
    request stores nothing, so a corrected request may reuse its request_id."""
    with transaction.atomic(using=SANDBOX_DB):
        # A concurrent twin blocks on the unique key until the first commits, then reads its response.
        record, is_new = Document.objects.using(SANDBOX_DB).select_for_update().get_or_create(kind=POS_REQUEST, key=key)
        if not is_new:
            return record.data["response"]
        record.data = {"response": process()}
        record.save(update_fields=["data", "updated_at"])
        return record.data["response"]
