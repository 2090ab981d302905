from django.urls import path

from . import apis

app_name = "integrations"
urlpatterns = [
    path("sessionm/events", apis.SessionMEventsApi.as_view(), name="sessionm-events"),
    path("braze/wallet/<str:user_id>", apis.BrazeWalletApi.as_view(), name="braze-wallet"),
]
