"""Moving the task queue to Redis (RQ) is a settings change: the environment picks the backend and the
settings add what it needs. Read in a fresh interpreter, as a process reads them at start-up."""

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
READ = (
    "import json; from django.conf import settings; "
    "print(json.dumps({'apps': settings.INSTALLED_APPS, 'tasks': settings.TASKS, "
    "'rq': getattr(settings, 'RQ_QUEUES', None)}))"
)


def read_settings(**environ) -> dict:
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "loyalty_bff.settings", **environ}
    output = subprocess.run([sys.executable, "-c", READ], cwd=ROOT, env=env, capture_output=True, text=True)
    assert output.returncode == 0, output.stderr
    return json.loads(output.stdout)


def test_the_database_queue_by_default():
    config = read_settings()
    assert config["tasks"]["default"]["BACKEND"] == "django_tasks_db.DatabaseBackend"
    assert config["rq"] is None


def test_rq_from_the_environment_alone():
    config = read_settings(TASKS_BACKEND="django_tasks_rq.RQBackend", TASKS_REDIS_URL="redis://127.0.0.1:6379/1")
    assert config["tasks"]["default"]["BACKEND"] == "django_tasks_rq.RQBackend"
    assert {"django_rq", "django_tasks_rq"} <= set(config["apps"])
    assert config["rq"] == {"default": {"URL": "redis://127.0.0.1:6379/1"}}


def test_rq_without_a_redis_url_is_refused_in_production():
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "loyalty_bff.settings",
        "DJANGO_DEBUG": "false",
        "TASKS_BACKEND": "django_tasks_rq.RQBackend",
        "TASKS_REDIS_URL": "",
        "CACHE_URL": "",
    }
    output = subprocess.run([sys.executable, "-c", READ], cwd=ROOT, env=env, capture_output=True, text=True)
    assert output.returncode != 0
    assert "TASKS_REDIS_URL" in output.stderr
