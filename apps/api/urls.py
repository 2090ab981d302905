"""The mobile app's API, /api/v1/. Each domain app owns its routes; this file only mounts them."""

from django.urls import include, path

app_name = "api"

urlpatterns = [
    path("", include("apps.accounts.urls")),
    path("", include("apps.loyalty.urls")),
]
