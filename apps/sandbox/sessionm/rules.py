"""The Fancy Fries program's rules, applied to a customer's state document (state.Member.data).

Everything here runs inside the caller's `state.locked` block, so a rule either fully happens or not at all.
Every outcome leaves a trace: point changes in the audit log (`change_points`), everything a customer
would recognise in the timeline (`record`). Lists in the document are kept oldest first; readers reverse.

The document's layout (made by `enroll`):
  profile, user_profile, user_profile_version, created_at, updated_at, referrer_code, tags,
  accounts {point_account_id: {available, life_time}}, tier {id, entered_at}, tier_points,
  offers [{user_offer_id, offer_id, status, issued_at, expires_at, source, redeemed_at?, revoked_at?, reason?}],
  audit [...], timeline [{id, kind, at, payload}], campaigns {campaign_id: {opted_in_at?, completed_at?,
  rewarded_on []}}, promo_codes {CODE: {claimed_at, user_offer_id}}, events [{id, lookup, at, points}],
  transactions {transaction_id: {points, subtotal, closed, voided, rewarded}}, spends {idempotency_id: result}
"""

import uuid
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from decimal import ROUND_DOWN, Decimal

from apps.sandbox import demo
from apps.sessionm import errors as codes

from . import clock, webhook
from .envelopes import Refusal
from .state import Member, index_user_offer

# modification_type of audit entries. Earned points also count toward tiers; spending leaves lifetime alone.
EARN = "earn"
DEPOSIT = "deposit"
SPEND = "spend"
ADJUSTMENT = "adjustment"
_TIER_TYPES = frozenset({EARN, ADJUSTMENT})

ISSUED, REDEEMED, REVOKED, EXPIRED = "issued", "redeemed", "revoked", "expired"

# A refusal the BFF's client has no constant for (it reads it as a business refusal).
OFFER_ALREADY_REVOKED = "offer_already_revoked"


def new_id() -> str:
    return str(uuid.uuid4())


# --- Timeline ----------------------------------------------------------------------------------------------
def record(member: Member, kind: str, now: datetime, **payload) -> dict:
    """Add an event to the customer's activity log. `kind` is a demo.TIMELINE_EVENT_TYPES slug; the payload
    holds what its title needs (points, offer_id, user_offer_id, amount, campaign_id, code, event, tier_id)."""
    event = {"id": new_id(), "kind": kind, "at": clock.stored(now), "payload": payload}
    member.data["timeline"].append(event)
    return event


# --- Points ------------------------------------------------------------------------------------------------
def point_account(account_id: str | None = None, *, name: str | None = None) -> demo.PointAccount | None:
    """A program point account by id (else by name); with neither, the program's only account."""
    if account_id is not None:
        return next((account for account in demo.POINT_ACCOUNTS if account.id == account_id), None)
    if name is not None:
        return next((account for account in demo.POINT_ACCOUNTS if account.name == name), None)
    return demo.POINT_ACCOUNT


def balance(member: Member, account: demo.PointAccount = demo.POINT_ACCOUNT) -> dict:
    return member.data["accounts"].setdefault(account.id, {"available": 0, "life_time": 0})


def available_points(member: Member) -> int:
    return sum(entry["available"] for entry in member.data["accounts"].values())


def life_time_points(member: Member) -> int:
    return sum(entry["life_time"] for entry in member.data["accounts"].values())


def change_points(
    member: Member,
    amount: int,
    *,
    source_name: str,
    modification_type: str,
    now: datetime,
    transaction_id: str | None = None,
    account: demo.PointAccount = demo.POINT_ACCOUNT,
) -> dict:
    """Move a customer's points (signed `amount`) and write the audit entry. Callers check balances first:
    only a purchase adjustment (a return) may take an account below zero, as a real ledger would."""
    entry = balance(member, account)
    entry["available"] += amount
    if modification_type != SPEND:
        entry["life_time"] += amount
    audit = {
        "id": new_id(),
        "account_name": account.name,
        "point_account_id": account.id,
        "modification": amount,
        "amount_expired": 0,
        "modification_type": modification_type,
        "point_source_name": source_name,
        "time_of_occurrence": clock.stored(now),
        "transaction_id": transaction_id or new_id(),
    }
    member.data["audit"].append(audit)
    if modification_type in _TIER_TYPES:
        member.data["tier_points"] = max(0, member.data["tier_points"] + amount)
        _climb_tiers(member, now)
    return audit


def points_for(subtotal: Decimal) -> int:
    """10 points per $1 of subtotal, rounded down to whole points ($4.55 earns 45)."""
    if subtotal <= 0:
        return 0
    return int((subtotal * demo.POINTS_PER_DOLLAR).to_integral_value(rounding=ROUND_DOWN))


# --- Tiers -------------------------------------------------------------------------------------------------
def tier_by_id(tier_id: str) -> demo.Tier | None:
    return next((tier for tier in demo.TIERS if tier.id == tier_id), None)


def current_tier(member: Member) -> demo.Tier:
    return tier_by_id(member.data["tier"]["id"]) or demo.TIERS[0]


def next_tier(member: Member) -> demo.Tier | None:
    rank = current_tier(member).rank
    return min((tier for tier in demo.TIERS if tier.rank > rank), key=lambda tier: tier.rank, default=None)


def _climb_tiers(member: Member, now: datetime) -> None:
    """Tier points only ever lift a customer (no resets in this program); a manual move can go either way."""
    reached = max(
        (tier for tier in demo.TIERS if tier.required_points <= member.data["tier_points"]), key=lambda t: t.rank
    )
    if reached.rank > current_tier(member).rank:
        move_tier(member, reached, now)


def move_tier(member: Member, tier: demo.Tier, now: datetime) -> None:
    if tier.id == member.data["tier"]["id"]:
        return
    member.data["tier"] = {"id": tier.id, "entered_at": clock.stored(now)}
    record(member, "tier_changed", now, tier_id=tier.id)


# --- Enrolment ---------------------------------------------------------------------------------------------
def enroll(member: Member, now: datetime) -> None:
    """The program's side of a new profile: empty ledgers, the first tier and the welcome bonus."""
    member.data.update(
        {
            "accounts": {account.id: {"available": 0, "life_time": 0} for account in demo.POINT_ACCOUNTS},
            "tier": {"id": demo.TIERS[0].id, "entered_at": clock.stored(now)},
            "tier_points": 0,
            "offers": [],
            "audit": [],
            "timeline": [],
            "campaigns": {},
            "promo_codes": {},
            "events": [],
            "transactions": {},
            "spends": {},
        }
    )
    change_points(member, demo.WELCOME_POINTS, source_name=demo.WELCOME_SOURCE, modification_type=DEPOSIT, now=now)
    record(member, "welcome_bonus", now, points=demo.WELCOME_POINTS)


# --- Offers ------------------------------------------------------------------------------------------------
def issue_offer(member: Member, offer_id: str, *, source: str, now: datetime) -> dict:
    """THE way an offer reaches a wallet (campaign rewards, promo codes, purchases, Connect's issue): the
    wallet item, its index, the timeline event and the outbound "offer issued" webhook."""
    offer = demo.OFFERS.get(offer_id)
    if offer is None:
        raise Refusal(codes.OFFER_NOT_FOUND, "offer not found")
    item = {
        "user_offer_id": new_id(),
        "offer_id": offer.id,
        "status": ISSUED,
        "issued_at": clock.stored(now),
        "expires_at": clock.stored(now + demo.OFFER_VALIDITY),
        "source": source,
    }
    member.data["offers"].append(item)
    index_user_offer(member, item["user_offer_id"])
    record(member, "offer_issued", now, offer_id=offer.id, user_offer_id=item["user_offer_id"])
    webhook.offer_issued(user_id=member.id, item=item, offer=offer, source=source, now=now)
    return item


def offer_status(item: dict, now: datetime) -> str:
    if item["status"] == ISSUED and clock.parse_stored(item["expires_at"]) <= now:
        return EXPIRED
    return item["status"]


def wallet(member: Member, now: datetime) -> list[dict]:
    """Issued, unredeemed, unexpired offers, newest first: SessionM's "Ready to Redeem"."""
    return [item for item in reversed(member.data["offers"]) if offer_status(item, now) == ISSUED]


def _user_offer(member: Member, user_offer_id: str) -> dict:
    for item in member.data["offers"]:
        if item["user_offer_id"] == user_offer_id:
            return item
    raise Refusal(codes.USER_OFFER_NOT_FOUND, "user offer not found")


def redeem(member: Member, user_offer_id: str, *, force: bool, now: datetime) -> dict:
    """Redeem a wallet item once. `force` (Connect's force_redeem) lets an expired item through; nothing
    lets a redeemed or revoked one."""
    item = _user_offer(member, user_offer_id)
    status = offer_status(item, now)
    if status == REDEEMED:
        raise Refusal(codes.OFFER_ALREADY_REDEEMED, "offer already redeemed")
    if status == REVOKED:
        raise Refusal(codes.OFFER_NOT_REDEEMABLE, "offer was revoked")
    if status == EXPIRED and not force:
        raise Refusal(codes.OFFER_EXPIRED, "offer expired")
    item["status"] = REDEEMED
    item["redeemed_at"] = clock.stored(now)
    record(member, "offer_redeemed", now, offer_id=item["offer_id"], user_offer_id=user_offer_id)
    return item


def revoke(member: Member, user_offer_id: str, *, reason: str, now: datetime) -> dict:
    item = _user_offer(member, user_offer_id)
    if item["status"] == REDEEMED:
        raise Refusal(codes.OFFER_ALREADY_REDEEMED, "a redeemed offer cannot be revoked")
    if item["status"] == REVOKED:
        raise Refusal(OFFER_ALREADY_REVOKED, "offer already revoked")
    item["status"] = REVOKED
    item["revoked_at"] = clock.stored(now)
    item["reason"] = reason
    record(member, "offer_revoked", now, offer_id=item["offer_id"], user_offer_id=user_offer_id)
    return item


# --- Rewards Store -----------------------------------------------------------------------------------------
def store_offer(reward_store_id: str, reward_store_offer_id: str, now: datetime):
    """The store and its offer, when the offer is on sale now in that store."""
    store = demo.REWARD_STORES.get(reward_store_id)
    for candidate in store.offers if store else ():
        if candidate.id == reward_store_offer_id and candidate.start <= now < candidate.end:
            return store, candidate
    raise Refusal(codes.REWARD_STORE_OFFER_NOT_FOUND, "reward store offer not found")


def purchase(member: Member, store: demo.RewardStore, offer: demo.StoreOffer, *, quantity: int, now: datetime):
    """Spend the price and issue the offer, as one step: too few points refuses and changes nothing."""
    account = point_account(store.point_account_id)
    assert account is not None, "a reward store spends one of the program's point accounts (apps/sandbox/demo.py)"
    cost = offer.price * quantity
    if balance(member, account)["available"] < cost:
        raise Refusal(codes.INSUFFICIENT_POINTS, "insufficient points")
    name = demo.OFFERS[offer.offer_id].texts[demo.DEFAULT_CULTURE].name
    change_points(
        member, -cost, source_name=f"Rewards Store: {name}", modification_type=SPEND, now=now, account=account
    )
    items = [issue_offer(member, offer.offer_id, source="reward_store", now=now) for _ in range(quantity)]
    record(
        member, "offer_purchased", now, points=cost, offer_id=offer.offer_id, user_offer_id=items[0]["user_offer_id"]
    )
    return items, cost


# --- Campaigns ---------------------------------------------------------------------------------------------
def active_campaigns(now: datetime) -> list[demo.Campaign]:
    return [campaign for campaign in demo.CAMPAIGNS.values() if campaign.start <= now < campaign.end]


def _campaign_state(member: Member, campaign: demo.Campaign) -> dict:
    return member.data["campaigns"].setdefault(campaign.id, {"rewarded_on": []})


def _last_saturday(today: date) -> date:
    return today - timedelta(days=(today.weekday() - demo.SATURDAY) % 7)


def progress(member: Member, campaign: demo.Campaign, now: datetime) -> dict:
    """{state: available|opted_in|in_progress|completed, opted_in, percent}. Snack Box Saturday repeats
    weekly: it shows completed while this week's snack box (since the last Saturday) has been earned."""
    state = member.data["campaigns"].get(campaign.id, {})
    opted_in = "opted_in_at" in state
    if campaign.rule == demo.SATURDAY_SPEND:
        since = _last_saturday(now.astimezone(UTC).date()).isoformat()
        done = any(day >= since for day in state.get("rewarded_on", []))
    else:
        done = "completed_at" in state
    if done:
        return {"state": "completed", "opted_in": opted_in, "percent": 100}
    return {"state": "opted_in" if opted_in else "available", "opted_in": opted_in, "percent": 0}


def opt_in(member: Member, campaign: demo.Campaign, now: datetime) -> None:
    """Opt in (again: nothing more happens). Mobile Tuesdays answers with its coupon."""
    if not campaign.requires_opt_in:
        raise Refusal(codes.NOT_AVAILABLE, "this campaign does not take opt-ins")
    state = _campaign_state(member, campaign)
    if "opted_in_at" in state:
        return
    state["opted_in_at"] = clock.stored(now)
    record(member, "campaign_opt_in", now, campaign_id=campaign.id)
    if campaign.rule == demo.OPT_IN_COUPON:
        issue_offer(member, campaign.reward_offer_id, source=f"campaign:{campaign.slug}", now=now)
        state["completed_at"] = clock.stored(now)


def claim_promo_code(member: Member, code: str, now: datetime) -> dict:
    """A promo code grants its campaign's reward offer, once per customer."""
    code = code.strip().upper()
    campaign = demo.PROMO_CODES.get(code)
    if campaign is None or not (campaign.start <= now < campaign.end):
        raise Refusal(codes.PROMO_CODE_INVALID, "promo code is not valid")
    if code in member.data["promo_codes"]:
        raise Refusal(codes.PROMO_CODE_ALREADY_CLAIMED, "promo code already claimed")
    record(member, "promo_code_claimed", now, code=code)
    item = issue_offer(member, campaign.reward_offer_id, source=f"promo_code:{code}", now=now)
    member.data["promo_codes"][code] = {"claimed_at": clock.stored(now), "user_offer_id": item["user_offer_id"]}
    return {"code": code, "offer_id": item["offer_id"], "user_offer_id": item["user_offer_id"]}


# --- Behaviour events --------------------------------------------------------------------------------------
def trigger_event(member: Member, lookup: str, now: datetime) -> tuple[dict, demo.BehaviourEvent]:
    """Save the event; award its points the first time only."""
    definition = demo.EVENTS.get(lookup)
    if definition is None:
        raise Refusal(codes.UNKNOWN_EVENT, f"unknown event: {lookup[:100]}")
    awarded_before = any(event["lookup"] == lookup and event["points"] for event in member.data["events"])
    event_id = new_id()
    event = {"id": event_id, "lookup": lookup, "at": clock.stored(now), "points": 0}
    if not awarded_before:
        event["points"] = definition.points
        change_points(
            member,
            definition.points,
            source_name=definition.source_name,
            modification_type=DEPOSIT,
            now=now,
            transaction_id=event_id,
        )
        record(member, "event_reward", now, points=definition.points, event=lookup)
    member.data["events"].append(event)
    return event, definition


# --- Purchases (Cloud POS) ---------------------------------------------------------------------------------
@dataclass(frozen=True)
class Sale:
    transaction_id: str
    subtotal: Decimal
    open_time: datetime
    closed: bool
    voided: bool
    quantities: dict[str, Decimal]  # SKU -> total quantity


def apply_sale(member: Member, sale: Sale, now: datetime) -> None:
    """Earn points for a closed, unvoided sale; a resend of the same transaction_id (a return, a void, a
    late close) moves the points by the difference. Campaign rules look at a sale once, when it first
    counts."""
    counts = sale.closed and not sale.voided
    points = points_for(sale.subtotal) if counts else 0
    known = member.data["transactions"].get(sale.transaction_id)
    before = known["points"] if known else 0
    if not before and points:
        change_points(
            member,
            points,
            source_name="Purchase",
            modification_type=EARN,
            now=now,
            transaction_id=sale.transaction_id,
        )
        record(member, "purchase", now, points=points, amount=f"{sale.subtotal:.2f}")
    elif points != before:
        change_points(
            member,
            points - before,
            source_name="Purchase adjustment",
            modification_type=ADJUSTMENT,
            now=now,
            transaction_id=sale.transaction_id,
        )
        record(member, "purchase_adjusted", now, points=points - before, amount=f"{sale.subtotal:.2f}")
    rewarded = bool(known and known["rewarded"])
    if counts and not rewarded:
        _reward_sale(member, sale, now)
        rewarded = True
    member.data["transactions"][sale.transaction_id] = {
        "points": points,
        "subtotal": f"{sale.subtotal:.2f}",
        "closed": sale.closed,
        "voided": sale.voided,
        "rewarded": rewarded,
    }


def _reward_sale(member: Member, sale: Sale, now: datetime) -> None:
    for campaign in active_campaigns(now):
        state = member.data["campaigns"].get(campaign.id, {})
        if campaign.rule == demo.SATURDAY_SPEND:
            opened = sale.open_time.astimezone(UTC).date()
            if (
                opened.weekday() == demo.SATURDAY
                and campaign.min_subtotal is not None
                and sale.subtotal >= campaign.min_subtotal
                and opened.isoformat() not in state.get("rewarded_on", [])
            ):
                issue_offer(member, campaign.reward_offer_id, source=f"campaign:{campaign.slug}", now=now)
                _campaign_state(member, campaign)["rewarded_on"].append(opened.isoformat())
        elif campaign.rule == demo.FRIES_VARIETY:
            kinds = {sku for sku, quantity in sale.quantities.items() if sku in demo.FRIES_SKUS and quantity > 0}
            enough = campaign.min_fries_kinds is not None and len(kinds) >= campaign.min_fries_kinds
            if "opted_in_at" in state and "completed_at" not in state and enough:
                issue_offer(member, campaign.reward_offer_id, source=f"campaign:{campaign.slug}", now=now)
                _campaign_state(member, campaign)["completed_at"] = clock.stored(now)
                record(member, "campaign_completed", now, campaign_id=campaign.id)
