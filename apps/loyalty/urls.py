"""Routes of the app API under /api/v1/ (mounted by apps/api/urls.py)."""

from django.urls import path, register_converter

from . import apis
from .serializers import ID_PATTERN


class SessionMIdConverter:
    """An id SessionM handed out; anything else is a 404 before a view runs."""

    regex = ID_PATTERN

    def to_python(self, value: str) -> str:
        return value

    def to_url(self, value: str) -> str:
        return value


register_converter(SessionMIdConverter, "sessionm_id")

urlpatterns = [
    path("home", apis.HomeApi.as_view(), name="home"),
    path("campaigns", apis.CampaignsApi.as_view(), name="campaigns"),
    path("campaigns/<sessionm_id:campaign_id>/opt-in", apis.CampaignOptInApi.as_view(), name="campaign-opt-in"),
    path("wallet", apis.WalletApi.as_view(), name="wallet"),
    path("wallet/<sessionm_id:user_offer_id>/redeem", apis.OfferRedeemApi.as_view(), name="offer-redeem"),
    path("rewards-store", apis.RewardsStoreApi.as_view(), name="rewards-store"),
    path("rewards-store/<sessionm_id:offer_id>/purchase", apis.RewardPurchaseApi.as_view(), name="reward-purchase"),
    path("points", apis.PointsApi.as_view(), name="points"),
    path("points/history", apis.PointsHistoryApi.as_view(), name="points-history"),
    path("activity", apis.ActivityApi.as_view(), name="activity"),
    path("me/member-code", apis.MemberCodeApi.as_view(), name="member-code"),
    path("promo-codes", apis.PromoCodesApi.as_view(), name="promo-codes"),
    path("events", apis.EventsApi.as_view(), name="events"),
]
