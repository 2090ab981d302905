"""Run one delivery pass of the notification outbox now (also run at start-up to pick up anything missed)."""

from django.core.management.base import BaseCommand

from apps.messaging.delivery import deliver_due
from apps.messaging.selectors import notification_next_run_at
from apps.messaging.tasks import delivery_schedule


class Command(BaseCommand):
    help = "Send every notification that is due, then schedule the delivery task for what is due later."

    def handle(self, *args, **options):
        report = deliver_due()
        next_at = notification_next_run_at()
        if next_at is not None:
            delivery_schedule(at=next_at)
        summary = ", ".join(f"{name}={value}" for name, value in report.as_dict().items())
        self.stdout.write(f"deliver_notifications: {summary}; next run at {next_at.isoformat() if next_at else '-'}")
