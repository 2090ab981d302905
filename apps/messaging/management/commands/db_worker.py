"""django-tasks-db's `db_worker`, with a heartbeat (apps/messaging/heartbeat.py) so /readyz can tell when no
worker is running, and a delivery run queued as it starts, which picks up whatever a worker that died left
behind (its claimed rows once their lease lapses). Same name and options: every documented way of starting the
worker gets both.

(This app comes before django_tasks_db in INSTALLED_APPS, so this command is the one `manage.py` finds.)
"""

from django_tasks_db.management.commands import db_worker

from apps.messaging.heartbeat import HeartbeatThread
from apps.messaging.tasks import delivery_schedule


class Command(db_worker.Command):
    help = db_worker.Command.help + " Writes a heartbeat row that /readyz checks."

    def handle(self, *args, worker_id: str, **options):
        heartbeat = HeartbeatThread(worker_id=worker_id)
        heartbeat.start()
        if not options.get("batch"):
            delivery_schedule()
        try:
            return super().handle(*args, worker_id=worker_id, **options)
        finally:
            heartbeat.stop()
