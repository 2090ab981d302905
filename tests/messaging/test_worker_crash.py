"""A worker SIGKILLed mid-batch, under `manage.py serve`: serve starts a new worker (the web keeps serving), and
the batch the dead worker held is delivered again about one claim lease (30 s) later, with nothing lost and
nothing sent twice. Real processes, a SQLite file and the in-process sandbox Braze, as `make run` has them."""

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
import requests

from apps.messaging.delivery import CLAIM_LEASE
from tests.processes import free_port, manage, migrated_env, serving

MESSAGES = 80  # two Braze calls (50 + 30)

CREATE = f"""
import uuid
from django.conf import settings
from apps.messaging.models import Notification, NotificationKind
target = settings.BRAZE_MESSAGES[NotificationKind.WELCOME]
Notification.objects.bulk_create(
    Notification(kind=NotificationKind.WELCOME, dedupe_key=f"crash:{{n}}", target_type=target["type"],
                 target_id=target["id"], recipient=f"crash-{{n}}", trigger_properties={{"n": n}},
                 attributes={{"first_name": "Amanda"}}, send_to_existing_only=False)
    for n in range({MESSAGES})
)
from apps.messaging.tasks import delivery_schedule
delivery_schedule()
"""

STATE = """
from collections import Counter
from apps.messaging.models import Notification
from apps.sandbox.models import BrazeMessage
from apps.sandbox.router import SANDBOX_DB
statuses = Counter(Notification.objects.values_list("status", flat=True))
recorded = Counter(BrazeMessage.objects.using(SANDBOX_DB).values_list("recipient", flat=True))
print("STATE", statuses.get("sent", 0), statuses.get("sending", 0), len(recorded), max(recorded.values(), default=0))
"""


def _children(pid: int) -> list[tuple[int, str]]:
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
            cmdline = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode()
        except OSError:
            continue
        if int(stat.rsplit(")", 1)[1].split()[1]) == pid:
            found.append((int(entry.name), cmdline))
    return found


def _worker_pid(serve_pid: int) -> int | None:
    return next((pid for pid, cmd in _children(serve_pid) if "db_worker" in cmd), None)


@pytest.fixture
def env(tmp_path):
    return migrated_env(tmp_path)


def _state(env) -> tuple[int, int, int, int]:
    line = next(line for line in manage(env, "shell", "-c", STATE).splitlines() if line.startswith("STATE"))
    sent, sending, recipients, most = (int(value) for value in line.split()[1:])
    return sent, sending, recipients, most


def test_a_killed_worker_is_restarted_and_its_batch_redelivered_within_the_lease(env):
    # Every Braze call takes 3 s, so the worker is killed while its first call is in flight (nothing recorded).
    manage(env, "sandbox_faults", "--upstream", "braze", "--latency-ms", "3000")
    port = free_port()
    command = [sys.executable, "manage.py", "serve", "--port", str(port), "--workers", "1"]
    base = f"http://127.0.0.1:{port}"
    with serving(command, port, env, stop_seconds=20, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE) as serve:
        manage(env, "shell", "-c", CREATE)

        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            sent, sending, _recipients, _most = _state(env)
            if sending:
                break
            time.sleep(0.1)
        assert sending and not sent, "the worker never claimed the batch"
        first_worker = _worker_pid(serve.pid)
        os.kill(first_worker, signal.SIGKILL)
        killed_at = time.monotonic()
        manage(env, "sandbox_faults", "--clear")

        # The web keeps serving, and serve starts another worker.
        assert requests.get(f"{base}/healthz", timeout=5).status_code == 200
        while time.monotonic() < killed_at + 20 and _worker_pid(serve.pid) in (None, first_worker):
            time.sleep(0.2)
        assert _worker_pid(serve.pid) not in (None, first_worker)

        while time.monotonic() < killed_at + CLAIM_LEASE.total_seconds() + 30:
            sent, sending, recipients, most = _state(env)
            if sent == MESSAGES:
                break
            time.sleep(1)
        redelivered_after = time.monotonic() - killed_at
        print(f"all {sent} delivered {redelivered_after:.1f} s after the kill")
        assert sent == MESSAGES, f"{sent} sent, {sending} still claimed"
        assert recipients == MESSAGES and most == 1  # 0 lost, 0 doubled
        # Not before the lease lapsed (the dead worker's claim is respected), and soon after it.
        assert CLAIM_LEASE.total_seconds() - 5 <= redelivered_after <= CLAIM_LEASE.total_seconds() + 15
        assert serve.poll() is None
