"""Reads of customer accounts."""

from django.utils.translation import gettext_lazy as _

from apps.core.errors import NotFound, upstream_failures_as_errors
from apps.sessionm import get_sessionm_client
from apps.sessionm.errors import SessionMNotFound
from apps.sessionm.types import SessionMUser

from .models import Customer, CustomerStatus


def customer_get_for_user(*, user) -> Customer:
    """The signed-in user's customer; NotFound unless it is active (staff users have none)."""
    if not getattr(user, "is_authenticated", False):
        raise NotFound(_("No customer account."), code="customer_not_found")
    # The API's authentication already loaded the customer with the user (apps/accounts/authentication.py).
    try:
        customer = user.customer
    except Customer.DoesNotExist:
        customer = None
    if customer is None or customer.status != CustomerStatus.ACTIVE:
        raise NotFound(_("No customer account."), code="customer_not_found")
    return customer


def customer_sessionm_profile_get(*, customer: Customer) -> SessionMUser:
    """The live SessionM profile with points and tier (a heavy call: for the admin panel, not for screens).

    Raises NotFound when the customer has no SessionM profile, and LoyaltyUnavailable / LoyaltyTimeout /
    LoyaltyBadGateway when SessionM cannot answer.
    """
    if not customer.sessionm_user_id:
        raise NotFound(_("This customer has no SessionM profile."), code="sessionm_profile_not_found")
    with upstream_failures_as_errors():
        try:
            return get_sessionm_client().get_user(customer.sessionm_user_id, expand_incentives=True, user_profile=True)
        except SessionMNotFound as exc:
            raise NotFound(_("The SessionM profile no longer exists."), code="sessionm_profile_not_found") from exc
