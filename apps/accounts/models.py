"""The customer: the BFF's own account record and its mapping to SessionM.

Email and password live on the Django user (username = the lower-cased email, so the database keeps emails
unique among everyone who has not been forgotten). The customer row holds the profile the app shows and the
two identifiers SessionM knows: our opaque `external_id` and SessionM's `user_id`, which is also the
customer's external id in Braze.
"""

import secrets

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


def new_external_id() -> str:
    # Random, never derived from personal data: SessionM requires external ids to be non-reversible.
    return secrets.token_hex(16)


class CustomerStatus(models.TextChoices):
    # Local account saved, SessionM profile not confirmed yet: cannot log in; a new signup completes it.
    PENDING = "pending", _("Pending")
    ACTIVE = "active", _("Active")
    # Personal data erased here, in SessionM and in Braze. The row stays so history keeps its references.
    FORGOTTEN = "forgotten", _("Forgotten")


class Customer(models.Model):
    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="customer")
    external_id = models.CharField(max_length=64, unique=True, default=new_external_id, editable=False)
    sessionm_user_id = models.CharField(max_length=64, unique=True, null=True, blank=True, editable=False)
    status = models.CharField(max_length=10, choices=CustomerStatus.choices, default=CustomerStatus.PENDING)
    first_name = models.CharField(max_length=150)
    last_name = models.CharField(max_length=150, blank=True)
    birth_date = models.DateField(null=True, blank=True)
    language = models.CharField(max_length=10, choices=settings.LANGUAGES, default="en")
    marketing_opt_in = models.BooleanField(default=False)
    # An IANA zone ("America/Sao_Paulo") the wallet shows times in; blank: the language's usual zone.
    time_zone = models.CharField(max_length=64, blank=True)
    # Every JWT carries the version it was issued under; a password change or reset bumps it, so access
    # tokens issued before stop working at once (one field comparison at authentication, no extra query).
    token_version = models.PositiveIntegerField(default=0, editable=False)
    password_changed_at = models.DateTimeField(null=True, blank=True, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    forgotten_at = models.DateTimeField(null=True, blank=True)
    # The signup request currently completing this pending customer, and when it claimed it. Only that request
    # may activate the account; another one for the same email is told the signup is in progress until the
    # claim is released (the attempt failed) or has lapsed (its process died). See services.customer_signup.
    signup_attempt = models.CharField(max_length=32, blank=True, default="", editable=False)
    signup_attempt_at = models.DateTimeField(null=True, blank=True, editable=False)

    class Meta:
        indexes = [models.Index(fields=["status", "created_at"], name="accounts_customer_status")]

    def __str__(self):
        return self.external_id

    @property
    def sessionm_id(self) -> str:
        """The SessionM user id the loyalty calls for this customer name. Only an active customer has one and
        only active customers sign in, so a customer without one here is a bug: refuse it rather than ask
        SessionM about a user called "None"."""
        if not self.sessionm_user_id:
            raise ValueError(f"customer {self.external_id} has no SessionM profile (status {self.status})")
        return self.sessionm_user_id
