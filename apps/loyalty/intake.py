"""The till's purchase intake: POST /integrations/pos/transactions, after PosSignatureAuthentication.

The till's `request_id` makes the request idempotent end to end, across processes:

- The purchase is recorded in ONE database transaction that first inserts the (client, request_id) row,
  then consumes the member code, sends the purchase to SessionM and stores the answer. A second request
  with the same request_id blocks on that row's unique index until the first commits (PostgreSQL; on
  SQLite the write lock does the same), then finds the stored answer and replays it: three tills' worth of
  retries at once make one SessionM transaction and three identical answers.
- If the first fails (SessionM down, a refused code), everything rolls back, the code is usable again and
  a retry starts afresh; SessionM's own request_id, derived from the till's, makes even that send safe.
- The same request_id with another body is 422 `request_id_reused`, never a second purchase.

The transaction stays open during the SessionM call, which is bounded by the client's timeouts; that is
the price of every duplicate getting the same answer instead of a "still in progress" it must retry.
"""

import hashlib
import json
import uuid
from datetime import timedelta
from decimal import Decimal

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone

from apps.accounts.models import Customer, CustomerStatus
from apps.core.errors import (
    CustomerUnknown,
    PaymentsExceedSubtotal,
    RequestIdReused,
    StoreNotAllowed,
)
from apps.sessionm.types import TransactionLine, TransactionPayment, lines_subtotal

from .member_codes import member_code_consume, member_codes_prune
from .models import PosClient, PosNonce, PosTransaction
from .services import pos_transaction_send

# Fixed namespace of the SessionM ids derived from a till's request_id: the same request, the same ids.
_POS_ID_NAMESPACE = uuid.UUID("6f3c1f9e-2b1a-4c55-8a57-f4a2c0ffee42")
ACCEPTED = 202


def body_fingerprint(data: dict) -> str:
    """SHA-256 of the request's parsed body in a canonical form: key order and spacing do not matter."""
    canonical = json.dumps(data, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=str)
    return hashlib.sha256(canonical.encode()).hexdigest()


def _derived_id(kind: str, *, client: PosClient, request_id: str) -> str:
    return str(uuid.uuid5(_POS_ID_NAMESPACE, f"{kind}:{client.key_id}:{request_id}"))


def pos_transaction_record(
    *,
    client: PosClient,
    request_id: str,
    body_hash: str,
    store_id: str,
    lines: list[TransactionLine],
    payments: list[TransactionPayment],
    member_code: str | None = None,
    external_id: str | None = None,
    promo_code: str | None = None,
    render,
) -> tuple[dict, bool]:
    """Record a till's purchase once. Answers (the response body, whether it is a replay of an earlier one).
    `render` turns the RecordedTransaction into the response body that is stored and replayed."""
    if not client.allows_store(store_id):
        raise StoreNotAllowed(details={"store_id": store_id})
    subtotal = lines_subtotal(lines)
    if sum((payment.amount for payment in payments), Decimal("0")) > subtotal:
        raise PaymentsExceedSubtotal(details={"subtotal": f"{subtotal:.2f}"})

    stored = PosTransaction.objects.filter(client=client, request_id=request_id).first()
    if stored is not None:
        return _replay(stored, body_hash)
    with transaction.atomic():
        try:
            with transaction.atomic():
                row = PosTransaction.objects.create(
                    client=client,
                    request_id=request_id,
                    body_hash=body_hash,
                    store_id=store_id,
                    sessionm_request_id=_derived_id("pos-request", client=client, request_id=request_id),
                )
        except IntegrityError:
            row = None
        if row is not None:
            customer = _customer(client=client, member_code=member_code, external_id=external_id)
            recorded = pos_transaction_send(
                customer=customer,
                store_id=store_id,
                lines=lines,
                payments=payments,
                promo_code=promo_code,
                request_id=row.sessionm_request_id,
                transaction_id=_derived_id("transaction", client=client, request_id=request_id),
            )
            row.customer = customer
            row.response_status = ACCEPTED
            row.response_body = render(recorded)
            row.save(update_fields=["customer", "response_status", "response_body"])
            return row.response_body, False
    # Another request with this request_id committed while this one waited for its row.
    return _replay(PosTransaction.objects.get(client=client, request_id=request_id), body_hash)


def _replay(stored: PosTransaction, body_hash: str) -> tuple[dict, bool]:
    if stored.body_hash != body_hash:
        raise RequestIdReused()
    # A row commits with its answer (one transaction writes both), so a stored row always has one.
    assert stored.response_body is not None
    return stored.response_body, True


def _customer(*, client: PosClient, member_code: str | None, external_id: str | None) -> Customer:
    customer: Customer | None
    if member_code is not None:
        customer = member_code_consume(code=member_code, client=client).customer
    else:
        customer = Customer.objects.filter(external_id=external_id).first()
        if customer is None:
            raise CustomerUnknown()
    if customer.status != CustomerStatus.ACTIVE or not customer.sessionm_user_id:
        raise CustomerUnknown()
    return customer


def pos_intake_prune() -> dict:
    """Delete what the intake keeps only for a while: nonces older than the signature window (a request that
    old is refused by its timestamp anyway) and member codes expired a day ago."""
    # Twice the tolerance: a timestamp up to the tolerance in the future is accepted too.
    horizon = timezone.now() - 2 * timedelta(seconds=settings.POS_SIGNATURE_TOLERANCE_SECONDS)
    nonces, _rows = PosNonce.objects.filter(created_at__lt=horizon).delete()
    return {"nonces": nonces, "member_codes": member_codes_prune(older_than=timedelta(days=1))}
