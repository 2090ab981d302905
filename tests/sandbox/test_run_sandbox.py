"""The sandbox's commands: run_sandbox as a real HTTP server in a subprocess, sandbox_faults and sandbox_reset."""

import os
import queue
import re
import signal
import subprocess
import sys
import threading
import time
from io import StringIO
from pathlib import Path

import pytest
import requests
from django.conf import settings
from django.core.management import call_command
from django.core.management.base import CommandError

from apps.sandbox import faults
from apps.sandbox.models import BrazeMessage, Document, FaultSwitch

ROOT = Path(__file__).resolve().parents[2]
STARTUP_SECONDS = 60


class SandboxProcess:
    def __init__(self, tmp_path, *args):
        env = {
            **os.environ,
            "PYTHONUNBUFFERED": "1",
            "DJANGO_DEBUG": "true",
            "SANDBOX_ENABLED": "true",
            "SANDBOX_URL": "",
            "DATABASE_URL": f"sqlite:///{tmp_path / 'bff.sqlite3'}",
            "SANDBOX_DATABASE_URL": f"sqlite:///{tmp_path / 'sandbox.sqlite3'}",
        }
        self.process = subprocess.Popen(
            [sys.executable, "manage.py", "run_sandbox", "--port", "0", *args],
            cwd=ROOT,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        self.lines: queue.Queue[str] = queue.Queue()
        self.output: list[str] = []
        threading.Thread(target=self._read, daemon=True).start()
        self.url = self._wait_for_url()

    def _read(self):
        for line in self.process.stdout:
            self.lines.put(line)

    def _wait_for_url(self) -> str:
        while True:
            try:
                line = self.lines.get(timeout=STARTUP_SECONDS)
            except queue.Empty:
                raise AssertionError("run_sandbox printed no URL:\n" + "".join(self.output)) from None
            self.output.append(line)
            found = re.search(r"serving at (http://\S+)", line)
            if found:
                return found.group(1)

    def read_until(self, text: str) -> str:
        while not any(text in line for line in self.output):
            self.output.append(self.lines.get(timeout=STARTUP_SECONDS))
        return "".join(self.output)

    def stop(self):
        if self.process.poll() is None:
            self.process.kill()
            self.process.wait(timeout=10)


@pytest.fixture
def start_sandbox(tmp_path):
    started = []

    def start(*args):
        sandbox = SandboxProcess(tmp_path, *args)
        started.append(sandbox)
        return sandbox

    yield start
    for sandbox in started:
        sandbox.stop()


def braze_headers():
    return {"Authorization": f"Bearer {settings.BRAZE_API_KEY}"}


def test_run_sandbox_serves_http_prints_how_to_use_it_and_stops_on_sigterm(start_sandbox):
    sandbox = start_sandbox("--latency-ms", "0")
    output = sandbox.read_until("Quit with Ctrl-C")

    assert f"SANDBOX_URL={sandbox.url}" in output
    assert f"BRAZE_REST_URL={sandbox.url}/braze" in output
    assert f"SESSIONM_CORE_URL={sandbox.url}/sessionm/core" in output

    tracked = requests.post(
        f"{sandbox.url}/braze/users/track",
        json={"attributes": [{"external_id": "u1", "first_name": "Ana"}]},
        headers=braze_headers(),
        timeout=10,
    )
    assert tracked.status_code == 201
    assert tracked.json() == {"message": "success", "attributes_processed": 1}
    # /users/track has its own window: 3,000 requests per 3 seconds (https://braze.com/docs/api/api_limits).
    assert tracked.headers["X-RateLimit-Limit"] == "3000"
    refused = requests.post(
        f"{sandbox.url}/braze/users/track", json={}, headers={"Authorization": "Bearer x"}, timeout=10
    )
    assert refused.status_code == 401
    stats = requests.get(f"{sandbox.url}/_sandbox/stats", timeout=10).json()
    assert stats["by_route"] == {"users_track": 2}

    sandbox.process.send_signal(signal.SIGTERM)

    assert sandbox.process.wait(timeout=20) == 0
    assert "Sandbox stopped." in sandbox.read_until("Sandbox stopped.")


def test_run_sandbox_stops_on_ctrl_c(start_sandbox):
    sandbox = start_sandbox()
    sandbox.read_until("Quit with Ctrl-C")

    sandbox.process.send_signal(signal.SIGINT)

    assert sandbox.process.wait(timeout=20) == 0
    assert "Traceback" not in sandbox.read_until("Sandbox stopped.")


def test_run_sandbox_answers_while_another_call_hangs(start_sandbox):
    sandbox = start_sandbox("--upstream", "braze", "--timeout-rate", "1")
    outcome = []

    def hang():
        try:
            requests.post(
                f"{sandbox.url}/braze/campaigns/trigger/send", json={}, headers=braze_headers(), timeout=(5, 3)
            )
        except requests.ReadTimeout as exc:
            outcome.append(exc)

    hanging = threading.Thread(target=hang, daemon=True)
    hanging.start()

    # The hanging call is counted before it hangs, and the stats answer while it still hangs.
    for _ in range(200):
        if requests.get(f"{sandbox.url}/_sandbox/stats", timeout=5).json()["total"]:
            break
        time.sleep(0.05)
    assert hanging.is_alive()
    switches = requests.get(f"{sandbox.url}/_sandbox/faults", timeout=5).json()["faults"]
    assert switches["braze"]["timeout_rate"] == 1.0
    assert switches["sessionm-core"]["timeout_rate"] == 0.0
    hanging.join(timeout=30)
    assert len(outcome) == 1


def test_run_sandbox_refuses_an_invalid_switch(tmp_path):
    with pytest.raises(subprocess.CalledProcessError) as failed:
        subprocess.run(
            [sys.executable, "manage.py", "run_sandbox", "--port", "0", "--error-rate", "2"],
            cwd=ROOT,
            env={
                **os.environ,
                "DJANGO_DEBUG": "true",
                "SANDBOX_ENABLED": "true",
                "DATABASE_URL": f"sqlite:///{tmp_path / 'bff.sqlite3'}",
                "SANDBOX_DATABASE_URL": f"sqlite:///{tmp_path / 'sandbox.sqlite3'}",
            },
            capture_output=True,
            text=True,
            check=True,
            timeout=STARTUP_SECONDS,
        )
    assert "error_rate must be a number from 0 to 1" in failed.value.stderr


# --- sandbox_faults and sandbox_reset ----------------------------------------------------------------------


@pytest.fixture
def _fresh_cache():
    faults.invalidate_cache()
    yield
    faults.invalidate_cache()


def run(*args):
    out = StringIO()
    call_command(*args, stdout=out)
    return out.getvalue()


@pytest.mark.django_db
@pytest.mark.usefixtures("_fresh_cache")
def test_sandbox_faults_sets_shows_and_clears_switches():
    output = run("sandbox_faults", "--upstream", "braze", "--latency-ms", "40", "--rate-limit-rate", "0.5")
    assert "braze             latency 40 ms, 5xx 0, timeouts 0, 429 0.5" in output
    run("sandbox_faults", "--upstream", "braze", "--error-rate", "0.1")
    assert faults.all_faults()["braze"] == faults.Faults(latency_ms=40, error_rate=0.1, rate_limit_rate=0.5)

    run("sandbox_faults", "--timeout-rate", "0.2")
    assert {switch.timeout_rate for switch in faults.all_faults().values()} == {0.2}
    assert "sessionm-pos      latency 0 ms, 5xx 0, timeouts 0.2" in run("sandbox_faults")

    run("sandbox_faults", "--clear", "--upstream", "braze")
    assert faults.all_faults()["braze"] == faults.Faults()
    assert faults.all_faults()["sessionm-core"].timeout_rate == 0.2


@pytest.mark.django_db
@pytest.mark.parametrize(
    "args, message",
    [
        (["--error-rate", "1.5"], "from 0 to 1"),
        (["--upstream", "sessionm-core", "--rate-limit-rate", "0.5"], "braze only"),
        (["--clear", "--latency-ms", "5"], "no switch values"),
    ],
)
def test_sandbox_faults_refuses_bad_values(args, message):
    with pytest.raises(CommandError, match=message):
        run("sandbox_faults", *args)
    assert not FaultSwitch.objects.using("sandbox").exists()


@pytest.fixture
def sandbox_state():
    Document.objects.using("sandbox").create(kind="braze.user", key="u1", data={})
    BrazeMessage.objects.using("sandbox").create(
        dispatch_id="d" * 32, target_type="campaign", target_id="c", recipient="u1"
    )
    faults.set_faults(upstreams=["braze"], error_rate=1.0)


@pytest.mark.django_db
@pytest.mark.usefixtures("_fresh_cache", "sandbox_state")
def test_sandbox_reset_empties_the_sandbox_after_confirmation(monkeypatch):
    monkeypatch.setattr("builtins.input", lambda prompt: "yes")

    output = run("sandbox_reset")

    assert "1 documents and 1 messages deleted" in output
    assert not Document.objects.using("sandbox").exists()
    assert not BrazeMessage.objects.using("sandbox").exists()
    assert faults.all_faults()["braze"] == faults.Faults()


@pytest.mark.django_db
@pytest.mark.usefixtures("_fresh_cache", "sandbox_state")
def test_sandbox_reset_keeps_everything_unless_confirmed(monkeypatch):
    monkeypatch.setattr("builtins.input", lambda prompt: "no")

    with pytest.raises(CommandError, match="cancelled"):
        run("sandbox_reset")
    assert Document.objects.using("sandbox").count() == 1
    assert BrazeMessage.objects.using("sandbox").count() == 1


@pytest.mark.django_db
@pytest.mark.usefixtures("_fresh_cache", "sandbox_state")
def test_sandbox_reset_without_input_does_not_ask(monkeypatch):
    monkeypatch.setattr("builtins.input", lambda prompt: pytest.fail("asked for confirmation"))

    run("sandbox_reset", "--no-input")

    assert not Document.objects.using("sandbox").exists()
