"""factory-boy factories shared by the test suites. They write rows only: nothing here reaches SessionM or
Braze, so a CustomerFactory customer has a made-up SessionM user id unknown to the sandbox (sign up through
apps.accounts.services.customer_signup when the test needs a real SessionM profile)."""

import uuid

import factory
from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from django.utils import timezone

from apps.accounts.models import Customer, CustomerStatus
from apps.messaging.models import Notification, NotificationKind, NotificationStatus

PASSWORD = "Crispy-Golden-42"


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()
        django_get_or_create = ("username",)

    email = factory.Sequence(lambda n: f"customer{n}@example.com")
    username = factory.SelfAttribute("email")  # the accounts services keep username = lower-cased email
    is_active = True
    password = factory.LazyFunction(lambda: make_password(PASSWORD))


class CustomerFactory(factory.django.DjangoModelFactory):
    """An active customer (status and user.is_active agree, as the services keep them)."""

    class Meta:
        model = Customer

    user = factory.SubFactory(UserFactory)
    sessionm_user_id = factory.LazyFunction(lambda: str(uuid.uuid4()))
    status = CustomerStatus.ACTIVE
    first_name = "Amanda"
    last_name = "Souza"
    language = "en"

    class Params:
        pending = factory.Trait(status=CustomerStatus.PENDING, sessionm_user_id=None, user__is_active=False)


class NotificationFactory(factory.django.DjangoModelFactory):
    """A welcome-shaped notification, due now, for an active customer."""

    class Meta:
        model = Notification

    kind = NotificationKind.WELCOME
    customer = factory.SubFactory(CustomerFactory)
    dedupe_key = factory.Sequence(lambda n: f"test:{n}")
    target_type = factory.LazyAttribute(lambda o: settings.BRAZE_MESSAGES[o.kind]["type"])
    target_id = factory.LazyAttribute(lambda o: settings.BRAZE_MESSAGES[o.kind]["id"])
    recipient = factory.LazyAttribute(lambda o: o.customer.sessionm_user_id if o.customer else str(uuid.uuid4()))
    trigger_properties = factory.LazyAttribute(lambda o: {"customer_id": o.recipient})
    attributes = factory.LazyFunction(dict)
    send_to_existing_only = True
    status = NotificationStatus.PENDING
    due_at = factory.LazyFunction(timezone.now)
    next_attempt_at = factory.SelfAttribute("due_at")
