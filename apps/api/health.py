"""Liveness and readiness probes for the load balancer and the orchestrator."""

from django.conf import settings
from django.db import connections
from django.http import JsonResponse


def healthz(request):
    """The process is up and serving. Touches nothing else, so a slow database never kills the pod."""
    return JsonResponse({"status": "ok"})


def readyz(request):
    """Ready for traffic: the database answers and both upstreams are configured (not called: a SessionM
    outage must not take every replica out of the load balancer)."""
    checks = {}
    try:
        with connections["default"].cursor() as cursor:
            cursor.execute("SELECT 1")
        checks["database"] = "ok"
    except Exception as exc:  # noqa: BLE001 - any driver error means "not ready"
        checks["database"] = f"error: {exc.__class__.__name__}"
    checks["sessionm"] = "ok" if settings.SESSIONM_CORE_URL and settings.SESSIONM_API_KEY else "not configured"
    checks["braze"] = "ok" if settings.BRAZE_REST_URL and settings.BRAZE_API_KEY else "not configured"
    checks["mode"] = "sandbox" if settings.SANDBOX_ENABLED else "live"
    ready = all(v == "ok" for k, v in checks.items() if k != "mode")
    return JsonResponse({"status": "ok" if ready else "unavailable", "checks": checks}, status=200 if ready else 503)
