"""Print a POS client's signing key, for the operator who configures the till (it is derived, not stored)."""

from django.core.management.base import BaseCommand, CommandError

from apps.loyalty.models import PosClient


class Command(BaseCommand):
    help = "Print the HMAC signing key of the POS client with this key id."

    def add_arguments(self, parser):
        parser.add_argument("key_id")

    def handle(self, *args, key_id, **options):
        client = PosClient.objects.filter(key_id=key_id).first()
        if client is None:
            raise CommandError(f"No POS client has the key id {key_id!r} (add one in the admin).")
        if not client.is_active:
            self.stderr.write(f"note: {key_id} is inactive; its requests are refused until it is activated")
        self.stdout.write(client.signing_key())
