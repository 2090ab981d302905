"""Connect incentives handlers (/incentives/api/...): balances, the point audit log, deposits, spends,
behaviour events and tier moves."""

from apps.sandbox import demo
from apps.sandbox.http import SandboxRequest, SandboxResponse
from apps.sessionm import errors as codes

from . import clock, presenters, rules, state
from .envelopes import Refusal, connect_handler, connect_ok
from .inputs import Fields, connect_culture, connect_fields, connect_page

MAX_DETAILS = 100
MAX_POINTS_PER_DETAIL = 1_000_000


@connect_handler
def point_balances_get(request: SandboxRequest) -> SandboxResponse:
    fields = connect_fields(request)
    user_id = fields.text("user_id", required=True)
    fields.check()
    return connect_ok(presenters.point_balances(state.find(user_id=user_id)))


@connect_handler
def point_audit_logs_get(request: SandboxRequest) -> SandboxResponse:
    """Newest first."""
    fields = connect_fields(request)
    user_id = fields.text("user_id", required=True)
    skip, take = connect_page(fields)
    fields.check()
    entries = list(reversed(state.find(user_id=user_id).data["audit"]))
    return connect_ok(
        {
            "results": [presenters.audit_entry(entry) for entry in entries[skip : skip + take]],
            "total_records": len(entries),
        }
    )


def _details(fields: Fields, name: str) -> list[tuple[Fields, demo.PointAccount, int]]:
    """Each entry of deposit_details / spend_details with its point account (by point_account_id or
    account_name; with neither, the program's only account) and its positive amount. An unknown account is
    an error check() refuses the call for; the entry stays, with the program's account in its place, so the
    rest of it is still read and its own errors reported too."""
    details = []
    for index, entry in enumerate(fields.array(name, required=True, max_items=MAX_DETAILS) or []):
        detail = fields.nested(entry, f"{name}[{index}].")
        account_id = detail.text("point_account_id")
        account_name = detail.text("account_name")
        account = rules.point_account(account_id, name=account_name)
        if account is None:
            detail.error("point_account_id" if account_id else "account_name", "is not a point account of this program")
            account = demo.POINT_ACCOUNT
        amount = detail.integer("amount", required=True, minimum=1, maximum=MAX_POINTS_PER_DETAIL)
        details.append((detail, account, amount))
    return details


@connect_handler
def points_deposit(request: SandboxRequest) -> SandboxResponse:
    fields = connect_fields(request)
    user_id = fields.text("user_id", required=True)
    deposits = [
        (account, amount, detail.text("point_source_name") or "Deposit", detail.text("transaction_id"))
        for detail, account, amount in _details(fields, "deposit_details")
    ]
    fields.check()
    results = []
    with state.locked(user_id=user_id) as member:
        now = clock.now()
        for account, amount, source, transaction_id in deposits:
            audit = rules.change_points(
                member,
                amount,
                source_name=source,
                modification_type=rules.DEPOSIT,
                now=now,
                transaction_id=transaction_id,
                account=account,
            )
            rules.record(member, "points_deposited", now, points=amount)
            results.append(_result(member, account, amount, audit))
    return connect_ok({"results": results})


@connect_handler
def points_spend(request: SandboxRequest) -> SandboxResponse:
    """All or nothing: not enough points in any account refuses the whole call. An idempotency_id seen
    before answers its first result and spends nothing again."""
    fields = connect_fields(request)
    user_id = fields.text("user_id", required=True)
    spends: list[tuple[demo.PointAccount, int, str]] = []
    for detail, account, amount in _details(fields, "spend_details"):
        idempotency_id = detail.text("idempotency_id", required=True, max_length=100)
        if idempotency_id and any(idempotency_id == other for *_, other in spends):
            detail.error("idempotency_id", "is repeated in this request")
        spends.append((account, amount, idempotency_id))
    fields.check()
    with state.locked(user_id=user_id) as member:
        now = clock.now()
        done = member.data["spends"]
        needed: dict[str, int] = {}
        for account, amount, idempotency_id in spends:
            if idempotency_id not in done:
                needed[account.id] = needed.get(account.id, 0) + amount
        for account in demo.POINT_ACCOUNTS:
            if needed.get(account.id, 0) > rules.balance(member, account)["available"]:
                raise Refusal(codes.INSUFFICIENT_POINTS, "insufficient points")
        results = []
        for account, amount, idempotency_id in spends:
            if idempotency_id not in done:
                audit = rules.change_points(
                    member, -amount, source_name="Points spent", modification_type=rules.SPEND, now=now, account=account
                )
                rules.record(member, "points_spent", now, points=amount)
                done[idempotency_id] = {**_result(member, account, amount, audit), "idempotency_id": idempotency_id}
            results.append(done[idempotency_id])
    return connect_ok({"results": results})


def _result(member: state.Member, account: demo.PointAccount, amount: int, audit: dict) -> dict:
    return {
        "point_account_id": account.id,
        "account_name": account.name,
        "amount": amount,
        "available_balance": rules.balance(member, account)["available"],
        "transaction_id": audit["transaction_id"],
    }


@connect_handler
def user_event_trigger(request: SandboxRequest) -> SandboxResponse:
    """survey_completed and app_review award points once per customer; a repeat is saved, awards nothing."""
    fields = connect_fields(request)
    user_id = fields.text("user_id", required=True)
    lookup = fields.text("event_lookup", required=True, max_length=100)
    chosen = connect_culture(fields)
    fields.boolean("include_progress", default=False)
    fields.check()
    with state.locked(user_id=user_id) as member:
        event, definition = rules.trigger_event(member, lookup, clock.now())
    outcome = {
        "is_outcome_applied": bool(event["points"]),
        "description": demo.localized(definition.texts, chosen),
    }
    if event["points"]:
        outcome["points_awarded"] = event["points"]
    return connect_ok(
        {
            "user_event": {"id": event["id"], "time_of_occurrence": clock.connect(event["at"])},
            "event_saved_successfully": True,
            "rules_processed_successfully": True,
            "outcomes": [outcome],
        }
    )


@connect_handler
def tier_move(request: SandboxRequest) -> SandboxResponse:
    """Put a customer in a tier (up or down) by tier_level_id or tier_name; later purchases still lift them."""
    fields = connect_fields(request)
    user_id = fields.text("user_id", required=True)
    level_id = fields.text("tier_level_id")
    level_name = fields.text("tier_name")
    tier = next(
        (t for t in demo.TIERS if t.id == level_id or (level_name and t.name.lower() == level_name.lower())), None
    )
    if tier is None:
        fields.error("tier_level_id", "is not a tier of this program" if level_id or level_name else "can't be blank")
    fields.check()
    assert tier is not None  # check() refused the call otherwise
    with state.locked(user_id=user_id) as member:
        rules.move_tier(member, tier, clock.now())
    return connect_ok(
        {
            "user_id": member.id,
            "tier_level_id": tier.id,
            "tier_name": tier.name,
            "tier_entered_at": clock.connect(member.data["tier"]["entered_at"]),
        }
    )
