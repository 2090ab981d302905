"""Outbox delivery at scale: 10,000 due expiry reminders through the sandbox's Braze, twice.

    .venv/bin/python bench/delivery.py [--reminders 10000] [--burst-seconds 8]

Starts the sandbox as its own server (`manage.py run_sandbox`) on a free loopback port, gives this process a
fresh temporary SQLite database, bulk-inserts the reminders (customers, their wallet items and one due
offer_expiring notification each; the customers exist in Braze, which a welcome message would have done, but
not in SessionM: the ledger confirmed the items moments ago, so delivery needs no SessionM call), and runs
the outbox's delivery pass (apps.messaging.delivery.deliver_due, what the task runs) until nothing is due.

Run 1 prints the time taken, the Braze calls (the sandbox's /_sandbox/stats) and, comparing the messages the
sandbox's Braze recorded with the outbox, duplicates and lost messages, against the targets. Run 2 does the
same for a new set of reminders while Braze answers 429 and 5xx in bursts (/_sandbox/faults, switched on and
off every second for --burst-seconds): nothing may be lost or sent twice. The retry backoff is shortened for
run 2 so the run stays short (production: 30 s base). Not a test: the figures depend on the machine. Stops
the sandbox and deletes its files on the way out.
"""

import argparse
import os
import shutil
import sys
import tempfile
import threading
import time
import uuid
from collections import Counter
from datetime import datetime, timedelta
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.processes import OUR_PREFIXES, Proc, answers, clean_env, free_port, spawn, wait_for  # noqa: E402

TARGET_CALLS = 205
BRAZE_TRACK_BATCH = 75  # objects per /users/track call
RUN_DEADLINE = timedelta(minutes=10)
BURST_FAULTS = {"upstream": "braze", "error_rate": 0.3, "rate_limit_rate": 0.2}
BENCH_RETRY_BASE = timedelta(seconds=2)


def configure(workdir: Path, sandbox_url: str) -> dict:
    """Environment of the sandbox server, and this process's own (set before Django starts)."""
    base = clean_env()
    shared = {
        "DJANGO_DEBUG": "true",
        "SANDBOX_ENABLED": "true",
        "SANDBOX_DATABASE_URL": f"sqlite:///{workdir / 'sandbox.sqlite3'}",
        "SANDBOX_WEBHOOK_URL": "",
        "LOG_LEVEL": "WARNING",
    }
    sandbox_env = {**base, **shared, "DATABASE_URL": f"sqlite:///{workdir / 'sandbox-default.sqlite3'}"}
    for key in [key for key in os.environ if key.startswith(OUR_PREFIXES)]:
        del os.environ[key]
    os.environ.update(
        {
            **shared,
            # The BFF side: its own fresh database; Braze (and SessionM) are the sandbox server, over HTTP.
            "DATABASE_URL": f"sqlite:///{workdir / 'bff.sqlite3'}",
            "SANDBOX_URL": sandbox_url,
            "CACHE_URL": "locmemcache://bench-delivery",
            # Runs are driven here, pass after pass; enqueued follow-up runs are only recorded.
            "TASKS_BACKEND": "django_tasks.backends.dummy.DummyBackend",
            "DJANGO_SETTINGS_MODULE": "loyalty_bff.settings",
        }
    )
    return sandbox_env


class Sandbox:
    def __init__(self, *, workdir: Path, url: str, env: dict):
        self.workdir, self.url, self.env = workdir, url, env
        self.process: Proc | None = None

    def start(self) -> None:
        port = self.url.rsplit(":", 1)[1]
        command = [sys.executable, "manage.py", "run_sandbox", "--port", port]
        self.process = spawn("sandbox", command, workdir=self.workdir, env=self.env)
        wait_for(answers(f"{self.url}/_sandbox/stats"), what="the sandbox", timeout=30, process=self.process)

    def stop(self) -> None:
        if self.process:
            self.process.stop(seconds=10)

    def trigger_calls(self) -> int:
        return requests.get(f"{self.url}/_sandbox/stats", timeout=5).json()["by_route"].get("campaign_trigger", 0)

    def reset_stats(self) -> None:
        requests.post(f"{self.url}/_sandbox/stats/reset", timeout=5).raise_for_status()

    def faults(self, values: dict) -> None:
        requests.put(f"{self.url}/_sandbox/faults", json=values, timeout=5).raise_for_status()


def create_reminders(count: int, *, tag: str) -> list[str]:
    """`count` customers, each with an issued wallet item confirmed just now and its reminder due now.
    Returns the user_offer_ids."""
    from django.conf import settings
    from django.contrib.auth import get_user_model
    from django.db import transaction
    from django.utils import timezone

    from apps.accounts.models import Customer, CustomerStatus
    from apps.messaging.content import offer_message_properties
    from apps.messaging.models import Notification, NotificationKind, WalletItem, WalletItemSource

    now = timezone.now()
    target = settings.BRAZE_MESSAGES[NotificationKind.OFFER_EXPIRING]
    with transaction.atomic():
        users = get_user_model().objects.bulk_create(
            get_user_model()(username=f"{tag}-{n}@bench.example", email=f"{tag}-{n}@bench.example", password="!")
            for n in range(count)
        )
        customers = Customer.objects.bulk_create(
            Customer(user=user, sessionm_user_id=str(uuid.uuid4()), status=CustomerStatus.ACTIVE, first_name="Bench")
            for user in users
        )
        items = [
            WalletItem(
                customer=customer,
                user_offer_id=str(uuid.uuid4()),
                offer_id="free-large-fries",
                title="Free Large Fries",
                description="A large fries on us.",
                terms="Valid for 30 days from issue.",
                pos_discount_id="FF-LARGE",
                culture="en-US",
                expires_at=now + timedelta(days=9),
                source=WalletItemSource.TRANSACTION,
                confirmed_at=now,
                first_seen_at=now - timedelta(days=21),
            )
            for customer in customers
        ]
        reminders = Notification.objects.bulk_create(
            Notification(
                kind=NotificationKind.OFFER_EXPIRING,
                customer=item.customer,
                dedupe_key=f"{NotificationKind.OFFER_EXPIRING}:{item.customer.pk}:{item.user_offer_id}",
                target_type=target["type"],
                target_id=target["id"],
                recipient=item.customer.sessionm_user_id,
                trigger_properties=offer_message_properties(item=item, kind=NotificationKind.OFFER_EXPIRING),
                due_at=now - timedelta(minutes=1),
                next_attempt_at=now - timedelta(minutes=1),
            )
            for item in items
        )
        for item, reminder in zip(items, reminders, strict=True):
            item.reminder = reminder
        WalletItem.objects.bulk_create(items, batch_size=1000)
    _braze_profiles(customers)
    return [item.user_offer_id for item in items]


def _braze_profiles(customers) -> None:
    """The profiles a welcome message would have created (reminders are sent to existing profiles only)."""
    from apps.braze import get_braze_client

    client = get_braze_client()
    for start in range(0, len(customers), BRAZE_TRACK_BATCH):
        batch = customers[start : start + BRAZE_TRACK_BATCH]
        client.track_users(
            attributes=[
                {"external_id": c.sessionm_user_id, "email": c.user.email, "first_name": "Bench"} for c in batch
            ]
        )


def deliver_until_done(*, deadline: datetime) -> int:
    """Delivery passes until no reminder is waiting, sleeping through backoffs and Braze's pauses."""
    from django.db.models import Min
    from django.utils import timezone

    from apps.messaging.delivery import deliver_due
    from apps.messaging.models import Notification, NotificationStatus

    passes = 0
    waiting = Notification.objects.filter(status__in=(NotificationStatus.PENDING, NotificationStatus.SENDING))
    while waiting.exists() and timezone.now() < deadline:
        report = deliver_due()
        passes += 1
        next_at = report.paused_until or waiting.aggregate(at=Min("next_attempt_at"))["at"]
        if next_at is not None and next_at > timezone.now():
            time.sleep(min((next_at - timezone.now()).total_seconds(), 5.0))
    return passes


def tally(user_offer_ids: list[str]) -> dict:
    """Compare what the sandbox's Braze recorded with the outbox, per reminder (its user_offer_id)."""
    from django.conf import settings

    from apps.messaging.models import Notification, NotificationStatus, WalletItem
    from apps.sandbox.models import BrazeMessage

    wanted = set(user_offer_ids)
    target_id = settings.BRAZE_MESSAGES["offer_expiring"]["id"]
    received = Counter(
        key
        for key in BrazeMessage.objects.filter(target_id=target_id).values_list("properties__user_offer_id", flat=True)
        if key in wanted
    )
    sent = set(
        WalletItem.objects.filter(user_offer_id__in=wanted, reminder__status=NotificationStatus.SENT).values_list(
            "user_offer_id", flat=True
        )
    )
    statuses = Counter(
        Notification.objects.filter(wallet_item__user_offer_id__in=wanted).values_list("status", flat=True)
    )
    return {
        "duplicates": sum(count - 1 for count in received.values() if count > 1),
        "lost": len(wanted - set(received)),
        "sent_not_received": len(sent - set(received)),
        "statuses": dict(statuses),
    }


def bursts(sandbox: Sandbox, *, seconds: float, stop: threading.Event) -> None:
    """Braze failing for a second, then well for a second, for `seconds`."""
    ends = time.monotonic() + seconds
    on = True
    while time.monotonic() < ends and not stop.is_set():
        sandbox.faults(BURST_FAULTS if on else {"upstream": "braze"})
        on = not on
        stop.wait(1.0)
    sandbox.faults({"upstream": "braze"})


def run(name: str, tag: str, sandbox: Sandbox, count: int, *, burst_seconds: float = 0.0) -> dict:
    from django.utils import timezone

    print(f"\n{name}: creating {count:,} due reminders ...", flush=True)
    ids = create_reminders(count, tag=tag)
    sandbox.reset_stats()
    stop = threading.Event()
    toggler = None
    if burst_seconds:
        toggler = threading.Thread(target=bursts, args=(sandbox,), kwargs={"seconds": burst_seconds, "stop": stop})
        toggler.start()
    started = time.monotonic()
    try:
        passes = deliver_until_done(deadline=timezone.now() + RUN_DEADLINE)
    finally:
        stop.set()
        if toggler:
            toggler.join()
    elapsed = time.monotonic() - started
    result = {"seconds": elapsed, "passes": passes, "calls": sandbox.trigger_calls(), **tally(ids)}
    print(f"  time taken        {elapsed:8.1f} s  ({count / elapsed:,.0f} messages/s, {passes} delivery passes)")
    target = "(429s and 5xx count too)" if burst_seconds else f"target <= {TARGET_CALLS}"
    print(f"  Braze calls       {result['calls']:8d}    {target}")
    print(f"  duplicates        {result['duplicates']:8d}    target 0")
    print(f"  lost              {result['lost']:8d}    target 0")
    print(f"  outbox statuses   {result['statuses']}")
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--reminders", type=int, default=10_000)
    parser.add_argument("--burst-seconds", type=float, default=8.0)
    args = parser.parse_args()

    workdir = Path(tempfile.mkdtemp(prefix="bench-delivery-"))
    url = f"http://127.0.0.1:{free_port()}"
    sandbox = Sandbox(workdir=workdir, url=url, env=configure(workdir, url))
    try:
        import django

        django.setup()
        from django.core.management import call_command

        from apps.messaging import delivery

        call_command("migrate", interactive=False, verbosity=0)
        sandbox.start()
        print(f"Sandbox at {url}; BFF database {workdir / 'bff.sqlite3'}")

        first = run("Run 1", "run1", sandbox, args.reminders)
        delivery.RETRY_BASE = BENCH_RETRY_BASE
        print(f"\n(retry backoff base shortened to {BENCH_RETRY_BASE.total_seconds():.0f} s for run 2)")
        second = run("Run 2 (429 and 5xx bursts)", "run2", sandbox, args.reminders, burst_seconds=args.burst_seconds)

        ok = (
            first["calls"] <= TARGET_CALLS
            and first["duplicates"] == first["lost"] == 0
            and second["duplicates"] == second["lost"] == 0
        )
        print("\nAll targets met." if ok else "\nTARGETS MISSED.")
    finally:
        sandbox.stop()
        shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    main()
