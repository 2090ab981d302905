"""The wire shapes the emulator answers with, built from state documents and the demo program.

Field names follow shared/specs/sessionm.md and the team's [inferred] shapes. Absent values are omitted, as
SessionM does. Core times are "YYYY-MM-DD HH:MM:SS" (UTC); Connect times are ISO-8601 with 7 digits + Z.
"""

from datetime import datetime

from apps.sandbox import demo

from . import clock, rules
from .state import Member


def member_culture(member: Member) -> str:
    """Core answers in the customer's own language (their profile locale, e.g. "pt-br")."""
    return demo.pick_culture(member.data["profile"].get("locale"))


# --- Core: user --------------------------------------------------------------------------------------------
def user(
    member: Member,
    *,
    expand_incentives: bool = False,
    user_profile: bool = False,
    show_identifiers: bool = False,
) -> dict:
    data = member.data
    profile = data["profile"]
    body = {
        "id": member.id,
        "external_id": member.document.alt_key,
        **{name: value for name, value in profile.items() if value is not None},
        "activated": True,
        "available_points": rules.available_points(member),
        "created_at": clock.core(data["created_at"]),
        "updated_at": clock.core(data["updated_at"]),
        "registered_at": clock.core(data["created_at"]),
        "suspended": False,
        "account_status": "good",
        "referrer_code": data["referrer_code"],
    }
    if show_identifiers:
        identifier = {"external_id": member.document.alt_key}
        if profile.get("external_id_type"):
            identifier["external_id_type"] = profile["external_id_type"]
        body["identifiers"] = [identifier]
    if user_profile:
        body["user_profile"] = {**data["user_profile"], "_version": data["user_profile_version"]}
    if expand_incentives:
        body.update(incentives(member))
    return body


def incentives(member: Member) -> dict:
    """What expand_incentives adds: tier status and point balances. next_tier_points is the tier-point
    threshold of the next tier, omitted at the top tier."""
    tier = rules.current_tier(member)
    following = rules.next_tier(member)
    body = {
        "tier": tier.name,
        "tier_system": demo.TIER_SYSTEM,
        "tier_points": member.data["tier_points"],
        "tier_entered_at": clock.core(member.data["tier"]["entered_at"]),
        "tier_details": {
            "tier_levels": [
                {"id": level.id, "name": level.name, "rank": level.rank, "required_points": level.required_points}
                for level in demo.TIERS
            ],
            "point_account_balances": point_balances(member),
        },
    }
    if following is not None:
        body["next_tier_points"] = following.required_points
    return body


def point_balances(member: Member) -> dict:
    """Connect's all_balances payload (also inside Core's tier_details)."""
    details = []
    for account in demo.POINT_ACCOUNTS:
        entry = rules.balance(member, account)
        details.append(
            {
                "account_name": account.name,
                "point_account_id": account.id,
                "available_balance": entry["available"],
                "life_time_value": entry["life_time"],
            }
        )
    return {
        "summary": {"total_points": rules.available_points(member), "life_time_points": rules.life_time_points(member)},
        "details": details,
    }


# --- Core: campaigns ---------------------------------------------------------------------------------------
def campaign(item: demo.Campaign, culture: str, *, progress: dict | None = None) -> dict:
    text = demo.localized(item.texts, culture)
    custom = {"requires_opt_in": item.requires_opt_in, "reward_offer_id": item.reward_offer_id}
    if item.promo_code:
        custom["promo_code"] = item.promo_code
    body = {
        "campaign_id": item.id,
        "name": text.name,
        "start_date": clock.core(item.start),
        "end_date": clock.core(item.end),
        "custom_payload": custom,
        "template": {"message": {"header": text.name, "description": text.description, "image_url": item.image_url}},
    }
    if progress is not None:
        body["progress"] = progress
    return body


# --- Core: timeline ----------------------------------------------------------------------------------------
def timeline_event(event: dict, culture: str) -> dict:
    kind = demo.TIMELINE_EVENT_TYPES[event["kind"]]
    payload = event["payload"]
    # No "id": SessionM's documented event shape does not promise one, and the client must not need it.
    return {
        "event_stream_event_type_id": kind.id,
        "timestamp": clock.core(event["at"]),
        "created_at": clock.core(event["at"]),
        "event_stream_payload": {"kind": kind.slug, "title": _title(kind, payload, culture), **payload},
    }


def _title(kind: demo.TimelineEventType, payload: dict, culture: str) -> str:
    """The event's title in the culture, naming the offer, campaign, event or tier its payload refers to."""
    offer = demo.OFFERS.get(payload.get("offer_id", ""))
    campaign_item = demo.CAMPAIGNS.get(payload.get("campaign_id", ""))
    event = demo.EVENTS.get(payload.get("event", ""))
    tier = rules.tier_by_id(payload.get("tier_id", ""))
    return demo.localized(kind.titles, culture).format(
        points=abs(payload.get("points", 0)),
        amount=payload.get("amount", ""),
        code=payload.get("code", ""),
        offer=demo.localized(offer.texts, culture).name if offer else "",
        campaign=demo.localized(campaign_item.texts, culture).name if campaign_item else "",
        event=demo.localized(event.texts, culture) if event else "",
        tier=tier.name if tier else "",
    )


def event_types() -> list[dict]:
    return [{"id": kind.id, "name": kind.name, "slug": kind.slug} for kind in demo.TIMELINE_EVENT_TYPES.values()]


# --- Connect: offers ---------------------------------------------------------------------------------------
def _media(offer: demo.Offer) -> list[dict]:
    return [{"uri": offer.image_url, "category_name": "offer_image"}]


def user_offer(item: dict, culture: str, now: datetime) -> dict:
    offer = demo.OFFERS[item["offer_id"]]
    text = demo.localized(offer.texts, culture)
    return {
        "id": item["user_offer_id"],
        "offer_id": offer.id,
        "root_offer_id": offer.id,
        "offer_type": offer.offer_type,
        "name": text.name,
        "description": text.description,
        "terms": text.terms,
        "is_redeemable": rules.offer_status(item, now) == rules.ISSUED,
        "start_date": clock.connect(item["issued_at"]),
        "redemption_end_date": clock.connect(item["expires_at"]),
        "media": _media(offer),
        "pos_discount_id": offer.pos_discount_id,
    }


def store_offer(store: demo.RewardStore, item: demo.StoreOffer, culture: str) -> dict:
    offer = demo.OFFERS[item.offer_id]
    text = demo.localized(offer.texts, culture)
    return {
        "id": item.id,
        "root_offer_id": offer.id,
        "reward_store_id": store.id,
        "internal_name": item.internal_name,
        "price": item.price,
        "start_date": clock.connect(item.start),
        "end_date": clock.connect(item.end),
        "offer_details": {
            "title": text.name,
            "description": text.description,
            "terms": text.terms,
            "media": _media(offer),
            "pos_discount_id": offer.pos_discount_id,
        },
    }


# --- Connect: incentives -----------------------------------------------------------------------------------
def audit_entry(entry: dict) -> dict:
    return {**entry, "time_of_occurrence": clock.connect(entry["time_of_occurrence"])}
