"""The SessionM emulator's handlers, by route name (apps/sessionm/routes.py): every route has one."""

from collections.abc import Callable

from apps.sandbox.http import SandboxRequest, SandboxResponse

from . import core, incentives, offers, pos

HANDLERS: dict[str, Callable[[SandboxRequest], SandboxResponse]] = {
    # Core: customers
    "user_create": core.user_create,
    "user_get": core.user_get,
    "user_get_external": core.user_get,
    "user_update": core.user_update,
    "privacy_forget_request": core.privacy_forget_request,
    "user_profile_update": core.user_profile_update,
    "user_profile_create": core.user_profile_update,
    "user_profile_create_external": core.user_profile_update,
    "tags_add": core.tags_add,
    "tags_add_external": core.tags_add,
    "tags_get": core.tags_get,
    # Core: activity, campaigns, promo codes
    "timeline_get": core.timeline_get,
    "timeline_get_external": core.timeline_get,
    "campaigns_eligible": core.campaigns_eligible,
    "campaigns_eligible_v1": core.campaigns_eligible,
    "campaigns_eligible_external": core.campaigns_eligible,
    "campaigns_eligible_external_v1": core.campaigns_eligible,
    "campaigns_all": core.campaigns_all,
    "campaign_opt_in": core.campaign_opt_in,
    "promo_code_claim": core.promo_code_claim,
    # Connect: offers
    "user_offers_get": offers.user_offers_get,
    "offer_issue": offers.offer_issue,
    "offer_revoke": offers.offer_revoke,
    "offer_redeem": offers.offer_redeem,
    "reward_stores_get": offers.reward_stores_get,
    "reward_store_offers_get": offers.reward_store_offers_get,
    "reward_store_purchase": offers.reward_store_purchase,
    # Connect: incentives
    "point_balances_get": incentives.point_balances_get,
    "point_audit_logs_get": incentives.point_audit_logs_get,
    "points_deposit": incentives.points_deposit,
    "points_spend": incentives.points_spend,
    "user_event_trigger": incentives.user_event_trigger,
    "tier_move": incentives.tier_move,
    # Cloud POS
    "transaction_send": pos.transaction_send,
}
