"""GET /metrics: behind its token, request latency by route, throttles, upstream calls, the outbox, and the
multiprocess mode several gunicorn workers need."""

import os
import subprocess
import sys
from datetime import timedelta
from pathlib import Path

import pytest
import requests
import responses
from django.urls import reverse
from django.utils import timezone
from prometheus_client import REGISTRY
from prometheus_client.parser import text_string_to_metric_families

from apps.messaging.models import NotificationStatus
from apps.upstream.errors import UpstreamTimeout, UpstreamUnavailable
from apps.upstream.session import build_session, send
from tests.factories import NotificationFactory

TOKEN = "metrics-token-for-tests-0123456789"
ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(autouse=True)
def _token(settings):
    settings.METRICS_TOKEN = TOKEN


def scrape(client) -> dict:
    response = client.get(reverse("metrics"), HTTP_AUTHORIZATION=f"Bearer {TOKEN}")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/plain")
    return {
        (sample.name, tuple(sorted(sample.labels.items()))): sample.value
        for family in text_string_to_metric_families(response.content.decode())
        for sample in family.samples
    }


def sample(name: str, **labels) -> float:
    return REGISTRY.get_sample_value(name, labels) or 0.0


@pytest.mark.django_db
def test_metrics_need_the_token(client, settings):
    assert client.get(reverse("metrics")).status_code == 401
    wrong = client.get(reverse("metrics"), HTTP_AUTHORIZATION="Bearer not-it")
    assert wrong.status_code == 401
    assert wrong.json()["error"]["code"] == "not_authenticated"
    assert wrong["WWW-Authenticate"].startswith("Bearer")
    settings.METRICS_TOKEN = ""
    off = client.get(reverse("metrics"), HTTP_AUTHORIZATION="Bearer ")
    assert off.status_code == 404  # no token configured: not served at all


@pytest.mark.django_db
def test_request_latency_by_route_name_and_status(client):
    before = sample("bff_http_request_duration_seconds_count", route="healthz", method="GET", status="200")
    client.get(reverse("healthz"))
    client.get("/api/v1/no-such-thing")

    metrics = scrape(client)
    key = (("method", "GET"), ("route", "healthz"), ("status", "200"))
    assert metrics[("bff_http_request_duration_seconds_count", key)] == before + 1
    unmatched = (("method", "GET"), ("route", "unmatched"), ("status", "404"))
    assert metrics[("bff_http_request_duration_seconds_count", unmatched)] >= 1
    assert not any("no-such-thing" in str(labels) for _, labels in metrics)  # raw paths never become labels


@pytest.mark.django_db
def test_throttled_requests_are_counted_by_route(client, rates):
    rates(login="1/min")
    before = sample("bff_http_throttled_requests_total", route="api:token")
    attempt = {"email": "nobody@example.com", "password": "Wrong-Password-9"}
    answers = [client.post(reverse("api:token"), attempt, content_type="application/json") for _ in range(3)]
    assert [a.status_code for a in answers] == [401, 429, 429]
    assert sample("bff_http_throttled_requests_total", route="api:token") == before + 2


@responses.activate
def test_upstream_calls_by_route_with_errors():
    url = "https://upstream.example/x"
    responses.get(url, status=503)
    responses.get(url, status=200, json={})
    responses.get(url, body=requests.ConnectTimeout("slow"))
    labels = {"upstream": "sessionm", "route": "user_get"}
    errors_before = sample("bff_upstream_errors_total", **labels, error="http_503")
    ok_before = sample("bff_upstream_request_duration_seconds_count", **labels, status="200")
    timeouts_before = sample("bff_upstream_errors_total", **labels, error="timeout")
    session = build_session()
    common = {
        "label": "sessionm user_get",
        "unavailable": UpstreamUnavailable,
        "timed_out": UpstreamTimeout,
        "timeout": (1, 1),
        "sleep": lambda _: None,
    }

    assert send(session, "GET", url, retries=1, safe_to_retry=True, **common).status_code == 200
    with pytest.raises(UpstreamTimeout):
        send(session, "GET", url, retries=0, safe_to_retry=True, **common)

    assert sample("bff_upstream_errors_total", **labels, error="http_503") == errors_before + 1
    assert sample("bff_upstream_request_duration_seconds_count", **labels, status="200") == ok_before + 1
    assert sample("bff_upstream_errors_total", **labels, error="timeout") == timeouts_before + 1


@pytest.mark.django_db
def test_outbox_depth_oldest_due_age_and_dead_letters(client):
    now = timezone.now()
    NotificationFactory(due_at=now - timedelta(minutes=10), next_attempt_at=now - timedelta(minutes=10))
    NotificationFactory(due_at=now - timedelta(minutes=1))
    NotificationFactory(due_at=now + timedelta(days=3), next_attempt_at=now + timedelta(days=3))  # not due yet
    NotificationFactory(status=NotificationStatus.DEAD)
    NotificationFactory(status=NotificationStatus.SENT)

    metrics = scrape(client)
    assert metrics[("bff_outbox_due_messages", ())] == 2
    assert 600 <= metrics[("bff_outbox_oldest_due_age_seconds", ())] < 700
    assert metrics[("bff_outbox_dead_letters", ())] == 1
    assert metrics[("bff_outbox_messages", (("status", "pending"),))] == 3
    assert metrics[("bff_metrics_database_up", ())] == 1


@pytest.mark.django_db
def test_task_queue_and_scheduler_gauges(client, settings):
    from apps.ops.scheduler import scheduled_jobs_sync, scheduler_tick

    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default"]}}
    scheduled_jobs_sync(now=timezone.now())
    enqueued = scheduler_tick(holder="test")

    metrics = scrape(client)
    assert metrics[("bff_tasks_ready", ())] == len(enqueued) > 0
    assert metrics[("bff_scheduler_active", ())] == 1
    assert metrics[("bff_worker_heartbeat_age_seconds", ())] == -1  # no worker has ever been seen
    assert (("job", "deliver_notifications"),) in {
        labels for name, labels in metrics if name == "bff_scheduler_job_next_run_timestamp_seconds"
    }


def test_several_processes_add_up_in_multiprocess_mode(tmp_path):
    """What several gunicorn workers do: each records in its own file; any one answers for all."""
    env = {
        **os.environ,
        "PROMETHEUS_MULTIPROC_DIR": str(tmp_path / "prom"),
        "DJANGO_SETTINGS_MODULE": "loyalty_bff.settings",
        # No tables: the scrape-time database gauges fail, and the scrape still answers.
        "DATABASE_URL": f"sqlite:///{tmp_path / 'empty.sqlite3'}",
    }
    (tmp_path / "prom").mkdir()
    record = (
        "from apps.upstream.metrics import upstream_call_observe as observe; "
        "observe('braze campaign_trigger', 0.2, status=201)"
    )
    for _ in range(2):
        subprocess.run([sys.executable, "-c", record], cwd=ROOT, env=env, check=True)
    expose = (
        "import django; django.setup(); "
        "from apps.ops.metrics import metrics_exposition; print(metrics_exposition()[0].decode())"
    )
    output = subprocess.run(
        [sys.executable, "-c", expose], cwd=ROOT, env=env, check=True, capture_output=True, text=True
    ).stdout

    samples = {
        (s.name, tuple(sorted(s.labels.items()))): s.value
        for family in text_string_to_metric_families(output)
        for s in family.samples
    }
    labels = (("route", "campaign_trigger"), ("status", "201"), ("upstream", "braze"))
    assert samples[("bff_upstream_request_duration_seconds_count", labels)] == 2
    assert samples[("bff_metrics_database_up", ())] == 0


@pytest.mark.django_db
def test_worker_heartbeat_gauge_says_how_long_ago_a_worker_was_seen(client):
    from apps.messaging.models import WorkerHeartbeat

    seen = timezone.now() - timedelta(seconds=90)
    WorkerHeartbeat.objects.create(worker_id="w-1", hostname="web-1", pid=1, started_at=seen, seen_at=seen)

    age = scrape(client)[("bff_worker_heartbeat_age_seconds", ())]

    assert 90 <= age < 120
