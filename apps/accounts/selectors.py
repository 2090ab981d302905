"""Reads of customer accounts."""

from apps.core.errors import CustomerNotFound, SessionMProfileNotFound, upstream_failures_as_errors
from apps.sessionm import get_sessionm_client
from apps.sessionm.errors import SessionMNotFound
from apps.sessionm.types import SessionMUser

from .models import Customer, CustomerStatus


def customer_get_for_user(*, user) -> Customer:
    """The signed-in user's customer; NotFound unless it is active (staff users have none)."""
    if not getattr(user, "is_authenticated", False):
        raise CustomerNotFound()
    # The API's authentication already loaded the customer with the user (apps/accounts/authentication.py).
    try:
        customer = user.customer
    except Customer.DoesNotExist:
        customer = None
    if customer is None or customer.status != CustomerStatus.ACTIVE:
        raise CustomerNotFound()
    return customer


def customer_sessionm_profile_get(*, customer: Customer) -> SessionMUser:
    """The live SessionM profile with points and tier (a heavy call: for the admin panel, not for screens).

    Raises NotFound when the customer has no SessionM profile, and LoyaltyUnavailable / LoyaltyTimeout /
    LoyaltyBadGateway when SessionM cannot answer.
    """
    if not customer.sessionm_user_id:
        raise SessionMProfileNotFound()
    with upstream_failures_as_errors():
        try:
            return get_sessionm_client().get_user(customer.sessionm_user_id, expand_incentives=True, user_profile=True)
        except SessionMNotFound as exc:
            raise SessionMProfileNotFound() from exc
