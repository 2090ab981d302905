"""Empty the sandbox: every emulated SessionM customer, Braze profile and message, and the fault switches."""

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from apps.sandbox import faults
from apps.sandbox.models import BrazeMessage, Document, FaultSwitch
from apps.sandbox.router import SANDBOX_DB


class Command(BaseCommand):
    help = "Delete everything the sandbox holds (its own database only; the BFF's data is untouched)."

    def add_arguments(self, parser):
        parser.add_argument(
            "--no-input",
            "--noinput",
            action="store_false",
            dest="interactive",
            help="do not ask for confirmation",
        )

    def handle(self, *args, interactive: bool, **options):
        database = settings.DATABASES[SANDBOX_DB]["NAME"]
        if interactive:
            answer = input(
                f"This deletes every SessionM customer, Braze profile and message and the fault switches in the "
                f"sandbox database ({database}). Customers of the BFF that point at them will no longer work.\n"
                "Type 'yes' to continue: "
            )
            if answer.strip().lower() != "yes":
                raise CommandError("Reset cancelled.")
        with transaction.atomic(using=SANDBOX_DB):
            documents, _ = Document.objects.using(SANDBOX_DB).all().delete()
            messages, _ = BrazeMessage.objects.using(SANDBOX_DB).all().delete()
            FaultSwitch.objects.using(SANDBOX_DB).all().delete()
        faults.invalidate_cache()
        self.stdout.write(
            self.style.SUCCESS(f"Sandbox emptied: {documents} documents and {messages} messages deleted.")
        )
