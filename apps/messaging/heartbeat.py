"""The outbox worker's heartbeat: a row per worker, refreshed every HEARTBEAT_INTERVAL while the worker runs.

Written by a thread of the `db_worker` process (this app's `db_worker` command wraps django-tasks-db's), so a
worker that is killed, crashes or cannot reach the database stops beating; `/readyz` answers 503 once the
newest beat is older than settings.WORKER_HEARTBEAT_MAX_AGE. The thread only runs while the worker's loop
does: it is started with the loop and stops with it.
"""

import logging
import os
import socket
import threading
from datetime import datetime

from django.db import close_old_connections, connections
from django.utils import timezone

from .models import WorkerHeartbeat

logger = logging.getLogger(__name__)

HEARTBEAT_INTERVAL = 10  # seconds


def worker_heartbeat_beat(*, worker_id: str, started_at: datetime, now: datetime | None = None) -> None:
    """Record that `worker_id` is alive now."""
    WorkerHeartbeat.objects.update_or_create(
        worker_id=worker_id[:64],
        defaults={
            "hostname": socket.gethostname()[:255],
            "pid": os.getpid(),
            "started_at": started_at,
            "seen_at": now or timezone.now(),
        },
    )


class HeartbeatThread(threading.Thread):
    def __init__(self, *, worker_id: str, interval: float = HEARTBEAT_INTERVAL):
        super().__init__(name="outbox-heartbeat", daemon=True)
        self.worker_id = worker_id
        self.interval = interval
        self.started_at = timezone.now()
        self.stopped = threading.Event()

    def run(self):
        try:
            while not self.stopped.is_set():
                close_old_connections()
                try:
                    worker_heartbeat_beat(worker_id=self.worker_id, started_at=self.started_at)
                except Exception:  # noqa: BLE001 - a missed beat is what /readyz is for; keep trying
                    logger.warning("outbox worker heartbeat could not be written", exc_info=True)
                self.stopped.wait(self.interval)
        finally:
            connections.close_all()

    def stop(self):
        self.stopped.set()
