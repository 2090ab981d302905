"""Cloud POS: send_transaction.

request_id is SessionM's idempotency key: a repeat answers the first response and changes nothing. The
customer is attached through a payment (user_id + user_id_type). The real service applies points and
campaign outcomes asynchronously; the sandbox applies them before answering so a demo shows them at once.
"""

from datetime import UTC, datetime
from decimal import Decimal

from apps.sandbox import demo
from apps.sandbox.http import SandboxRequest, SandboxResponse, ok
from apps.sessionm import errors as codes

from . import clock, rules, state
from .envelopes import Refusal, pos_handler, pos_ok
from .inputs import Fields, json_object

MAX_ITEMS = 1000
MAX_DISCOUNTS = 100
MAX_PAYMENTS = 100
USER_ID_TYPES = ("External_ID", "SessionM_ID")


@pos_handler
def transaction_send(request: SandboxRequest) -> SandboxResponse:
    fields = Fields(json_object(request))
    # The three make the stored request's key (at most 200 characters).
    store_id = fields.text("store_id", required=True, max_length=40)
    client_id = fields.text("client_id", required=True, max_length=40)
    request_id = fields.text("request_id", required=True, max_length=100)
    fields.check()
    return ok(state.replay_or_record(f"{store_id}:{client_id}:{request_id}", lambda: _accept(fields, request_id)))


def _accept(fields: Fields, request_id: str) -> dict:
    fields.text("culture", max_length=20)
    payload = fields.mapping("request_payload", required=True)
    fields.check()
    # Field paths inside the transaction are reported relative to it ("items[0].item_id"), as SessionM does.
    transaction = fields.nested(payload, "")
    sale = _sale(transaction)
    customer = _customer(transaction)
    fields.check()
    if customer is not None:
        path, lookup = customer
        try:
            with state.locked(**lookup) as member:
                rules.apply_sale(member, sale, clock.now())
        except Refusal as refusal:
            if refusal.code == codes.USER_NOT_FOUND:
                refusal.fields = {path: "unknown user"}
            raise
    return pos_ok({"transaction_id": sale.transaction_id, "request_id": request_id, "state": "accepted"})


def _sale(transaction: Fields) -> rules.Sale:
    transaction_id = transaction.text("transaction_id", required=True, max_length=100)
    subtotal = transaction.decimal("subtotal", required=True, minimum=Decimal(0))
    transaction.decimal("tax_total", minimum=Decimal(0))
    open_time = _moment(transaction, "open_time", required=True)
    _moment(transaction, "modified_time")
    for name in ("channel", "receipt_code"):
        transaction.text(name)
    quantities: dict[str, Decimal] = {}
    for index, entry in enumerate(transaction.array("items", required=True, max_items=MAX_ITEMS) or []):
        item = transaction.nested(entry, f"items[{index}].")
        item.text("line_id", max_length=50)
        sku = item.text("item_id", required=True, max_length=50)
        if sku and sku not in demo.MENU:
            item.error("item_id", "unknown SKU")
        quantity = item.decimal("quantity", required=True)
        if quantity is not None and quantity <= 0:
            item.error("quantity", "must be greater than 0")
        unit_price = item.decimal("unit_price", required=True)
        if unit_price is not None and unit_price < 0:
            item.error("unit_price", "must not be negative")
        item.decimal("subtotal", minimum=Decimal(0))
        item.boolean("tax_included")
        if sku in demo.MENU and quantity is not None and quantity > 0:
            quantities[sku] = quantities.get(sku, Decimal(0)) + quantity
    for index, entry in enumerate(transaction.array("discounts", max_items=MAX_DISCOUNTS) or []):
        transaction.nested(entry, f"discounts[{index}].")
    return rules.Sale(
        transaction_id=transaction_id or "",
        subtotal=subtotal or Decimal(0),
        open_time=open_time or clock.now(),
        closed=transaction.boolean("is_closed", default=True),
        voided=transaction.boolean("is_voided", default=False),
        quantities=quantities,
    )


def _customer(transaction: Fields) -> tuple[str, dict] | None:
    """The one customer the payments name: (the field that named them, the lookup), or None (anonymous)."""
    customers: dict[tuple, tuple[str, dict]] = {}
    for index, entry in enumerate(transaction.array("payments", max_items=MAX_PAYMENTS) or []):
        payment = transaction.nested(entry, f"payments[{index}].")
        payment.text("payment_id", max_length=100)
        payment.text("type", max_length=50)
        payment.decimal("amount", minimum=Decimal(0))
        _moment(payment, "payment_time")
        user_id = payment.text("user_id", max_length=200)
        if user_id is None:
            continue
        id_type = payment.text("user_id_type", required=True, choices=USER_ID_TYPES)
        if id_type:
            lookup = {"external_id": user_id} if id_type == "External_ID" else {"user_id": user_id}
            customers.setdefault(tuple(lookup.items()), (payment.path("user_id"), lookup))
    if len(customers) > 1:
        transaction.error("payments", "must all belong to one customer")
        return None
    return next(iter(customers.values()), None)


def _moment(fields: Fields, name: str, *, required: bool = False) -> datetime | None:
    raw = fields.text(name, required=required, max_length=40)
    if raw is None:
        return None
    try:
        moment = datetime.fromisoformat(raw)
    except ValueError:
        fields.error(name, "must be an ISO-8601 time")
        return None
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment
