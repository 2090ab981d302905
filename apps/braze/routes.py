"""Every Braze REST path the BFF calls, in one table shared by the client and the sandbox, each with the page
it follows (shared/specs/braze.md summarises them)."""

from dataclasses import dataclass

DOC_ERRORS = "https://braze.com/docs/api/errors"  # 201 success, 202 {"message":"queued"} during maintenance
DOC_LIMITS = "https://braze.com/docs/api/api_limits"
DOC_CAMPAIGN_TRIGGER = "https://braze.com/docs/api/endpoints/messaging/send_messages/post_send_triggered_campaigns"
DOC_CANVAS_TRIGGER = "https://braze.com/docs/api/endpoints/messaging/send_messages/post_send_triggered_canvases"
DOC_USERS_TRACK = "https://braze.com/docs/api/endpoints/user_data/post_user_track"
DOC_USERS_DELETE = "https://braze.com/docs/api/endpoints/user_data/post_user_delete"


@dataclass(frozen=True)
class Route:
    name: str
    method: str
    path: str
    doc: str
    # Safe to send again after a lost answer. Braze has no idempotency key: a trigger send or a users/track
    # call repeated would be processed twice, so only the outbox may decide to send those again.
    safe_to_retry: bool


ROUTES: dict[str, Route] = {
    route.name: route
    for route in (
        Route("campaign_trigger", "POST", "/campaigns/trigger/send", DOC_CAMPAIGN_TRIGGER, safe_to_retry=False),
        Route("canvas_trigger", "POST", "/canvas/trigger/send", DOC_CANVAS_TRIGGER, safe_to_retry=False),
        # Its own rate limit (3,000 per 3 s) and at most 75 objects combined per call (DOC_LIMITS). Braze does
        # not deduplicate events: a repeat would count them twice.
        Route("users_track", "POST", "/users/track", DOC_USERS_TRACK, safe_to_retry=False),
        # Up to 50 ids; ids without a profile come back under invalid_user_ids. Deleting twice deletes once.
        Route("users_delete", "POST", "/users/delete", DOC_USERS_DELETE, safe_to_retry=True),
    )
}

# Braze limits the client enforces before sending and the sandbox enforces on receipt (DOC_LIMITS, route pages).
MAX_RECIPIENTS_PER_TRIGGER = 50
MAX_TRACK_OBJECTS = 75  # attributes + events + purchases of one call, combined
MAX_DELETE_IDS = 50
MAX_TRIGGER_PROPERTIES_BYTES = 50 * 1024
