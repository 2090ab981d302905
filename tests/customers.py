"""Customers made the way the product makes them, for every suite that needs a real one: a local account and
a SessionM profile in the in-process sandbox (apps.accounts.services.customer_signup), and points earned at
a till. (tests/factories.py makes rows only, with no SessionM profile behind them.)"""

import itertools
from decimal import Decimal

from apps.accounts.models import Customer
from apps.accounts.services import customer_signup
from tests.factories import PASSWORD
from tests.till import ring_up

__all__ = ["PASSWORD", "earn_points", "signup"]

_emails = itertools.count(1)


def signup(**overrides) -> Customer:
    fields = {
        "email": f"signup-{next(_emails)}@example.com",
        "password": PASSWORD,
        "first_name": "Amanda",
        "last_name": "Souza",
        "language": "en",
    }
    fields.update(overrides)
    return customer_signup(**fields)


def earn_points(customer: Customer, *, dollars: int) -> None:
    """Points the real way: a purchase rung up at a till with the customer's member code (10 points per $)."""
    ring_up(customer, [("FF-PULLED-PORK", dollars // 10, Decimal("10.00"))])
