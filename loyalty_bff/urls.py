from csp.decorators import csp_update
from django.conf import settings
from django.contrib import admin
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

from apps.accounts.admin_login import admin_login
from apps.api.views_errors import json_or_html_404, json_or_html_500
from apps.ops import health
from apps.ops.views import metrics

urlpatterns = [
    path("healthz", health.healthz, name="healthz"),
    path("readyz", health.readyz, name="readyz"),
    path("metrics", metrics, name="metrics"),
    path("api/v1/", include("apps.api.urls")),
    path("api/schema/", SpectacularAPIView.as_view(), name="schema"),
    # The split view serves Swagger UI's start-up script as a file (no inline script); its page keeps one inline
    # <style>, allowed on this page only.
    path(
        "api/docs/",
        csp_update({"style-src": ["'unsafe-inline'"]})(SpectacularSwaggerSplitView.as_view(url_name="schema")),
        name="api-docs",
    ),
    path("integrations/pos/", include("apps.loyalty.pos_urls")),
    path("integrations/", include("apps.messaging.urls")),
    # Before the admin's own routes: its login page, throttled.
    path("admin/login/", admin_login, name="admin-login"),
    path("admin/", admin.site.urls),
    path("i18n/", include("django.conf.urls.i18n")),
]
if settings.SANDBOX_ENABLED:
    urlpatterns.append(path("sandbox/", include("apps.sandbox.urls")))
urlpatterns.append(path("", include("apps.web.urls")))

handler404 = json_or_html_404
handler500 = json_or_html_500
