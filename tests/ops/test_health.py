import subprocess
import sys
import time
from datetime import timedelta

import pytest
from django.db import connections
from django.db.migrations.recorder import MigrationRecorder
from django.urls import reverse
from django.utils import timezone

from apps.messaging.heartbeat import worker_heartbeat_beat
from apps.messaging.selectors import worker_heartbeat_age
from apps.ops import health
from tests.processes import ROOT, migrated_env, sqlite_env


@pytest.fixture
def worker_alive(settings):
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default"]}}
    worker_heartbeat_beat(worker_id="test-worker", started_at=timezone.now())


@pytest.fixture(autouse=True)
def _forget_migration_state(monkeypatch):
    monkeypatch.setattr(health, "_migrations_applied", False)


def readyz(client):
    response = client.get(reverse("readyz"))
    return response.status_code, response.json()["checks"]


@pytest.mark.django_db
def test_healthz_touches_nothing(client, django_assert_num_queries):
    with django_assert_num_queries(0):
        response = client.get(reverse("healthz"))
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


@pytest.mark.django_db
def test_readyz_checks_the_database_cache_migrations_worker_and_configuration(client, worker_alive):
    status, checks = readyz(client)
    assert status == 200
    assert checks == {
        "database": "ok",
        "migrations": "ok",
        "cache": "ok",
        "worker": "ok",
        "sessionm": "ok",
        "braze": "ok",
        "mode": "sandbox",
    }


@pytest.mark.django_db
def test_readyz_reports_a_missing_upstream(client, settings, worker_alive):
    settings.BRAZE_API_KEY = ""
    status, checks = readyz(client)
    assert status == 503
    assert checks["braze"] == "not configured"


@pytest.mark.django_db
@pytest.mark.parametrize("name", ["0001_initial", "0005_worker_heartbeat"])
def test_readyz_reports_unapplied_migrations(client, worker_alive, name):
    # The first one too: a database may have the latest migration of an app and miss an earlier one.
    MigrationRecorder.Migration.objects.filter(app="messaging", name=name).delete()
    status, checks = readyz(client)
    assert status == 503
    assert checks["migrations"].startswith("error: 1 unapplied")


@pytest.mark.django_db
def test_readyz_reports_an_unreachable_database(client, monkeypatch, worker_alive):
    # A real driver failure: a connection to a database that cannot be reached (a port nobody listens on; for
    # SQLite, a file in a directory that does not exist).
    connection = connections["default"]
    if connection.vendor == "postgresql":
        broken = {**connection.settings_dict, "HOST": "127.0.0.1", "PORT": "9"}
    else:
        broken = {**connection.settings_dict, "NAME": "/nonexistent-dir/db.sqlite3"}
    unreachable = connection.__class__(broken, alias="default")
    monkeypatch.setattr(health, "connections", {"default": unreachable})
    try:
        status, checks = readyz(client)
    finally:
        unreachable.close()
    assert status == 503
    assert checks["database"] == "error: OperationalError"
    assert checks["migrations"] == "unknown: no database"
    assert checks["worker"] == "unknown: no database"


@pytest.mark.django_db
def test_readyz_reports_an_unreachable_cache(client, settings, worker_alive):
    settings.CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": "redis://127.0.0.1:9/0"}
    }
    status, checks = readyz(client)
    assert status == 503
    assert checks["cache"].startswith("error: ")


@pytest.mark.django_db
def test_readyz_reports_no_worker_ever_seen(client, settings):
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default"]}}
    status, checks = readyz(client)
    assert status == 503
    assert "no outbox worker has ever been seen" in checks["worker"]


@pytest.mark.django_db
def test_readyz_reports_a_worker_not_seen_for_too_long(client, settings, worker_alive):
    settings.WORKER_HEARTBEAT_MAX_AGE = timedelta(minutes=2)
    worker_heartbeat_beat(worker_id="test-worker", started_at=timezone.now(), now=timezone.now() - timedelta(minutes=3))
    status, checks = readyz(client)
    assert status == 503
    assert checks["worker"].startswith("error: no outbox worker seen for 18")


@pytest.mark.django_db
def test_the_heartbeat_age_is_the_newest_workers(worker_alive):
    now = timezone.now()
    worker_heartbeat_beat(worker_id="old", started_at=now, now=now - timedelta(hours=1))
    assert worker_heartbeat_age() < timedelta(seconds=5)


def test_unknown_path_under_the_api_is_a_json_404_in_the_real_urlconf(client):
    response = client.get("/api/v1/no-such-screen")
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "not_found"


def test_a_real_db_worker_writes_its_heartbeat(tmp_path):
    env = migrated_env(tmp_path)
    read = (
        "from apps.messaging.models import WorkerHeartbeat as H; "
        "print('beats', ','.join(f'{h.worker_id}:{h.pid}' for h in H.objects.all()))"
    )
    worker = subprocess.Popen(  # noqa: S603
        [sys.executable, "manage.py", "db_worker", "--no-reload", "--worker-id", "w-test"], cwd=ROOT, env=env
    )
    try:
        deadline = time.monotonic() + 60
        seen = ""
        while time.monotonic() < deadline and f"w-test:{worker.pid}" not in seen:
            time.sleep(0.5)
            out = subprocess.run(
                [sys.executable, "manage.py", "shell", "-c", read], cwd=ROOT, env=env, capture_output=True, text=True
            ).stdout
            seen = out.strip().splitlines()[-1] if out.strip() else ""
        assert f"w-test:{worker.pid}" in seen
    finally:
        worker.kill()
        worker.wait(timeout=10)


def test_readyz_on_a_database_never_migrated(tmp_path):
    env = sqlite_env(tmp_path)
    script = (
        "from django.test import Client; import json; r = Client(HTTP_HOST='localhost').get('/readyz'); "
        "print('READYZ', r.status_code, json.dumps(r.json()['checks']))"
    )
    out = subprocess.run(
        [sys.executable, "manage.py", "shell", "-c", script], cwd=ROOT, env=env, capture_output=True, text=True
    ).stdout
    line = next(line for line in out.splitlines() if line.startswith("READYZ"))
    assert line.startswith("READYZ 503")
    assert '"migrations": "error: ' in line and "unapplied" in line
