"""Every SessionM path the BFF calls, in one table shared by the client and the sandbox.

Source tags follow shared/specs/sessionm.md. Paths marked `inferred=True` were not published by SessionM:
when a tenant's docs say otherwise, correct them here and nowhere else.
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


_CORE_V1 = "/priv/v1/apps/{api_key}"
_CORE_V2 = "/priv/v2/apps/{api_key}"

ROUTES: dict[str, Route] = {
    route.name: route
    for route in (
        # --- Core: customers -------------------------------------------------------------------------
        Route("user_create", "core", "POST", _CORE_V1 + "/users", safe_to_retry=False),
        Route("user_get", "core", "GET", _CORE_V1 + "/users/{user_id}", safe_to_retry=True),
        Route("user_get_external", "core", "GET", _CORE_V1 + "/external/users/{external_id}", safe_to_retry=True),
        Route("user_update", "core", "PUT", _CORE_V1 + "/users/{user_id}", safe_to_retry=True),
        Route("user_delete", "core", "DELETE", _CORE_V1 + "/users/{user_id}", safe_to_retry=True, inferred=True),
        Route(
            "user_profile_update",
            "core",
            "PUT",
            _CORE_V1 + "/users/{user_id}/models/user_profile",
            safe_to_retry=True,
        ),
        # Counter tags (no ttl) count every call, so a blind retry would count twice.
        Route("tags_add", "core", "POST", _CORE_V1 + "/users/{user_id}/tags", safe_to_retry=False),
        Route(
            "tags_add_external", "core", "POST", _CORE_V1 + "/external/users/{external_id}/tags", safe_to_retry=False
        ),
        Route("tags_get", "core", "GET", _CORE_V1 + "/users/{user_id}/tags", safe_to_retry=True, inferred=True),
        # --- Core: activity, campaigns, promo codes ----------------------------------------------------
        Route("timeline_get", "core", "GET", _CORE_V1 + "/users/{user_id}/timelines/{view}", safe_to_retry=True),
        Route("campaigns_eligible", "core", "GET", _CORE_V2 + "/users/{user_id}/campaigns", safe_to_retry=True),
        Route("campaigns_all", "core", "GET", _CORE_V1 + "/campaigns", safe_to_retry=True),
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
        Route("user_offers_get", "connect", "POST", "/offers/api/2.0/offers/get_user_offers", safe_to_retry=True),
        Route("offer_issue", "connect", "POST", "/offers/api/2.0/offers/acquisition/issue", safe_to_retry=False),
        Route("offer_revoke", "connect", "POST", "/offers/api/2.0/offers/acquisition/revoke", safe_to_retry=False),
        Route(
            "offer_redeem", "connect", "POST", "/offers/api/2.0/offers/redemption/manual_redeem", safe_to_retry=False
        ),
        Route(
            "reward_stores_get",
            "connect",
            "POST",
            "/offers/api/2.0/offers/rewardstores/get_user_reward_stores",
            safe_to_retry=True,
        ),
        Route(
            "reward_store_offers_get",
            "connect",
            "POST",
            "/offers/api/2.0/offers/rewardstores/get_reward_store_offers",
            safe_to_retry=True,
        ),
        Route(
            "reward_store_purchase",
            "connect",
            "POST",
            "/offers/api/2.0/offers/rewardstores/purchase_offer",
            safe_to_retry=False,
        ),
        # --- Connect: incentives ---------------------------------------------------------------------------
        Route(
            "point_balances_get", "connect", "POST", "/incentives/api/1.0/user_points/all_balances", safe_to_retry=True
        ),
        Route(
            "point_audit_logs_get",
            "connect",
            "POST",
            "/incentives/api/2.0/user_points/fetch_point_audit_logs",
            safe_to_retry=True,
        ),
        Route("points_deposit", "connect", "POST", "/incentives/api/1.0/user_points/deposit", safe_to_retry=False),
        Route("points_spend", "connect", "POST", "/incentives/api/1.0/user_points/spend_multiple", safe_to_retry=True),
        Route(
            "user_event_trigger",
            "connect",
            "POST",
            "/incentives/api/1.0/user_events/trigger_user_event",
            safe_to_retry=False,
        ),
        Route("tier_move", "connect", "POST", "/incentives/api/1.0/movement/move_user", safe_to_retry=False),
        # --- Cloud POS -------------------------------------------------------------------------------------
        # request_id is SessionM's idempotency key: a repeat returns the first response.
        Route("transaction_send", "pos", "POST", "/api/2.0/send_transaction", safe_to_retry=True),
    )
}
