"""What the emulated Braze keeps, in the sandbox database.

Profiles are Documents of kind "braze.user": key = external_id, alt_key = the email attribute (lower-cased),
data = {"external_id", "braze_id", "attributes", "events", "purchases", "created_at"}. The sandbox keeps
profiles by external id only (the BFF's identity, shared with SessionM); recipients named by email or
braze_id reach the profiles that carry them. Every message Braze would have sent is a BrazeMessage row.
Callers run these inside transaction.atomic(using=SANDBOX_DB).
"""

import uuid
from collections.abc import Iterable
from datetime import UTC, datetime

from ..models import BrazeMessage, Document
from ..router import SANDBOX_DB

USER_KIND = "braze.user"
# Events and purchases kept per profile, newest last: enough to see what the BFF tracked, bounded in size.
MAX_KEPT_ACTIVITY = 200


def _profiles():
    return Document.objects.using(SANDBOX_DB).filter(kind=USER_KIND)


def profile_get(external_id: str) -> Document | None:
    return _profiles().select_for_update().filter(key=external_id).first()


def profiles_with(*, email: str | None = None, braze_id: str | None = None) -> list[Document]:
    profiles = _profiles().select_for_update()
    if email is not None:
        return list(profiles.filter(alt_key=email.strip().lower()))
    return list(profiles.filter(data__braze_id=braze_id))


def all_profiles() -> list[Document]:
    return list(_profiles().order_by("key"))


def profile_create(external_id: str) -> Document:
    """The profile of `external_id`, created empty if it does not exist yet."""
    profile, _ = Document.objects.using(SANDBOX_DB).get_or_create(
        kind=USER_KIND,
        key=external_id,
        defaults={
            "data": {
                "external_id": external_id,
                # Braze's own id for a profile: 24 hex characters.
                "braze_id": uuid.uuid4().hex[:24],
                "attributes": {},
                "events": [],
                "purchases": [],
                "created_at": datetime.now(UTC).isoformat(),
            }
        },
    )
    return profile


def profile_update(profile: Document, *, attributes: dict | None = None, event: dict | None = None, purchase=None):
    """Apply attributes (custom ones included, as given) and append an event or purchase, then save."""
    data = profile.data
    if attributes:
        data.setdefault("attributes", {}).update(attributes)
        email = data["attributes"].get("email")
        profile.alt_key = email.strip().lower() if isinstance(email, str) else ""
    for kind, item in (("events", event), ("purchases", purchase)):
        if item is not None:
            data[kind] = [*data.get(kind, []), item][-MAX_KEPT_ACTIVITY:]
    profile.save(using=SANDBOX_DB, update_fields=["data", "alt_key", "updated_at"])


def profiles_delete(*, external_ids: Iterable[str] = (), braze_ids: Iterable[str] = ()) -> tuple[int, list[str]]:
    """Delete profiles and the messages sent to them (Braze forgets the user entirely). Returns how many, and
    the ids given that named no profile."""
    external_ids, braze_ids = list(external_ids), list(braze_ids)
    doomed = _profiles().filter(key__in=external_ids) | _profiles().filter(data__braze_id__in=braze_ids)
    found = list(doomed.values_list("key", "data__braze_id"))
    keys = [key for key, _braze_id in found]
    found_braze_ids = {braze_id for _key, braze_id in found}
    BrazeMessage.objects.using(SANDBOX_DB).filter(recipient__in=keys).delete()
    _profiles().filter(key__in=keys).delete()
    missing = [value for value in external_ids if value not in keys]
    missing += [value for value in braze_ids if value not in found_braze_ids]
    return len(keys), missing


def message_record(
    *,
    dispatch_id: str,
    target_type: str,
    target_id: str,
    recipient: str,
    properties: dict,
    attributes: dict,
    send_id: str,
) -> BrazeMessage:
    return BrazeMessage.objects.using(SANDBOX_DB).create(
        dispatch_id=dispatch_id,
        target_type=target_type,
        target_id=target_id,
        recipient=recipient,
        properties=properties,
        attributes=attributes,
        send_id=send_id,
    )
