"""Cloud POS "pending processing", end to end through the sandbox: a retry-later answer, never a bad one,
and the same request id later records the purchase once.

SessionM: "If a subsequent request is made with the same request_id, it will return the response when one
had already been generated or if it bears an error code of "pending processing""
(https://docs.sessionm.com/developer/APIs/POS/general_dto_definitions.htm).
"""

import pytest

from apps.sandbox import faults
from apps.sandbox.sessionm import state
from apps.sessionm import get_sessionm_client
from tests.till import post_signed, sale

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _faults_off():
    yield
    faults.clear_faults()


def balance(customer) -> int:
    return get_sessionm_client().get_point_balances(customer.sessionm_user_id).total_points


def test_pending_processing_is_retry_later_and_the_same_request_id_records_once(customer):
    body = sale([("FF-CURLY", 1, "8.00")], customer=customer, request_id="till-7-order-42")
    faults.set_faults(upstreams=["sessionm-pos"], deferred_rate=1.0)

    pending = post_signed(body)
    # A 503 (Retry-After) with its own code, never a "bad gateway"; the till sends the same request again.
    assert pending.status_code == 503, pending.content
    assert pending.json()["error"]["code"] == "transaction_pending"
    assert pending["Retry-After"]
    assert balance(customer) == 100  # nothing recorded while "pending"

    faults.clear_faults()
    # The same request (same request id and member code: the pending attempt used up nothing), signed anew.
    first = post_signed(body)
    again = post_signed(body)

    assert first.status_code == again.status_code == 202, (first.content, again.content)
    assert first.json()["transaction_id"] == again.json()["transaction_id"]
    assert balance(customer) == 180  # 80 points, once
    member = state.find(user_id=customer.sessionm_user_id)
    assert len(member.data["transactions"]) == 1
