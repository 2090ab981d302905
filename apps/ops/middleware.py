"""Per-request metrics and the request log line: route (the URL pattern's name, never the raw path, which
would make a series per customer and could carry a token), method, status and duration."""

import logging
import time

from django.conf import settings

from .metrics import REQUEST_SECONDS, THROTTLED

request_logger = logging.getLogger("loyalty_bff.requests")
_METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})


class RequestMetricsMiddleware:
    """Sits right inside RequestIdMiddleware, so its log line carries the request id."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        started = time.monotonic()
        response = self.get_response(request)
        seconds = time.monotonic() - started
        match = getattr(request, "resolver_match", None)
        route = match.view_name if match else "unmatched"
        # The method is client-chosen text: anything unusual shares one label.
        method = request.method if request.method in _METHODS else "other"
        status = response.status_code
        REQUEST_SECONDS.labels(route, method, str(status)).observe(seconds)
        if status == 429:
            THROTTLED.labels(route).inc()
        if settings.LOG_REQUESTS:
            duration_ms = round(seconds * 1000, 1)
            request_logger.info(
                "%s %s %s %sms",
                method,
                route,
                status,
                duration_ms,
                extra={"route": route, "method": method, "status": status, "duration_ms": duration_ms},
            )
        return response
