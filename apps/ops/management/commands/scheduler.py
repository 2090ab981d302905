"""The scheduler process: enqueues the periodic jobs (apps/ops/scheduler.py) on time. Run one or two per
deployment (a standby takes over when the active one's lease lapses); never needs cron."""

import logging
import os
import signal
import socket
import threading
import uuid

from django.core.management.base import BaseCommand
from django.db import close_old_connections
from django.utils import timezone

from apps.ops.scheduler import scheduled_jobs_sync, scheduler_lease_release, scheduler_tick

# Everything the scheduler says goes through logging, so that with LOG_FORMAT=json every line it prints is one
# JSON object a log shipper can read (scheduler_tick logs each job it enqueues).
logger = logging.getLogger("apps.ops.scheduler")


class Command(BaseCommand):
    help = "Enqueue the periodic jobs (delivery sweep, clean-ups) on time, once per period per deployment."

    def add_arguments(self, parser):
        parser.add_argument("--tick", type=float, default=1.0, help="Seconds between rounds (default 1).")
        parser.add_argument("--once", action="store_true", help="One round, then exit.")

    def handle(self, *args, tick: float, once: bool, **options):
        holder = f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:6]}"
        stop = threading.Event()
        signal.signal(signal.SIGTERM, lambda *_: stop.set())
        signal.signal(signal.SIGINT, lambda *_: stop.set())
        scheduled_jobs_sync(now=timezone.now())
        logger.info("scheduler %s started (tick %ss)", holder, tick)
        try:
            while not stop.is_set():
                scheduler_tick(holder=holder)
                if once:
                    break
                # The connection lives across ticks; drop it if it went bad (database restart, failover).
                close_old_connections()
                stop.wait(tick)
        finally:
            scheduler_lease_release(holder=holder, now=timezone.now())
            logger.info("scheduler %s stopped", holder)
