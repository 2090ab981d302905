"""Core's customer profile: the attributes a user object accepts, their validation, custom profile
attributes (user_profile) and tags.

Validation answers like SessionM's Rails side: {field: message} under errors.user, every field at once.
Unknown attributes are refused rather than dropped, so a misspelt field fails loudly in development.
"""

import re
import secrets
from datetime import date, datetime, timedelta
from typing import Any

from django.core.exceptions import ValidationError
from django.core.validators import validate_email

from apps.sessionm import errors as codes

from . import clock, rules
from .envelopes import Refusal
from .inputs import BLANK, Fields
from .state import Member

_TEXT_ATTRIBUTES = {
    "external_id_type": 50,
    "first_name": 100,
    "last_name": 100,
    "gender": 20,
    "address": 255,
    "city": 100,
    "state": 100,
    "zip": 20,
    "country": 100,
}
ATTRIBUTES = frozenset(
    {*_TEXT_ATTRIBUTES, "external_id", "email", "dob", "locale", "opted_in", "phone_numbers", "user_profile"}
)
# Attributes a PUT may clear with null; email and external_id identify the profile and stay.
_CLEARABLE = frozenset(ATTRIBUTES - {"external_id", "email", "opted_in", "user_profile"})
_LOCALE = re.compile(r"^[a-z]{2}(-[a-z]{2})?$", re.IGNORECASE)
MINIMUM_AGE = 13
MAX_PHONE_NUMBERS = 10
MAX_EXTERNAL_ID = 128


def read_attributes(data: Any, *, creating: bool, now: datetime) -> dict:
    """The validated attributes of a {"user": {...}} body: values to set, and None for attributes to clear."""
    if not isinstance(data, dict):
        raise Refusal(codes.MISSING_DATA, "the request needs a user object")
    fields = Fields(data)
    for name in data:
        if name not in ATTRIBUTES:
            fields.error(name, "is not a recognized attribute")
    values: dict[str, Any] = {}
    for name in data:
        if name in _CLEARABLE and data[name] in (None, "", []):
            values[name] = None
    for name, max_length in _TEXT_ATTRIBUTES.items():
        if data.get(name) not in (None, ""):
            values[name] = fields.text(name, max_length=max_length)
    if creating or "external_id" in data:
        values["external_id"] = fields.text("external_id", required=True, max_length=MAX_EXTERNAL_ID)
    if creating or "email" in data:
        values["email"] = _email(fields)
    if data.get("dob") not in (None, ""):
        values["dob"] = _dob(fields, now)
    if data.get("locale") not in (None, ""):
        values["locale"] = fields.text("locale", max_length=20)
        if values["locale"] and not _LOCALE.match(values["locale"]):
            fields.error("locale", "is invalid")
    opted_in = fields.boolean("opted_in", default=True if creating else None)
    if opted_in is not None:
        values["opted_in"] = opted_in
    if data.get("phone_numbers"):
        values["phone_numbers"] = _phone_numbers(fields)
    if data.get("user_profile") is not None:
        values["user_profile"] = fields.mapping("user_profile")
    fields.check(on_user=True)
    return values


def _email(fields: Fields) -> str | None:
    email = fields.text("email", required=True, max_length=254)
    if email:
        try:
            validate_email(email)
        except ValidationError:
            fields.error("email", "is invalid")
    return email


def _dob(fields: Fields, now: datetime) -> str | None:
    raw = fields.text("dob", max_length=10)
    try:
        born = date.fromisoformat(raw or "")
    except ValueError:
        fields.error("dob", "must be a date (YYYY-MM-DD)")
        return None
    today = now.date()
    thirteenth = _birthday(born, born.year + MINIMUM_AGE)
    if born > today:
        fields.error("dob", "can't be in the future")
    elif thirteenth > today:
        fields.error("dob", f"the customer must be at least {MINIMUM_AGE} years old")
    return born.isoformat()


def _birthday(born: date, year: int) -> date:
    try:
        return born.replace(year=year)
    except ValueError:  # 29 February in a common year
        return born.replace(year=year, day=28)


def _phone_numbers(fields: Fields) -> list[dict]:
    numbers = fields.array("phone_numbers", max_items=MAX_PHONE_NUMBERS) or []
    cleaned = []
    for index, entry in enumerate(numbers):
        phone = fields.nested(entry, f"phone_numbers[{index}].")
        cleaned.append(
            {
                "phone_number": phone.text("phone_number", required=True, max_length=30),
                "phone_type": phone.text("phone_type", max_length=20) or "mobile",
                "preference_flags": _flags(phone),
                "verified_ownership": phone.boolean("verified_ownership", default=False),
            }
        )
    return cleaned


def _flags(phone: Fields) -> list[str]:
    flags = phone.array("preference_flags") or []
    if not all(isinstance(flag, str) for flag in flags):
        phone.error("preference_flags", "must be a list of strings")
        return []
    return flags


def fill_new_profile(member: Member, values: dict, *, now: datetime) -> None:
    """A new profile's Core attributes, then the program's enrolment (welcome bonus)."""
    member.data.update(
        {
            "profile": {},
            "user_profile": {},
            "user_profile_version": 0,
            "created_at": clock.stored(now),
            "updated_at": clock.stored(now),
            "referrer_code": secrets.token_hex(4).upper(),
            "tags": {},
        }
    )
    apply_attributes(member, values, now=now)
    rules.enroll(member, now)


def apply_attributes(member: Member, values: dict, *, now: datetime) -> None:
    profile = member.data["profile"]
    for name, value in values.items():
        if name == "user_profile":
            if value:
                merge_user_profile(member, value, now=now)
        elif name == "external_id":
            continue  # the document's alt_key (state.change_unique)
        elif value is None:
            profile.pop(name, None)
        else:
            profile[name] = value
    member.data["updated_at"] = clock.stored(now)


def merge_user_profile(member: Member, values: dict, *, now: datetime) -> None:
    """Custom attributes merge key by key; null removes a key. `_version` counts the changes."""
    custom = member.data["user_profile"]
    for key, value in values.items():
        if key == "_version":
            continue
        if value is None:
            custom.pop(key, None)
        else:
            custom[key] = value
    member.data["user_profile_version"] += 1
    member.data["updated_at"] = clock.stored(now)


# --- Tags --------------------------------------------------------------------------------------------------
MAX_TAGS_PER_CALL = 50
MAX_TAG_LENGTH = 100


def read_tags(data: Any) -> tuple[list[str], int | None]:
    if not isinstance(data, dict):
        raise Refusal(codes.MISSING_DATA, "the request body must be a JSON object")
    fields = Fields(data)
    tags = fields.array("tags", required=True, max_items=MAX_TAGS_PER_CALL) or []
    for index, tag in enumerate(tags):
        if not isinstance(tag, str) or not tag.strip():
            fields.error(f"tags[{index}]", BLANK if isinstance(tag, str) else "must be a string")
        elif len(tag) > MAX_TAG_LENGTH:
            fields.error(f"tags[{index}]", f"is too long (maximum is {MAX_TAG_LENGTH} characters)")
    ttl = fields.integer("ttl", minimum=1)
    fields.check()
    return [tag.strip() for tag in tags], ttl


def add_tags(member: Member, tags: list[str], ttl: int | None, *, now: datetime) -> None:
    """Without ttl a tag counts (1, then +1 on each repeat); with ttl it expires after ttl seconds and has
    no count. The last call decides which kind a tag is."""
    stored = member.data["tags"]
    for tag in dict.fromkeys(tags):
        if ttl is not None:
            stored[tag] = {"expires_at": clock.stored(now + timedelta(seconds=ttl))}
        else:
            current = stored.get(tag, {})
            stored[tag] = {"count": current.get("count", 0) + 1}
    member.data["updated_at"] = clock.stored(now)


def live_tags(member: Member, *, now: datetime) -> list[dict]:
    tags = []
    for name, tag in sorted(member.data["tags"].items()):
        if "expires_at" in tag:
            if clock.parse_stored(tag["expires_at"]) > now:
                tags.append({"name": name, "expires_at": clock.core(tag["expires_at"])})
        else:
            tags.append({"name": name, "count": tag["count"]})
    return tags
