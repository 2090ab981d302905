"""Delete idempotency keys older than their 24-hour lifetime (run it from cron, e.g. hourly)."""

from django.core.management.base import BaseCommand

from apps.api.idempotency import idempotency_keys_prune


class Command(BaseCommand):
    help = "Delete Idempotency-Key records older than 24 hours."

    def handle(self, *args, **options):
        deleted = idempotency_keys_prune()
        self.stdout.write(f"Deleted {deleted} expired idempotency key(s).")
