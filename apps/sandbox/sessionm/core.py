"""Core handlers: customers, custom profile, tags, timeline, campaigns and promo codes.

The server has matched the path and checked Basic auth and the path's api_key; these implement behaviour.
"""

import uuid

from apps.sandbox import demo
from apps.sandbox.http import SandboxRequest, SandboxResponse
from apps.sessionm import errors as codes

from . import clock, presenters, profiles, rules, state
from .envelopes import Refusal, core_handler, core_ok
from .inputs import Fields, json_object, query_fields

MAX_TIMELINE_COUNT = 1000
DEFAULT_TIMELINE_COUNT = 20
CAMPAIGNS_PAGE_SIZE = 20


def _user_options(request: SandboxRequest) -> dict:
    query = query_fields(request)
    options = {
        "expand_incentives": query.boolean("expand_incentives", default=False),
        "user_profile": query.boolean("user[user_profile]", default=False),
        "show_identifiers": query.boolean("show_identifiers", default=False),
    }
    query.check()
    return options


def _path_user(request: SandboxRequest) -> dict:
    if "external_id" in request.path_params:
        return {"external_id": request.path_params["external_id"]}
    return {"user_id": request.path_params["user_id"]}


# --- Customers ---------------------------------------------------------------------------------------------
@core_handler
def user_create(request: SandboxRequest) -> SandboxResponse:
    options = _user_options(request)
    now = clock.now()
    values = profiles.read_attributes(json_object(request).get("user"), creating=True, now=now)
    with state.created(user_id=str(uuid.uuid4()), external_id=values["external_id"], email=values["email"]) as member:
        profiles.fill_new_profile(member, values, now=now)
    return core_ok(user=presenters.user(member, **options))


@core_handler
def user_get(request: SandboxRequest) -> SandboxResponse:
    options = _user_options(request)
    return core_ok(user=presenters.user(state.find(**_path_user(request)), **options))


@core_handler
def user_update(request: SandboxRequest) -> SandboxResponse:
    """A partial PUT: attributes sent are set (null or "" clears an optional one, arrays are replaced whole);
    the answer is the full user."""
    options = _user_options(request)
    now = clock.now()
    values = profiles.read_attributes(json_object(request).get("user"), creating=False, now=now)
    with state.locked(**_path_user(request)) as member:
        state.change_unique(member, email=values.get("email"), external_id=values.get("external_id"))
        profiles.apply_attributes(member, values, now=now)
    return core_ok(user=presenters.user(member, **options))


@core_handler
def privacy_forget_request(request: SandboxRequest) -> SandboxResponse:
    """A Data Privacy "forget" request. SessionM carries it out on its side; the emulator does it at once,
    so the profile is gone (user_not_found) from the next call on."""
    fields = Fields(json_object(request))
    privacy = fields.nested(fields.mapping("privacy_request", required=True) or {}, "privacy_request.")
    privacy.text("request_type", required=True, choices=("forget",))
    fields.check()
    with state.locked(**_path_user(request)) as member:
        state.delete(member)
    return core_ok(
        privacy_request={"id": str(uuid.uuid4()), "request_type": "forget", "status": "submitted", "user_id": member.id}
    )


@core_handler
def user_profile_update(request: SandboxRequest) -> SandboxResponse:
    fields = Fields(json_object(request))
    values = fields.mapping("user_profile", required=True)
    fields.check()
    with state.locked(**_path_user(request)) as member:
        profiles.merge_user_profile(member, values, now=clock.now())
    return core_ok(user_profile={**member.data["user_profile"], "_version": member.data["user_profile_version"]})


# --- Tags --------------------------------------------------------------------------------------------------
@core_handler
def tags_add(request: SandboxRequest) -> SandboxResponse:
    tags, ttl = profiles.read_tags(request.json)
    with state.locked(**_path_user(request)) as member:
        profiles.add_tags(member, tags, ttl, now=clock.now())
    return core_ok()


@core_handler
def tags_get(request: SandboxRequest) -> SandboxResponse:
    member = state.find(**_path_user(request))
    return core_ok(tags=profiles.live_tags(member, now=clock.now()))


# --- Timeline ----------------------------------------------------------------------------------------------
@core_handler
def timeline_get(request: SandboxRequest) -> SandboxResponse:
    """As SessionM documents it (https://docs.sessionm.com/developer/Tasks/Customers/t_get_timeline.htm):
    `since` is a timestamp and the answer holds the events after it, oldest first; without `since`, all
    events (from the first). `count` is at most 1,000. Events carry no id. `event_types` (slugs or ids,
    repeated or comma-separated) filters."""
    if request.path_params.get("view") not in demo.TIMELINE_VIEWS:
        raise Refusal(codes.NOT_FOUND, "timeline view not found")
    query = query_fields(request)
    count = query.integer("count", default=DEFAULT_TIMELINE_COUNT, minimum=1, maximum=MAX_TIMELINE_COUNT)
    since_text = query.text("since", max_length=40)
    since = None
    if since_text is not None:
        try:
            since = clock.parse_core(since_text)
        except ValueError:
            query.error("since", "must be a timestamp (YYYY-MM-DD HH:MM:SS)")
    wanted = _event_types(request, query)
    query.check()
    member = state.find(**_path_user(request))
    events = list(member.data["timeline"])
    if since is not None:
        # Core timestamps have whole seconds: "after since" is a later second.
        events = [event for event in events if clock.whole_second(event["at"]) > since]
    if wanted is not None:
        events = [event for event in events if event["kind"] in wanted]
    culture = presenters.member_culture(member)
    result = [presenters.timeline_event(event, culture) for event in events[:count]]
    return core_ok(result=result, count=len(result), event_types=presenters.event_types())


def _event_types(request: SandboxRequest, query: Fields) -> set[str] | None:
    names = [name.strip() for value in request.query.get("event_types", []) for name in value.split(",")]
    names = [name for name in names if name]
    if not names:
        return None
    by_id = {str(kind.id): kind.slug for kind in demo.TIMELINE_EVENT_TYPES.values()}
    wanted = set()
    for name in names:
        slug = by_id.get(name, name)
        if slug not in demo.TIMELINE_EVENT_TYPES:
            query.error("event_types", f"unknown event type: {name[:50]}")
        wanted.add(slug)
    return wanted


# --- Campaigns and promo codes -----------------------------------------------------------------------------
@core_handler
def campaigns_eligible(request: SandboxRequest) -> SandboxResponse:
    member = state.find(**_path_user(request))
    now = clock.now()
    active = rules.active_campaigns(now)
    if not active:
        raise Refusal(codes.NO_ACTIVE_CAMPAIGN_FOUND, "no active campaign found")
    culture = presenters.member_culture(member)
    tiles = [presenters.campaign(item, culture, progress=rules.progress(member, item, now)) for item in active]
    return core_ok(campaigns={"tiles": tiles, "promotions": []})


@core_handler
def campaigns_all(request: SandboxRequest) -> SandboxResponse:
    query = query_fields(request)
    page = query.integer("page", default=1, minimum=1)
    query.check()
    campaigns = list(demo.CAMPAIGNS.values())
    start = (page - 1) * CAMPAIGNS_PAGE_SIZE
    return core_ok(
        page=page,
        page_size=CAMPAIGNS_PAGE_SIZE,
        number_of_pages=max(1, -(-len(campaigns) // CAMPAIGNS_PAGE_SIZE)),
        campaigns=[
            presenters.campaign(item, demo.DEFAULT_CULTURE) for item in campaigns[start : start + CAMPAIGNS_PAGE_SIZE]
        ],
    )


@core_handler
def campaign_opt_in(request: SandboxRequest) -> SandboxResponse:
    now = clock.now()
    campaign = demo.CAMPAIGNS.get(request.path_params.get("campaign_id", ""))
    if campaign is None or campaign not in rules.active_campaigns(now):
        raise Refusal(codes.NOT_FOUND, "campaign not found")
    with state.locked(**_path_user(request)) as member:
        rules.opt_in(member, campaign, now)
    progress = rules.progress(member, campaign, now)
    return core_ok(campaign=presenters.campaign(campaign, presenters.member_culture(member), progress=progress))


@core_handler
def promo_code_claim(request: SandboxRequest) -> SandboxResponse:
    fields = Fields(json_object(request))
    promo = fields.nested(fields.mapping("promo_code", required=True) or {}, "promo_code.")
    code = promo.text("code", required=True, max_length=50)
    fields.check()
    with state.locked(**_path_user(request)) as member:
        claimed = rules.claim_promo_code(member, code, clock.now())
    return core_ok(promo_code=claimed)
