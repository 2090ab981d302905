"""Cloud POS "pending processing", end to end through the sandbox: a retry-later answer, never a bad one,
and the same request id later records the purchase once.

SessionM: "If a subsequent request is made with the same request_id, it will return the response when one
had already been generated or if it bears an error code of "pending processing""
(https://docs.sessionm.com/developer/APIs/POS/general_dto_definitions.htm).
"""

from decimal import Decimal

import pytest

from apps.api.errors import LoyaltyUnavailable
from apps.loyalty.errors import TransactionPending
from apps.loyalty.services import transaction_record
from apps.loyalty.types import TransactionLine
from apps.sandbox import faults
from apps.sandbox.sessionm import state
from apps.sessionm import get_sessionm_client

pytestmark = pytest.mark.django_db

LINES = [TransactionLine(sku="FF-CURLY", quantity=1, unit_price=Decimal("8.00"))]


@pytest.fixture(autouse=True)
def _faults_off():
    yield
    faults.clear_faults()


def balance(customer) -> int:
    return get_sessionm_client().get_point_balances(customer.sessionm_user_id).total_points


def test_pending_processing_is_retry_later_and_the_same_request_id_records_once(customer):
    faults.set_faults(upstreams=["sessionm-pos"], deferred_rate=1.0)

    with pytest.raises(TransactionPending) as caught:
        transaction_record(customer=customer, lines=LINES, idempotency_key="till-7-order-42")
    # A 503 (Retry-After) with its own code, never a "bad gateway".
    assert isinstance(caught.value, LoyaltyUnavailable) and caught.value.status == 503
    assert caught.value.code == "transaction_pending"
    assert balance(customer) == 100  # nothing recorded while "pending"

    faults.clear_faults()
    first = transaction_record(customer=customer, lines=LINES, idempotency_key="till-7-order-42")
    again = transaction_record(customer=customer, lines=LINES, idempotency_key="till-7-order-42")

    assert first.request_id == again.request_id
    assert balance(customer) == 180  # 80 points, once
    member = state.find(user_id=customer.sessionm_user_id)
    assert len(member.data["transactions"]) == 1
