"""Delete what the till intake keeps only for a while: nonces older than the signature tolerance (a request
that old is refused by its timestamp anyway) and member codes expired a day ago. Run daily."""

from datetime import timedelta

from django.conf import settings
from django.core.management.base import BaseCommand
from django.utils import timezone

from apps.loyalty.member_codes import member_codes_prune
from apps.loyalty.models import PosNonce


class Command(BaseCommand):
    help = "Delete stale till nonces and expired member codes."

    def handle(self, *args, **options):
        # Twice the tolerance: a timestamp up to the tolerance in the future is accepted too.
        horizon = timezone.now() - 2 * timedelta(seconds=settings.POS_SIGNATURE_TOLERANCE_SECONDS)
        nonces, _rows = PosNonce.objects.filter(created_at__lt=horizon).delete()
        codes = member_codes_prune(older_than=timedelta(days=1))
        self.stdout.write(f"deleted {nonces} nonces and {codes} member codes")
