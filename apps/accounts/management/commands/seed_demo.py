"""Seed a development run with the Fancy Fries demo: a customer signed up through the real signup flow (so
the sandbox holds her SessionM profile and her welcome message is queued), a staff login for the admin, and
the sandbox till's POS client (the /sandbox/till/ page signs its purchases with it).

Sandbox only: it refuses to run against a real SessionM. Safe to run again: it leaves what exists alone.
"""

from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from apps.accounts.models import Customer
from apps.accounts.services import customer_signup
from apps.core.errors import DomainError
from apps.loyalty.models import PosClient

DEMO_CUSTOMER: dict[str, Any] = {
    "email": "amanda@example.com",
    "password": "fancy-fries-demo",
    "first_name": "Amanda",
    "last_name": "Silva",
    "language": "en",
    "marketing_opt_in": True,
}
DEMO_STAFF = {"email": "staff@example.com", "password": "fancy-fries-staff"}


class Command(BaseCommand):
    help = "Create the demo customer (through signup, on the sandbox) and a staff user for the admin."

    def handle(self, *args, **options):
        if not settings.SANDBOX_ENABLED:
            raise CommandError(
                "seed_demo only runs on the sandbox (SANDBOX_ENABLED): it would create a real SessionM profile."
            )
        self._seed_staff()
        self._seed_customer()
        self._seed_till()
        self.stdout.write(
            "To earn points: log in to the web wallet as the demo customer, open My card, and ring up a purchase "
            "with its member code on the sandbox till, /sandbox/till/ (log in there as the staff user)."
        )

    def _seed_staff(self):
        User = get_user_model()
        email = DEMO_STAFF["email"]
        if User.objects.filter(username=email).exists():
            self.stdout.write(f"staff user {email} already exists")
            return
        User.objects.create_superuser(username=email, email=email, password=DEMO_STAFF["password"])
        self.stdout.write(self.style.SUCCESS(f"staff user for /admin/: {email} / {DEMO_STAFF['password']}"))

    def _seed_customer(self):
        email = DEMO_CUSTOMER["email"]
        if Customer.objects.filter(user__username=email, status="active").exists():
            self.stdout.write(f"demo customer {email} already exists")
            return
        try:
            customer_signup(**DEMO_CUSTOMER)
        except DomainError as exc:
            raise CommandError(
                f"Could not sign up the demo customer: {exc.message} ({exc.code}). If the sandbox database was "
                "reset but the BFF's was not, start afresh with `make clean && make run`."
            ) from exc
        self.stdout.write(
            self.style.SUCCESS(f"demo customer (web wallet and API): {email} / {DEMO_CUSTOMER['password']}")
        )

    def _seed_till(self):
        client, created = PosClient.objects.get_or_create(
            key_id=settings.SANDBOX_TILL_KEY_ID,
            defaults={"name": "Sandbox till", "allowed_stores": [settings.SANDBOX_TILL_STORE_ID]},
        )
        if created:
            self.stdout.write(
                self.style.SUCCESS(
                    f"sandbox POS client {client.key_id} for store {settings.SANDBOX_TILL_STORE_ID} "
                    f"(its key: manage.py pos_client_key {client.key_id})"
                )
            )
        else:
            self.stdout.write(f"sandbox POS client {client.key_id} already exists")
