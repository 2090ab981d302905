"""LOG_FORMAT=json: one JSON object a line with the request id, route, status and duration; configured
secrets never reach a log line."""

import io
import json
import logging
import subprocess
import sys

import pytest
from django.test import Client
from django.urls import reverse

from apps.api.middleware import RequestIdLogFilter
from apps.ops.logging import JsonLogFormatter, RedactSecretsFilter
from tests.processes import ROOT, migrated_env, sqlite_env


@pytest.fixture
def json_log():
    """The handler settings.LOGGING builds for LOG_FORMAT=json, on the root logger, writing to a buffer."""
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(JsonLogFormatter())
    handler.addFilter(RequestIdLogFilter())
    handler.addFilter(RedactSecretsFilter())
    root = logging.getLogger()
    root.addHandler(handler)
    yield lambda: [json.loads(line) for line in stream.getvalue().splitlines()]
    root.removeHandler(handler)


@pytest.mark.django_db
def test_one_json_object_per_request_with_request_id_route_status_and_duration(settings, json_log):
    settings.LOG_REQUESTS = True
    response = Client().get(reverse("healthz"), HTTP_X_REQUEST_ID="req-0123456789")

    [line] = [entry for entry in json_log() if entry["logger"] == "loyalty_bff.requests"]
    assert response["X-Request-ID"] == "req-0123456789"
    assert line["request_id"] == "req-0123456789"
    assert (line["route"], line["method"], line["status"]) == ("healthz", "GET", 200)
    assert line["duration_ms"] >= 0
    assert {"time", "level", "message"} <= set(line)


@pytest.mark.django_db
def test_no_request_lines_unless_asked(settings, json_log):
    settings.LOG_REQUESTS = False
    Client().get(reverse("healthz"))
    assert [entry for entry in json_log() if entry["logger"] == "loyalty_bff.requests"] == []


def test_configured_secrets_are_redacted_from_messages_and_tracebacks(settings, json_log):
    settings.SESSIONM_API_KEY = "live-core-key-7f3a9c"
    settings.METRICS_TOKEN = "metrics-token-0123456789"
    logger = logging.getLogger("apps.sessionm.client")
    # The filter reads the settings once per handler; this one was just built.
    logger.warning("GET https://core.example/priv/v1/apps/%s/users failed", settings.SESSIONM_API_KEY)
    try:
        raise RuntimeError(f"token {settings.METRICS_TOKEN} refused")
    except RuntimeError:
        logger.exception("scrape failed")

    text = json.dumps(json_log())
    assert "live-core-key-7f3a9c" not in text
    assert "metrics-token-0123456789" not in text
    assert text.count("[redacted]") == 2


def test_a_django_request_warning_is_printed_once_in_debug(tmp_path):
    """Django's own console handler (DEBUG) used to print every django.request line a second time."""
    env = sqlite_env(tmp_path, LOG_FORMAT="json")
    script = "import logging; logging.getLogger('django.request').warning('Not Found: /nope-7c1e')"
    result = subprocess.run(
        [sys.executable, "manage.py", "shell", "-c", script], cwd=ROOT, env=env, capture_output=True, text=True
    )
    lines = [line for line in (result.stdout + result.stderr).splitlines() if "nope-7c1e" in line]
    assert len(lines) == 1, lines
    assert json.loads(lines[0])["logger"] == "django.request"


def test_every_line_the_scheduler_prints_is_a_json_log_line(tmp_path):
    env = migrated_env(tmp_path, LOG_FORMAT="json")
    result = subprocess.run(
        [sys.executable, "manage.py", "scheduler", "--once"], cwd=ROOT, env=env, capture_output=True, text=True
    )
    assert result.returncode == 0, result.stderr
    entries = [json.loads(line) for line in (result.stdout + result.stderr).splitlines() if line.strip()]
    messages = [entry["message"] for entry in entries]
    assert any("started" in message for message in messages), messages
    assert any(message.startswith("scheduler enqueued ") for message in messages), messages
    assert any("stopped" in message for message in messages), messages
