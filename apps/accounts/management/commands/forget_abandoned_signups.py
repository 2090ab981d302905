"""Forget signups left pending (SessionM never confirmed them) for longer than --days. Run daily."""

from datetime import timedelta

from django.core.management.base import BaseCommand

from apps.accounts.services import customers_forget_abandoned_signups


class Command(BaseCommand):
    help = "Erase pending signups nobody completed, here and (if a lost response created it) in SessionM."

    def add_arguments(self, parser):
        parser.add_argument("--days", type=int, default=7, help="Pending for at least this many days (default 7).")

    def handle(self, *args, days: int, **options):
        count = customers_forget_abandoned_signups(older_than=timedelta(days=days))
        self.stdout.write(f"forget_abandoned_signups: {count} pending signups older than {days} days forgotten")
