"""GET /metrics for Prometheus, behind a bearer token (METRICS_TOKEN). nginx (deploy/) does not route it
either: Prometheus scrapes each instance directly."""

import hmac

from django.conf import settings
from django.http import HttpResponse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from apps.api.exceptions import json_error_response
from apps.core.errors import NotFound

from .metrics import metrics_exposition


@require_GET
def metrics(request):
    token = settings.METRICS_TOKEN
    if not token:
        return json_error_response(NotFound.status, NotFound.code, NotFound.default_message)
    presented = request.headers.get("Authorization", "")
    if not hmac.compare_digest(presented.encode(), f"Bearer {token}".encode()):
        response = json_error_response(401, "not_authenticated", _("A valid metrics token is required."))
        response["WWW-Authenticate"] = 'Bearer realm="metrics"'
        return response
    body, content_type = metrics_exposition()
    return HttpResponse(body, content_type=content_type)
