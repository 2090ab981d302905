"""A till, for tests: a POS client row and signed requests to /integrations/pos/transactions, made the way
the README tells a till to make them (apps/loyalty/pos_auth.py)."""

import itertools
import json
import secrets
import time
from decimal import Decimal

from django.urls import reverse
from rest_framework.test import APIClient

from apps.loyalty.member_codes import member_code_issue
from apps.loyalty.models import PosClient
from apps.loyalty.pos_auth import pos_signature

STORE = "FF-TEST-STORE"
_request_ids = itertools.count(1)


def intake_path() -> str:
    return reverse("pos:transactions")


def pos_client(*, key_id: str = "test-till", stores=(STORE,), active: bool = True) -> PosClient:
    client, _created = PosClient.objects.update_or_create(
        key_id=key_id, defaults={"name": f"Till {key_id}", "allowed_stores": list(stores), "is_active": active}
    )
    return client


def signed_headers(
    *, client: PosClient, body: bytes, path: str | None = None, key: str | None = None, timestamp=None, nonce=None
) -> dict:
    timestamp = str(int(time.time()) if timestamp is None else timestamp)
    nonce = nonce or secrets.token_hex(16)
    signature = pos_signature(
        key=key if key is not None else client.signing_key(),
        method="POST",
        path=path or intake_path(),
        timestamp=timestamp,
        nonce=nonce,
        body=body,
    )
    return {
        "X-POS-Key-Id": client.key_id,
        "X-POS-Timestamp": timestamp,
        "X-POS-Nonce": nonce,
        "X-POS-Signature": signature,
    }


def sale(items, *, customer=None, member_code=None, request_id=None, store=STORE, payments=None, **extra) -> dict:
    """A till's body: items are (sku, quantity, unit_price); paid in one card payment of the subtotal."""
    lines = [{"sku": sku, "quantity": qty, "unit_price": str(price)} for sku, qty, price in items]
    if payments is None:
        total = sum(Decimal(str(price)) * qty for _sku, qty, price in items)
        payments = [{"type": "CARD", "amount": f"{total:.2f}"}]
    body = {
        "request_id": request_id or f"till-{next(_request_ids)}",
        "store_id": store,
        "lines": lines,
        "payments": payments,
    }
    if member_code is None and customer is not None:
        member_code = member_code_issue(customer=customer).code
    if member_code is not None:
        body["member_code"] = member_code
    body.update(extra)
    return body


def post_signed(body: dict | bytes, *, client: PosClient | None = None, http=None, **signing):
    client = client or pos_client()
    raw = body if isinstance(body, bytes) else json.dumps(body).encode()
    http = http or APIClient()
    headers = signed_headers(client=client, body=raw, **signing)
    return http.generic("POST", intake_path(), raw, content_type="application/json", headers=headers)


def ring_up(customer, items, **extra) -> dict:
    """A purchase at the till for `customer` (a fresh member code); asserts it was accepted."""
    response = post_signed(sale(items, customer=customer, **extra))
    assert response.status_code == 202, response.content
    return response.json()
