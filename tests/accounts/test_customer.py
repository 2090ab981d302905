"""The Customer model's own rules."""

import pytest

from tests.factories import CustomerFactory

pytestmark = pytest.mark.django_db


def test_an_active_customer_names_their_sessionm_profile():
    customer = CustomerFactory()

    assert customer.sessionm_id == customer.sessionm_user_id


def test_a_customer_without_a_sessionm_profile_is_never_sent_to_sessionm():
    customer = CustomerFactory(pending=True)

    with pytest.raises(ValueError, match="has no SessionM profile"):
        customer.sessionm_id
