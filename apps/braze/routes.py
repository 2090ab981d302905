"""Every Braze REST path the BFF calls, in one table shared by the client and the sandbox
(shared/specs/braze.md)."""

from dataclasses import dataclass


@dataclass(frozen=True)
class Route:
    name: str
    method: str
    path: str


ROUTES: dict[str, Route] = {
    route.name: route
    for route in (
        Route("campaign_trigger", "POST", "/campaigns/trigger/send"),
        Route("canvas_trigger", "POST", "/canvas/trigger/send"),
        Route("users_track", "POST", "/users/track"),
        Route("users_delete", "POST", "/users/delete"),
    )
}

# Braze limits the client enforces before sending and the sandbox enforces on receipt.
MAX_RECIPIENTS_PER_TRIGGER = 50
MAX_TRACK_OBJECTS = 75
MAX_DELETE_IDS = 50
MAX_TRIGGER_PROPERTIES_BYTES = 50 * 1024
