"""The emulated Braze endpoints (shared/specs/braze.md §4-6): validation and limits as Braze applies them,
fatal errors as 400 {"message": ...}, success as 201 {"message": "success", ...}.

The server has already matched the route, checked the Bearer key and parsed the JSON body. Trigger sends
record one BrazeMessage per profile reached (so the developer's page shows what Braze would have sent);
a recipient with no profile and send_to_existing_only=true is accepted and sent nothing, as Braze does.
"""

import functools
import json
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any, TypeGuard

from django.db import transaction

from apps.braze.routes import (
    MAX_DELETE_IDS,
    MAX_RECIPIENTS_PER_TRIGGER,
    MAX_TRACK_OBJECTS,
    MAX_TRIGGER_PROPERTIES_BYTES,
)

from ..http import SandboxRequest, SandboxResponse
from ..router import SANDBOX_DB
from . import state

RECIPIENT_IDENTIFIERS = ("external_user_id", "user_alias", "braze_id", "email")
# A users/track object names its profile by one of these; email or phone name it only when none of them is
# present (otherwise they are attributes to set).
TRACK_IDENTIFIERS = ("external_id", "user_alias", "braze_id")
TRACK_CONTACT_IDENTIFIERS = ("email", "phone")
TRACK_ARRAYS = ("attributes", "events", "purchases")
# Column sizes of the sandbox's tables (BrazeMessage, Document), not Braze limits.
MAX_SEND_ID_LENGTH = 64
MAX_TARGET_ID_LENGTH = 100
MAX_IDENTIFIER_LENGTH = 200


class _Fatal(Exception):
    """Braze refuses the whole request: nothing is processed."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


Handler = Callable[[SandboxRequest], SandboxResponse]


def _braze_endpoint(handler: Handler) -> Handler:
    @functools.wraps(handler)
    def endpoint(request: SandboxRequest) -> SandboxResponse:
        if not isinstance(request.json, dict):
            return SandboxResponse(400, {"message": "The request body must be a JSON object"})
        try:
            with transaction.atomic(using=SANDBOX_DB):
                return handler(request)
        except _Fatal as fatal:
            return SandboxResponse(400, {"message": fatal.message})

    return endpoint


# --- Trigger sends -----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Recipient:
    identifier: str  # one of RECIPIENT_IDENTIFIERS
    value: Any
    properties: dict
    attributes: dict
    send_to_existing_only: bool


@_braze_endpoint
def campaign_trigger(request: SandboxRequest) -> SandboxResponse:
    return _trigger(request.json, target_type="campaign", id_key="campaign_id", property_keys=("trigger_properties",))


@_braze_endpoint
def canvas_trigger(request: SandboxRequest) -> SandboxResponse:
    # Canvas entry properties go by two names: the older canvas_entry_properties and the newer context.
    return _trigger(
        request.json, target_type="canvas", id_key="canvas_id", property_keys=("canvas_entry_properties", "context")
    )


def _trigger(body: dict, *, target_type: str, id_key: str, property_keys: tuple[str, ...]) -> SandboxResponse:
    target_id = body.get(id_key)
    if not _text(target_id) or len(target_id) > MAX_TARGET_ID_LENGTH:
        raise _Fatal(f"Invalid {id_key}")
    send_id = body.get("send_id", "")
    if not isinstance(send_id, str) or len(send_id) > MAX_SEND_ID_LENGTH:
        raise _Fatal(f"send_id must be a string of at most {MAX_SEND_ID_LENGTH} characters")
    top_properties = _properties(body, property_keys, where="")
    broadcast = body.get("broadcast", False)
    if not isinstance(broadcast, bool):
        raise _Fatal("broadcast must be true or false")
    if "audience" in body:
        raise _Fatal("The sandbox does not emulate audience filters: name the recipients")
    raw_recipients = body.get("recipients")
    if broadcast and raw_recipients is not None:
        raise _Fatal("You cannot specify recipients when broadcast is true")
    if not broadcast and raw_recipients is None:
        raise _Fatal("You must specify recipients, or broadcast true to send to the whole segment")

    dispatch_id = uuid.uuid4().hex
    message = functools.partial(
        state.message_record, dispatch_id=dispatch_id, target_type=target_type, target_id=target_id, send_id=send_id
    )
    if broadcast:
        # The sandbox's segment for every campaign is every profile it holds.
        for profile in state.all_profiles():
            message(recipient=profile.key, properties=top_properties, attributes={})
        return _accepted(dispatch_id)

    recipients = _recipients(raw_recipients, property_keys)
    reached: set[str] = set()
    for recipient in recipients:
        for profile in _profiles_for(recipient):
            # The same recipient twice in one call gets one message: the first.
            if profile.key in reached:
                continue
            reached.add(profile.key)
            if recipient.attributes:
                state.profile_update(profile, attributes=recipient.attributes)
            message(
                recipient=profile.key,
                properties={**top_properties, **recipient.properties},
                attributes=recipient.attributes,
            )
    return _accepted(dispatch_id)


def _accepted(dispatch_id: str) -> SandboxResponse:
    return SandboxResponse(201, {"dispatch_id": dispatch_id, "message": "success"})


def _recipients(raw: Any, property_keys: tuple[str, ...]) -> list[_Recipient]:
    if not isinstance(raw, list):
        raise _Fatal("recipients must be an array")
    if not raw:
        raise _Fatal("recipients must not be empty")
    if len(raw) > MAX_RECIPIENTS_PER_TRIGGER:
        raise _Fatal(f"You can send to at most {MAX_RECIPIENTS_PER_TRIGGER} recipients per request")
    return [_recipient(item, index, property_keys) for index, item in enumerate(raw)]


def _recipient(item: Any, index: int, property_keys: tuple[str, ...]) -> _Recipient:
    where = f"recipients[{index}]"
    if not isinstance(item, dict):
        raise _Fatal(f"{where} must be an object")
    identifiers = [key for key in RECIPIENT_IDENTIFIERS if key in item]
    if len(identifiers) != 1:
        raise _Fatal(f"{where} must have exactly one of {', '.join(RECIPIENT_IDENTIFIERS)}")
    identifier = identifiers[0]
    value = item[identifier]
    if identifier == "user_alias":
        if not (isinstance(value, dict) and _text(value.get("alias_name")) and _text(value.get("alias_label"))):
            raise _Fatal(f"{where}.user_alias needs alias_name and alias_label")
    elif not _text(value) or len(value) > MAX_IDENTIFIER_LENGTH:
        raise _Fatal(f"{where}.{identifier} must be a non-empty string of at most {MAX_IDENTIFIER_LENGTH} characters")
    attributes = item.get("attributes", {})
    if not isinstance(attributes, dict):
        raise _Fatal(f"{where}.attributes must be an object")
    send_to_existing_only = item.get("send_to_existing_only", True)
    if not isinstance(send_to_existing_only, bool):
        raise _Fatal(f"{where}.send_to_existing_only must be true or false")
    if not send_to_existing_only and not attributes:
        raise _Fatal(f"{where}: attributes are required when send_to_existing_only is false")
    return _Recipient(
        identifier=identifier,
        value=value,
        properties=_properties(item, property_keys, where=f"{where}."),
        attributes=attributes,
        send_to_existing_only=send_to_existing_only,
    )


def _profiles_for(recipient: _Recipient) -> list:
    if recipient.identifier == "external_user_id":
        profile = state.profile_get(recipient.value)
        if profile is None and not recipient.send_to_existing_only:
            profile = state.profile_create(recipient.value)
        return [profile] if profile is not None else []
    if recipient.identifier == "email":
        return state.profiles_with(email=recipient.value)
    if recipient.identifier == "braze_id":
        return state.profiles_with(braze_id=recipient.value)
    return []  # user_alias: the sandbox keeps no alias-only profiles


def _properties(container: dict, keys: tuple[str, ...], *, where: str) -> dict:
    merged: dict = {}
    for key in keys:
        value = container.get(key)
        if value is None:
            continue
        if not isinstance(value, dict):
            raise _Fatal(f"{where}{key} must be an object")
        size = len(json.dumps(value, separators=(",", ":")).encode("utf-8"))
        if size > MAX_TRIGGER_PROPERTIES_BYTES:
            raise _Fatal(f"{where}{key} must be at most {MAX_TRIGGER_PROPERTIES_BYTES // 1024} KB")
        merged.update(value)
    return merged


# --- Users -------------------------------------------------------------------------------------------------


@_braze_endpoint
def users_track(request: SandboxRequest) -> SandboxResponse:
    body = request.json
    arrays = {name: body[name] for name in TRACK_ARRAYS if name in body}
    if not arrays:
        raise _Fatal("Provide at least one of attributes, events or purchases")
    for name, objects in arrays.items():
        if not isinstance(objects, list):
            raise _Fatal(f"{name} must be an array")
    # At most 75 objects combined across attributes, events and purchases (https://braze.com/docs/api/api_limits).
    if sum(len(objects) for objects in arrays.values()) > MAX_TRACK_OBJECTS:
        raise _Fatal("Max Input Length Exceeded")

    # Problems with single objects are not fatal: Braze processes the rest and lists them under "errors".
    errors: list[dict] = []
    processed = dict.fromkeys(arrays, 0)
    for name, objects in arrays.items():
        for index, obj in enumerate(objects):
            problem = _track_problem(name, obj)
            if problem is None:
                profiles, problem = _track_profiles(obj)
            if problem is not None:
                errors.append({"type": problem, "input_array": name, "index": index})
                continue
            for profile in profiles:
                _track_apply(name, obj, profile)
            processed[name] += 1

    answer: dict[str, Any] = {"message": "success", **{f"{name}_processed": n for name, n in processed.items()}}
    if errors:
        answer["errors"] = errors
    return SandboxResponse(201, answer)


def _track_problem(name: str, obj: Any) -> str | None:
    if not isinstance(obj, dict):
        return "The object must be a JSON object"
    if _track_identifier(obj) is None:
        return f"The object must have exactly one of {', '.join(TRACK_IDENTIFIERS)}, or else one of email, phone"
    if name == "events":
        if not _text(obj.get("name")):
            return "Events must have a name"
        if not _iso_time(obj.get("time")):
            return "Events must have a time in ISO-8601 format"
    if name == "purchases":
        if not _text(obj.get("product_id")):
            return "Purchases must have a product_id"
        if not (_text(obj.get("currency")) and len(obj["currency"]) == 3):
            return "Purchases must have a three-letter currency"
        if isinstance(obj.get("price"), bool) or not isinstance(obj.get("price"), int | float):
            return "Purchases must have a numeric price"
        if not _iso_time(obj.get("time")):
            return "Purchases must have a time in ISO-8601 format"
    return None


def _track_identifier(obj: dict) -> str | None:
    identifiers = [key for key in TRACK_IDENTIFIERS if key in obj] or [
        key for key in TRACK_CONTACT_IDENTIFIERS if key in obj
    ]
    return identifiers[0] if len(identifiers) == 1 else None


def _track_profiles(obj: dict) -> tuple[list, str | None]:
    """The profiles an object applies to: by external_id it creates one unless _update_existing_only."""
    identifier = _track_identifier(obj)
    value = obj[identifier]
    if identifier == "external_id":
        if not _text(value) or len(value) > MAX_IDENTIFIER_LENGTH:
            return [], f"external_id must be a non-empty string of at most {MAX_IDENTIFIER_LENGTH} characters"
        profile = state.profile_get(value)
        if profile is None and not obj.get("_update_existing_only", False):
            profile = state.profile_create(value)
        return ([profile] if profile is not None else []), None
    if identifier in ("email", "braze_id") and _text(value):
        return state.profiles_with(**{identifier: value}), None
    return [], "The sandbox keeps profiles by external_id, email or braze_id only"


def _track_apply(name: str, obj: dict, profile) -> None:
    skipped = {_track_identifier(obj), "_update_existing_only"}
    fields = {key: value for key, value in obj.items() if key not in skipped}
    if name == "attributes":
        state.profile_update(profile, attributes=fields)
    elif name == "events":
        state.profile_update(profile, event=fields)
    else:
        state.profile_update(profile, purchase=fields)


@_braze_endpoint
def users_delete(request: SandboxRequest) -> SandboxResponse:
    body = request.json
    lists = {key: body.get(key, []) for key in ("external_ids", "user_aliases", "braze_ids")}
    for key, values in lists.items():
        if not isinstance(values, list):
            raise _Fatal(f"{key} must be an array")
    if sum(len(values) for values in lists.values()) > MAX_DELETE_IDS:
        raise _Fatal("The max number of external_ids and aliases per request was exceeded")
    if not any(lists.values()):
        raise _Fatal("Provide external_ids, user_aliases or braze_ids")
    for key in ("external_ids", "braze_ids"):
        if not all(_text(value) for value in lists[key]):
            raise _Fatal(f"{key} must be non-empty strings")
    # Alias-only profiles do not exist in the sandbox, so user_aliases never match one.
    deleted, missing = state.profiles_delete(external_ids=lists["external_ids"], braze_ids=lists["braze_ids"])
    # Ids that name no profile are listed, not refused
    # (https://braze.com/docs/api/endpoints/user_data/post_user_delete).
    answer: dict[str, Any] = {"deleted": deleted, "message": "success"}
    if missing:
        answer["invalid_user_ids"] = missing
    return SandboxResponse(201, answer)


def _text(value: Any) -> TypeGuard[str]:
    return isinstance(value, str) and bool(value.strip())


def _iso_time(value: Any) -> bool:
    if not _text(value):
        return False
    try:
        datetime.fromisoformat(value)
    except ValueError:
        return False
    return True


HANDLERS: dict[str, Handler] = {
    "campaign_trigger": campaign_trigger,
    "canvas_trigger": canvas_trigger,
    "users_track": users_track,
    "users_delete": users_delete,
}
