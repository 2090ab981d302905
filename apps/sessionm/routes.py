"""Every SessionM path the BFF calls, in one table shared by the client and the sandbox.

Each route names the SessionM (or Braze partner) page it follows in `doc`. Paths marked `inferred=True` were
not published by SessionM: when a tenant's docs say otherwise, correct them here and nowhere else.
"""

from dataclasses import dataclass
from typing import Literal

Product = Literal["core", "connect", "pos"]


# `Route.resource` asking for the whole success envelope (a Core answer with several top keys).
WHOLE_ENVELOPE = "*"


@dataclass(frozen=True)
class Route:
    name: str
    product: Product
    method: str
    path: str  # str.format template: {api_key}, {user_id}, {external_id}, {campaign_id}, {view}
    # Safe to send again after a lost response: reads, same-value PUTs, and writes that carry an
    # idempotency key SessionM honours (POS request_id, spend idempotency_id).
    safe_to_retry: bool
    # Where the success envelope keeps the answer: Core names a top key after the resource ("user"), Connect
    # and Cloud POS always answer in "payload"; WHOLE_ENVELOPE: the whole body; None: nothing is read (the
    # call answers {"status":"ok"}, or nothing of its answer is used).
    resource: str | None
    inferred: bool = False
    doc: str = ""  # the page the path and body follow (empty only when inferred)


def _core(
    name: str, method: str, path: str, resource: str | None, *, safe: bool, doc: str = "", inferred: bool = False
) -> Route:
    return Route(name, "core", method, path, safe_to_retry=safe, resource=resource, inferred=inferred, doc=doc)


def _connect(name: str, path: str, *, safe: bool, doc: str = "", inferred: bool = False) -> Route:
    """Connect is RPC: every call is a POST answered under "payload"."""
    return Route(name, "connect", "POST", path, safe_to_retry=safe, resource="payload", inferred=inferred, doc=doc)


_CORE_V1 = "/priv/v1/apps/{api_key}"
_CORE_V2 = "/priv/v2/apps/{api_key}"

_DOCS = "https://docs.sessionm.com/developer"
DOC_PROFILE = _DOCS + "/APIs/Core/Customers/customers_customer_profile.htm"
DOC_PROFILE_CREATE = _DOCS + "/Tasks/Customers/t_create_profile.htm"
DOC_PROFILE_GET = _DOCS + "/Tasks/Customers/t_get_profile.htm"
DOC_TAGS = _DOCS + "/APIs/Core/Customers/customers_tags.htm"
DOC_TIMELINE = _DOCS + "/Tasks/Customers/t_get_timeline.htm"
DOC_DATA_PRIVACY = _DOCS + "/APIs/Core/Customers/customers_data_privacy.htm"
DOC_CAMPAIGNS = _DOCS + "/APIs/Core/Campaigns/campaigns_api.htm"
DOC_BRAZE_PARTNER = "https://braze.com/docs/partners/message_orchestration/channel_extensions/loyalty/sessionm"
DOC_PURCHASE = _DOCS + "/Tasks/Offers/t_purchase_store_offer.htm"
DOC_POS_SEND = _DOCS + "/APIs/POS/TransactionProcessing/transaction_send.htm"
DOC_POS_CONTAINER = _DOCS + "/APIs/POS/general_dto_definitions.htm"

_USER = _CORE_V1 + "/users/{user_id}"
_EXTERNAL = _CORE_V1 + "/external/users/{external_id}"
_PROFILE = "/models/user_profile"
_OFFERS = "/offers/api/2.0/offers"
_STORES = _OFFERS + "/rewardstores"
_POINTS = "/incentives/api/1.0/user_points"

# Core routes: name, method, path, and where the success envelope keeps the answer (Route.resource).
ROUTES: dict[str, Route] = {
    route.name: route
    for route in (
        # --- Core: customers -------------------------------------------------------------------------
        _core("user_create", "POST", _CORE_V1 + "/users", "user", safe=False, doc=DOC_PROFILE_CREATE),
        _core("user_get", "GET", _USER, "user", safe=True, doc=DOC_PROFILE_GET),
        _core("user_get_external", "GET", _EXTERNAL, "user", safe=True, doc=DOC_PROFILE_GET),
        _core("user_update", "PUT", _USER, "user", safe=True, doc=DOC_PROFILE),
        # Forgetting is a Data Privacy request ("Create Request to Forget Customer Data"); the page names the
        # method but its path and body were not published: ours are a guess to correct here. A second forget
        # request for a customer being forgotten changes nothing: safe.
        _core(
            "privacy_forget_request",
            "POST",
            _USER + "/privacy_requests",
            "privacy_request",
            safe=True,
            inferred=True,
            doc=DOC_DATA_PRIVACY,
        ),
        # The documented method is POST (PUT is accepted too and kept for the partial update we send).
        _core("user_profile_update", "PUT", _USER + _PROFILE, "user_profile", safe=True, doc=DOC_PROFILE_CREATE),
        _core("user_profile_create", "POST", _USER + _PROFILE, "user_profile", safe=True, doc=DOC_PROFILE_CREATE),
        _core(
            "user_profile_create_external",
            "POST",
            _EXTERNAL + _PROFILE,
            "user_profile",
            safe=True,
            doc=DOC_PROFILE_CREATE,
        ),
        # Counter tags (no ttl) count every call, so a blind retry would count twice.
        _core("tags_add", "POST", _USER + "/tags", None, safe=False, doc=DOC_TAGS),
        _core("tags_add_external", "POST", _EXTERNAL + "/tags", None, safe=False, doc=DOC_TAGS),
        _core("tags_get", "GET", _USER + "/tags", "tags", safe=True, inferred=True),
        # --- Core: activity, campaigns, promo codes ----------------------------------------------------
        # `since` is a timestamp: later events; none = all events; count <= 1,000. The answer is read whole:
        # `result` and the `event_types` that name the events' type ids.
        _core("timeline_get", "GET", _USER + "/timelines/{view}", WHOLE_ENVELOPE, safe=True, doc=DOC_TIMELINE),
        _core(
            "timeline_get_external", "GET", _EXTERNAL + "/timelines/{view}", WHOLE_ENVELOPE, safe=True, doc=DOC_TIMELINE
        ),
        _core(
            "campaigns_eligible",
            "GET",
            _CORE_V2 + "/users/{user_id}/campaigns",
            "campaigns",
            safe=True,
            doc=DOC_CAMPAIGNS,
        ),
        # The messaging example lists v1 and the external-id form; the sandbox serves them all.
        _core("campaigns_eligible_v1", "GET", _USER + "/campaigns", "campaigns", safe=True, doc=DOC_CAMPAIGNS),
        _core(
            "campaigns_eligible_external",
            "GET",
            _CORE_V2 + "/external/users/{external_id}/campaigns",
            "campaigns",
            safe=True,
            doc=DOC_CAMPAIGNS,
        ),
        _core(
            "campaigns_eligible_external_v1", "GET", _EXTERNAL + "/campaigns", "campaigns", safe=True, doc=DOC_CAMPAIGNS
        ),
        # Paged: `page`, `page_size`, `number_of_pages` beside `campaigns`.
        _core("campaigns_all", "GET", _CORE_V1 + "/campaigns", WHOLE_ENVELOPE, safe=True, doc=DOC_CAMPAIGNS),
        # Opting in twice leaves the customer opted in: safe. Nothing of the answer is used.
        _core("campaign_opt_in", "POST", _USER + "/campaigns/{campaign_id}/opt_in", None, safe=True, inferred=True),
        # Body {"promo_code": {"code": "TUESDAY20"}} → {"status":"ok","promo_code":{code, offer_id, user_offer_id}}.
        _core("promo_code_claim", "POST", _USER + "/promo_codes/claim", "promo_code", safe=False, inferred=True),
        # --- Connect: offers -------------------------------------------------------------------------------
        # Routes below without a page were seen only in integrator code against real tenants (spec: [code]):
        # flagged inferred until a tenant's docs confirm them.
        _connect("user_offers_get", _OFFERS + "/get_user_offers", safe=True, doc=DOC_BRAZE_PARTNER),
        _connect("offer_issue", _OFFERS + "/acquisition/issue", safe=False, inferred=True),
        _connect("offer_revoke", _OFFERS + "/acquisition/revoke", safe=False, inferred=True),
        _connect("offer_redeem", _OFFERS + "/redemption/manual_redeem", safe=False, inferred=True),
        _connect("reward_stores_get", _STORES + "/get_user_reward_stores", safe=True, inferred=True),
        _connect("reward_store_offers_get", _STORES + "/get_reward_store_offers", safe=True, inferred=True),
        # Requires point_account_ids (the GUIDs of the point accounts to spend from).
        _connect("reward_store_purchase", _STORES + "/purchase_offer", safe=False, doc=DOC_PURCHASE),
        # --- Connect: incentives ---------------------------------------------------------------------------
        _connect("point_balances_get", _POINTS + "/all_balances", safe=True, inferred=True),
        _connect(
            "point_audit_logs_get", "/incentives/api/2.0/user_points/fetch_point_audit_logs", safe=True, inferred=True
        ),
        _connect("points_deposit", _POINTS + "/deposit", safe=False, inferred=True),
        _connect("points_spend", _POINTS + "/spend_multiple", safe=True, inferred=True),
        _connect("user_event_trigger", "/incentives/api/1.0/user_events/trigger_user_event", safe=False, inferred=True),
        _connect("tier_move", "/incentives/api/1.0/movement/move_user", safe=False, inferred=True),
        # --- Cloud POS -------------------------------------------------------------------------------------
        # request_id is SessionM's idempotency key: a repeat returns the first response, or the error
        # "pending processing" while the first is still processing (DOC_POS_CONTAINER).
        Route(
            "transaction_send",
            "pos",
            "POST",
            "/api/2.0/send_transaction",
            safe_to_retry=True,
            resource="payload",
            doc=DOC_POS_SEND,
        ),
    )
}


# Every route names its page or says it is a guess.
assert all(route.doc or route.inferred for route in ROUTES.values()), "each route needs a doc page or inferred=True"
# Connect and Cloud POS answer in "payload" whatever the call (apps/sessionm/envelope.py).
assert all(route.resource == "payload" for route in ROUTES.values() if route.product != "core"), "payload"
