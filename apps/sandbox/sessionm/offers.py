"""Connect offers handlers (/offers/api/2.0/...): the wallet, issue/revoke/redeem and the Rewards Store.

The server has checked Basic auth and the body's retailer_id. Texts come in the body's `culture`.
"""

from apps.sandbox import demo
from apps.sandbox.http import SandboxRequest, SandboxResponse

from . import clock, presenters, rules, state
from .envelopes import connect_handler, connect_ok
from .inputs import connect_culture, connect_fields, connect_page

MAX_QUANTITY = 10
MAX_REWARD_STORE_IDS = 100
SORT_COLUMNS = ("internal_name", "start_date", "end_date")
_SORT_KEYS = {
    "internal_name": lambda item: item.internal_name,
    "start_date": lambda item: item.start,
    "end_date": lambda item: item.end,
}


@connect_handler
def user_offers_get(request: SandboxRequest) -> SandboxResponse:
    """ "Ready to Redeem": issued, unredeemed, unexpired offers, newest first."""
    fields = connect_fields(request)
    user_id = fields.text("user_id", required=True)
    skip, take = connect_page(fields)
    fields.boolean("include_pending_extended_data", default=False)
    chosen = connect_culture(fields)
    fields.check()
    member = state.find(user_id=user_id)
    now = clock.now()
    wallet = rules.wallet(member, now)
    points = rules.available_points(member)
    return connect_ok(
        {
            "user": {
                "id": member.id,
                "external_id": member.document.alt_key,
                "opted_in": member.data["profile"].get("opted_in", True),
                "activated": True,
            },
            "user_id": member.id,
            "user_offers": [presenters.user_offer(item, chosen, now) for item in wallet[skip : skip + take]],
            "total_records": len(wallet),
            "offer_groups": [],
            "offer_categories": [],
            "total_points": points,
            "available_points": points,
        }
    )


@connect_handler
def offer_issue(request: SandboxRequest) -> SandboxResponse:
    fields = connect_fields(request)
    user_id = fields.text("user_id", required=True)
    offer_id = fields.text("offer_id", required=True)
    quantity = fields.integer("quantity", default=1, minimum=1, maximum=MAX_QUANTITY)
    fields.check()
    with state.locked(user_id=user_id) as member:
        now = clock.now()
        items = [rules.issue_offer(member, offer_id, source="connect", now=now) for _ in range(quantity)]
    return connect_ok(
        {
            "status_list": [
                {"user_offer_id": item["user_offer_id"], "offer_id": item["offer_id"], "fail_reason": None}
                for item in items
            ]
        }
    )


@connect_handler
def offer_revoke(request: SandboxRequest) -> SandboxResponse:
    fields = connect_fields(request)
    user_offer_id = fields.text("user_offer_id", required=True)
    reason = fields.text("reason", required=True)
    fields.check()
    with state.locked_by_user_offer(user_offer_id) as member:
        item = rules.revoke(member, user_offer_id, reason=reason, now=clock.now())
    return connect_ok({"user_offer_id": item["user_offer_id"], "offer_id": item["offer_id"], "status": item["status"]})


@connect_handler
def offer_redeem(request: SandboxRequest) -> SandboxResponse:
    fields = connect_fields(request)
    user_offer_id = fields.text("user_offer_id", required=True)
    force = fields.boolean("force_redeem", default=False)
    fields.check()
    with state.locked_by_user_offer(user_offer_id) as member:
        item = rules.redeem(member, user_offer_id, force=force, now=clock.now())
    return connect_ok(
        {
            "user_offer_id": item["user_offer_id"],
            "offer_id": item["offer_id"],
            "status": item["status"],
            "redeemed_at": clock.connect(item["redeemed_at"]),
        }
    )


@connect_handler
def reward_stores_get(request: SandboxRequest) -> SandboxResponse:
    fields = connect_fields(request)
    user_id = fields.text("user_id", required=True)
    fields.check()
    state.find(user_id=user_id)
    stores = [
        {"id": store.id, "name": store.name, "point_account_id": store.point_account_id}
        for store in demo.REWARD_STORES.values()
    ]
    return connect_ok({"reward_stores": stores})


@connect_handler
def reward_store_offers_get(request: SandboxRequest) -> SandboxResponse:
    fields = connect_fields(request)
    store_ids = fields.array("reward_store_ids", required=True, max_items=MAX_REWARD_STORE_IDS) or []
    if not all(isinstance(store_id, str) for store_id in store_ids):
        fields.error("reward_store_ids", "must be a list of strings")
        store_ids = []
    only_active = fields.boolean("limit_to_only_active", default=True)
    exclude_free = fields.boolean("exclude_free_offers", default=False)
    include_expired = fields.boolean("include_expired", default=False)
    skip, take = connect_page(fields)
    sort_column = fields.text("sort_column", choices=SORT_COLUMNS)
    descending = fields.text("sort_direction", choices=("asc", "desc")) == "desc"
    chosen = connect_culture(fields)
    fields.check()
    now = clock.now()
    rows = [
        (store, item)
        for store_id in dict.fromkeys(store_ids)
        if (store := demo.REWARD_STORES.get(store_id))
        for item in store.offers
        if (include_expired or now < item.end)
        and (not only_active or item.start <= now < item.end)
        and not (exclude_free and item.price == 0)
    ]
    if sort_column:
        rows.sort(key=lambda row: _SORT_KEYS[sort_column](row[1]), reverse=descending)
    return connect_ok(
        {
            "reward_store_offers": [
                presenters.store_offer(store, item, chosen) for store, item in rows[skip : skip + take]
            ],
            "total_rows": len(rows),
            "skip": skip,
            "take": take,
        }
    )


@connect_handler
def reward_store_purchase(request: SandboxRequest) -> SandboxResponse:
    """Spend points and issue the offer in one step; too few points is insufficient_points, nothing spent."""
    fields = connect_fields(request)
    user_id = fields.text("user_id", required=True)
    store_id = fields.text("reward_store_id", required=True)
    store_offer_id = fields.text("reward_store_offer_id", required=True)
    quantity = fields.integer("quantity", default=1, minimum=1, maximum=MAX_QUANTITY)
    # Required: "must contain the GUID for a point account"
    # (https://docs.sessionm.com/developer/Tasks/Offers/t_purchase_store_offer.htm).
    account_ids = fields.array("point_account_ids", required=True)
    if account_ids is not None and (not account_ids or not all(isinstance(a, str) and a for a in account_ids)):
        fields.error("point_account_ids", "must name at least one point account GUID")
    connect_culture(fields)
    fields.check()
    now = clock.now()
    store, offer = rules.store_offer(store_id, store_offer_id, now)
    if store.point_account_id not in account_ids:
        fields.error("point_account_ids", "must include the reward store's point account")
        fields.check()
    with state.locked(user_id=user_id) as member:
        items, cost = rules.purchase(member, store, offer, quantity=quantity, now=now)
    return connect_ok(
        {
            "user_offer_id": items[0]["user_offer_id"],
            "user_offer_ids": [item["user_offer_id"] for item in items],
            "offer_id": offer.offer_id,
            "reward_store_offer_id": offer.id,
            "points_spent": cost,
            "available_points": rules.available_points(member),
        }
    )
