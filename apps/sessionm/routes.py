"""Every SessionM path the BFF calls, in one table shared by the client and the sandbox.

Each route names the SessionM (or Braze partner) page it follows in `doc`. Paths marked `inferred=True` were
not published by SessionM: when a tenant's docs say otherwise, correct them here and nowhere else.
"""

from dataclasses import dataclass
from typing import Literal

Product = Literal["core", "connect", "pos"]


@dataclass(frozen=True)
class Route:
    name: str
    product: Product
    method: str
    path: str  # str.format template: {api_key}, {user_id}, {external_id}, {campaign_id}, {view}
    # Safe to send again after a lost response: reads, same-value PUTs, and writes that carry an
    # idempotency key SessionM honours (POS request_id, spend idempotency_id).
    safe_to_retry: bool
    inferred: bool = False
    doc: str = ""  # the page the path and body follow (empty only when inferred)


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

ROUTES: dict[str, Route] = {
    route.name: route
    for route in (
        # --- Core: customers -------------------------------------------------------------------------
        Route("user_create", "core", "POST", _CORE_V1 + "/users", safe_to_retry=False, doc=DOC_PROFILE_CREATE),
        Route("user_get", "core", "GET", _CORE_V1 + "/users/{user_id}", safe_to_retry=True, doc=DOC_PROFILE_GET),
        Route(
            "user_get_external",
            "core",
            "GET",
            _CORE_V1 + "/external/users/{external_id}",
            safe_to_retry=True,
            doc=DOC_PROFILE_GET,
        ),
        Route("user_update", "core", "PUT", _CORE_V1 + "/users/{user_id}", safe_to_retry=True, doc=DOC_PROFILE),
        # Forgetting is a Data Privacy request ("Create Request to Forget Customer Data"); the page names the
        # method but its path and body were not published: ours are a guess to correct here.
        Route(
            "privacy_forget_request",
            "core",
            "POST",
            _CORE_V1 + "/users/{user_id}/privacy_requests",
            safe_to_retry=True,  # a second forget request for a customer being forgotten changes nothing
            inferred=True,
            doc=DOC_DATA_PRIVACY,
        ),
        # The documented method is POST (PUT is accepted too and kept for the partial update we send).
        Route(
            "user_profile_update",
            "core",
            "PUT",
            _CORE_V1 + "/users/{user_id}/models/user_profile",
            safe_to_retry=True,
            doc=DOC_PROFILE_CREATE,
        ),
        Route(
            "user_profile_create",
            "core",
            "POST",
            _CORE_V1 + "/users/{user_id}/models/user_profile",
            safe_to_retry=True,
            doc=DOC_PROFILE_CREATE,
        ),
        Route(
            "user_profile_create_external",
            "core",
            "POST",
            _CORE_V1 + "/external/users/{external_id}/models/user_profile",
            safe_to_retry=True,
            doc=DOC_PROFILE_CREATE,
        ),
        # Counter tags (no ttl) count every call, so a blind retry would count twice.
        Route("tags_add", "core", "POST", _CORE_V1 + "/users/{user_id}/tags", safe_to_retry=False, doc=DOC_TAGS),
        Route(
            "tags_add_external",
            "core",
            "POST",
            _CORE_V1 + "/external/users/{external_id}/tags",
            safe_to_retry=False,
            doc=DOC_TAGS,
        ),
        Route("tags_get", "core", "GET", _CORE_V1 + "/users/{user_id}/tags", safe_to_retry=True, inferred=True),
        # --- Core: activity, campaigns, promo codes ----------------------------------------------------
        # `since` is a timestamp: later events; none = all events; count <= 1,000.
        Route(
            "timeline_get",
            "core",
            "GET",
            _CORE_V1 + "/users/{user_id}/timelines/{view}",
            safe_to_retry=True,
            doc=DOC_TIMELINE,
        ),
        Route(
            "timeline_get_external",
            "core",
            "GET",
            _CORE_V1 + "/external/users/{external_id}/timelines/{view}",
            safe_to_retry=True,
            doc=DOC_TIMELINE,
        ),
        Route(
            "campaigns_eligible",
            "core",
            "GET",
            _CORE_V2 + "/users/{user_id}/campaigns",
            safe_to_retry=True,
            doc=DOC_CAMPAIGNS,
        ),
        # The messaging example lists v1 and the external-id form; the sandbox serves them all.
        Route(
            "campaigns_eligible_v1",
            "core",
            "GET",
            _CORE_V1 + "/users/{user_id}/campaigns",
            safe_to_retry=True,
            doc=DOC_CAMPAIGNS,
        ),
        Route(
            "campaigns_eligible_external",
            "core",
            "GET",
            _CORE_V2 + "/external/users/{external_id}/campaigns",
            safe_to_retry=True,
            doc=DOC_CAMPAIGNS,
        ),
        Route(
            "campaigns_eligible_external_v1",
            "core",
            "GET",
            _CORE_V1 + "/external/users/{external_id}/campaigns",
            safe_to_retry=True,
            doc=DOC_CAMPAIGNS,
        ),
        Route("campaigns_all", "core", "GET", _CORE_V1 + "/campaigns", safe_to_retry=True, doc=DOC_CAMPAIGNS),
        Route(
            "campaign_opt_in",
            "core",
            "POST",
            _CORE_V1 + "/users/{user_id}/campaigns/{campaign_id}/opt_in",
            safe_to_retry=True,  # opting in twice leaves the customer opted in
            inferred=True,
        ),
        # Body {"promo_code": {"code": "TUESDAY20"}} → {"status":"ok","promo_code":{code, offer_id, user_offer_id}}.
        Route(
            "promo_code_claim",
            "core",
            "POST",
            _CORE_V1 + "/users/{user_id}/promo_codes/claim",
            safe_to_retry=False,
            inferred=True,
        ),
        # --- Connect: offers -------------------------------------------------------------------------------
        # Routes below without a page were seen only in integrator code against real tenants (spec: [code]):
        # flagged inferred until a tenant's docs confirm them.
        Route(
            "user_offers_get",
            "connect",
            "POST",
            "/offers/api/2.0/offers/get_user_offers",
            safe_to_retry=True,
            doc=DOC_BRAZE_PARTNER,
        ),
        Route(
            "offer_issue",
            "connect",
            "POST",
            "/offers/api/2.0/offers/acquisition/issue",
            safe_to_retry=False,
            inferred=True,
        ),
        Route(
            "offer_revoke",
            "connect",
            "POST",
            "/offers/api/2.0/offers/acquisition/revoke",
            safe_to_retry=False,
            inferred=True,
        ),
        Route(
            "offer_redeem",
            "connect",
            "POST",
            "/offers/api/2.0/offers/redemption/manual_redeem",
            safe_to_retry=False,
            inferred=True,
        ),
        Route(
            "reward_stores_get",
            "connect",
            "POST",
            "/offers/api/2.0/offers/rewardstores/get_user_reward_stores",
            safe_to_retry=True,
            inferred=True,
        ),
        Route(
            "reward_store_offers_get",
            "connect",
            "POST",
            "/offers/api/2.0/offers/rewardstores/get_reward_store_offers",
            safe_to_retry=True,
            inferred=True,
        ),
        # Requires point_account_ids (the GUIDs of the point accounts to spend from).
        Route(
            "reward_store_purchase",
            "connect",
            "POST",
            "/offers/api/2.0/offers/rewardstores/purchase_offer",
            safe_to_retry=False,
            doc=DOC_PURCHASE,
        ),
        # --- Connect: incentives ---------------------------------------------------------------------------
        Route(
            "point_balances_get",
            "connect",
            "POST",
            "/incentives/api/1.0/user_points/all_balances",
            safe_to_retry=True,
            inferred=True,
        ),
        Route(
            "point_audit_logs_get",
            "connect",
            "POST",
            "/incentives/api/2.0/user_points/fetch_point_audit_logs",
            safe_to_retry=True,
            inferred=True,
        ),
        Route(
            "points_deposit",
            "connect",
            "POST",
            "/incentives/api/1.0/user_points/deposit",
            safe_to_retry=False,
            inferred=True,
        ),
        Route(
            "points_spend",
            "connect",
            "POST",
            "/incentives/api/1.0/user_points/spend_multiple",
            safe_to_retry=True,
            inferred=True,
        ),
        Route(
            "user_event_trigger",
            "connect",
            "POST",
            "/incentives/api/1.0/user_events/trigger_user_event",
            safe_to_retry=False,
            inferred=True,
        ),
        Route(
            "tier_move",
            "connect",
            "POST",
            "/incentives/api/1.0/movement/move_user",
            safe_to_retry=False,
            inferred=True,
        ),
        # --- Cloud POS -------------------------------------------------------------------------------------
        # request_id is SessionM's idempotency key: a repeat returns the first response, or the error
        # "pending processing" while the first is still processing (DOC_POS_CONTAINER).
        Route("transaction_send", "pos", "POST", "/api/2.0/send_transaction", safe_to_retry=True, doc=DOC_POS_SEND),
    )
}


# Every route names its page or says it is a guess.
assert all(route.doc or route.inferred for route in ROUTES.values()), "each route needs a doc page or inferred=True"
