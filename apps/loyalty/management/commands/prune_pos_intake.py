"""Delete stale till nonces and expired member codes by hand; the scheduler runs the same job hourly."""

from django.core.management.base import BaseCommand

from apps.loyalty.intake import pos_intake_prune


class Command(BaseCommand):
    help = "Delete stale till nonces and expired member codes."

    def handle(self, *args, **options):
        deleted = pos_intake_prune()
        self.stdout.write(f"deleted {deleted['nonces']} nonces and {deleted['member_codes']} member codes")
