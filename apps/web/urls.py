"""The web wallet's pages, mounted at "/" (loyalty_bff/urls.py)."""

from django.urls import path, register_converter

from apps.loyalty.urls import SessionMIdConverter

from .views import auth, campaigns, history, landing, passwords, profile, wallet

app_name = "web"

# The app API's id shape: anything else is a 404 before a view (or SessionM) sees it.
register_converter(SessionMIdConverter, "web_sessionm_id")

urlpatterns = [
    path("", landing.landing, name="landing"),
    path("signup/", auth.signup, name="signup"),
    path("login/", auth.login, name="login"),
    path("logout/", auth.logout, name="logout"),
    path("password-reset/", passwords.password_reset, name="password-reset"),
    path("password-reset/sent/", passwords.password_reset_sent, name="password-reset-sent"),
    path(
        "password-reset/<str:uidb64>/<str:token>/",
        passwords.password_reset_confirm_view,
        name="password-reset-confirm",
    ),
    path("wallet/", wallet.wallet, name="wallet"),
    path("wallet/offers/<web_sessionm_id:user_offer_id>/redeem/", wallet.offer_use, name="offer-redeem"),
    path("wallet/offers/<web_sessionm_id:user_offer_id>/redeemed/", wallet.redemption, name="redemption"),
    path("card/", wallet.member_card, name="card"),
    path("wallet/rewards/<web_sessionm_id:offer_id>/buy/", wallet.reward_buy, name="reward-buy"),
    path("wallet/promo-code/", wallet.promo_code, name="promo-code"),
    path("campaigns/", campaigns.campaigns, name="campaigns"),
    path("campaigns/<web_sessionm_id:campaign_id>/opt-in/", campaigns.opt_in, name="campaign-opt-in"),
    path("points/", history.points, name="points"),
    path("activity/", history.activity, name="activity"),
    path("profile/", profile.profile, name="profile"),
    path("profile/password/", passwords.password_change_view, name="password-change"),
    path("profile/forget/", profile.forget, name="forget"),
    path("language/", profile.language, name="language"),
]
