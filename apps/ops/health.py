"""Liveness and readiness probes for the load balancer and the orchestrator."""

import uuid

from django.conf import settings
from django.core.cache import cache
from django.db import DEFAULT_DB_ALIAS, connections
from django.db.migrations.executor import MigrationExecutor
from django.http import JsonResponse

from apps.messaging.selectors import worker_heartbeat_age

# Once every migration is applied it stays so for the life of the process (a deploy migrates, then restarts):
# the migration graph is loaded from disk only until then.
_migrations_applied = False


def healthz(request):
    """The process is up and serving. Touches nothing else, so a slow database never kills the pod."""
    return JsonResponse({"status": "ok"})


def _database() -> str:
    with connections[DEFAULT_DB_ALIAS].cursor() as cursor:
        cursor.execute("SELECT 1")
    return "ok"


def _migrations() -> str:
    global _migrations_applied
    if _migrations_applied:
        return "ok"
    loader = MigrationExecutor(connections[DEFAULT_DB_ALIAS]).loader
    # Every migration, not only the leaves: a database can have a later migration and miss an earlier one.
    unapplied = [key for key in loader.graph.nodes if key not in loader.applied_migrations]
    if unapplied:
        return f"error: {len(unapplied)} unapplied (run manage.py migrate)"
    _migrations_applied = True
    return "ok"


def _cache() -> str:
    # A round trip through the shared store: throttles and lock-outs live there, so without it nothing is safe.
    key, value = f"readyz:{uuid.uuid4().hex}", uuid.uuid4().hex
    cache.set(key, value, timeout=30)
    try:
        return "ok" if cache.get(key) == value else "error: the value written was not read back"
    finally:
        cache.delete(key)


def _worker() -> str:
    age = worker_heartbeat_age()
    limit = settings.WORKER_HEARTBEAT_MAX_AGE
    if age is None:
        return "error: no outbox worker has ever been seen (start manage.py db_worker)"
    if age > limit:
        return f"error: no outbox worker seen for {int(age.total_seconds())} s (limit {int(limit.total_seconds())} s)"
    return "ok"


def _uses_db_worker() -> bool:
    return settings.TASKS["default"]["BACKEND"] == "django_tasks_db.DatabaseBackend"


def _run(check) -> str:
    try:
        return check()
    except Exception as exc:  # noqa: BLE001 - any failure of a dependency means "not ready", with its kind
        return f"error: {exc.__class__.__name__}"


def readyz(request):
    """Ready for traffic: the database answers and is fully migrated, the shared cache keeps what it is given, an
    outbox worker was seen recently, and both upstreams are configured (not called: a SessionM outage must not
    take every replica out of the load balancer). 503 names what is wrong."""
    checks = {"database": _run(_database)}
    # Without a database the migration and worker checks can only repeat its error.
    checks["migrations"] = _run(_migrations) if checks["database"] == "ok" else "unknown: no database"
    checks["cache"] = _run(_cache)
    if _uses_db_worker():
        checks["worker"] = _run(_worker) if checks["database"] == "ok" else "unknown: no database"
    checks["sessionm"] = "ok" if settings.SESSIONM_CORE_URL and settings.SESSIONM_API_KEY else "not configured"
    checks["braze"] = "ok" if settings.BRAZE_REST_URL and settings.BRAZE_API_KEY else "not configured"
    checks["mode"] = "sandbox" if settings.SANDBOX_ENABLED else "live"
    ready = all(v == "ok" for k, v in checks.items() if k != "mode")
    return JsonResponse({"status": "ok" if ready else "unavailable", "checks": checks}, status=200 if ready else 503)
