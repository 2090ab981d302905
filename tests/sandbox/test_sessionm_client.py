"""End to end: the real SessionM client against the emulator over the in-process transport (server path
matching, credentials, envelopes, typed results and typed errors), walking the Fancy Fries demo."""

import json
import uuid
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest
from django.conf import settings

from apps.sandbox import demo
from apps.sandbox.sessionm.calls import call
from apps.sessionm import get_sessionm_client
from apps.sessionm.errors import (
    SessionMInsufficientPoints,
    SessionMNotFound,
    SessionMOfferNotRedeemable,
    SessionMPromoCodeInvalid,
    SessionMValidationError,
)
from apps.sessionm.types import TransactionLine, TransactionPayment

pytestmark = pytest.mark.django_db

VIEW = settings.SESSIONM_TIMELINE_VIEW


@pytest.fixture
def client():
    return get_sessionm_client()


@pytest.fixture
def amanda(client):
    return client.create_user(
        external_id=f"ff-{uuid.uuid4().hex}",
        email="amanda@example.com",
        first_name="Amanda",
        last_name="Silva",
        dob=date(1992, 3, 14),
        locale="pt-br",
    )


def sale(user_id, skus=(), *, lines=(), open_time=None):
    """send_transaction's arguments for `lines` and one of each SKU at its menu price, paid by card in full."""
    lines = [*lines, *(TransactionLine(sku, 1, demo.MENU[sku]) for sku in skus)]
    return {
        "transaction_id": f"ord-{uuid.uuid4().hex[:12]}",
        "user_id": user_id,
        "opened_at": open_time or datetime(2025, 6, 3, 12, 0, tzinfo=UTC),
        "channel": "MOBILE",
        "lines": lines,
        "payments": [TransactionPayment("CARD", sum(line.subtotal for line in lines))],
    }


def test_the_demo_walkthrough(client, amanda):
    # Signed up: the welcome bonus is there.
    assert amanda.available_points == 100
    assert amanda.dob == date(1992, 3, 14) and amanda.created_at.tzinfo is not None

    # Reviews campaigns (in her language) and opts in to "Large Fries on us".
    campaigns = {campaign.campaign_id: campaign for campaign in client.get_eligible_campaigns(amanda.id)}
    large_fries = campaigns[demo.LARGE_FRIES_ON_US.id]
    assert large_fries.name == "Batata grande por nossa conta"
    assert (large_fries.requires_opt_in, large_fries.state, large_fries.percent) == (True, "available", 0)
    client.opt_in(amanda.id, demo.LARGE_FRIES_ON_US.id)

    # Buys pulled pork fries + curly fries for $18.
    receipt = client.send_transaction(
        request_id=f"req-{uuid.uuid4().hex}",
        **sale(amanda.id, ["FF-PULLED-PORK", "FF-CURLY"]),
    )
    assert receipt.state == "accepted"

    # Earns 180 points and gets Free Large Fries, valid 30 days.
    balances = client.get_point_balances(amanda.id)
    assert (balances.total_points, balances.life_time_points) == (280, 280)
    page = client.get_user_offers(amanda.id, culture="en-US")
    [offer] = page.offers
    assert (offer.offer_id, offer.name, offer.is_redeemable) == (demo.FREE_LARGE_FRIES.id, "Free Large Fries", True)
    assert offer.expires_at - offer.start_date == timedelta(days=30)
    assert offer.image_url == demo.FREE_LARGE_FRIES.image_url
    assert (page.total, page.available_points) == (1, 280)

    user = client.get_user(amanda.id, expand_incentives=True)
    assert (user.tier, user.tier_points, user.next_tier_points) == ("Bronze", 180, 1500)
    assert [level.name for level in user.tier_levels] == ["Bronze", "Silver", "Gold"]
    assert user.point_account_balances.total_points == 280
    campaign = {c.campaign_id: c for c in client.get_eligible_campaigns(amanda.id)}[demo.LARGE_FRIES_ON_US.id]
    assert (campaign.state, campaign.opted_in, campaign.percent) == ("completed", True, 100)

    # The activity log tells the story, oldest first, read forward in pages (events carry no id).
    events = client.get_timeline_events(amanda.id, view=VIEW, page_size=2)
    kinds = ["welcome_bonus", "campaign_opt_in", "purchase", "offer_issued", "campaign_completed"]
    assert [event.kind for event in events] == kinds
    assert all(event.id is None for event in events)
    assert events[2].amount == Decimal("18.00") and events[2].points == 180
    assert events[3].title == "Batata grande grátis adicionado à sua carteira"
    # Nothing after the last event's second.
    assert client.get_timeline(amanda.id, view=VIEW, count=3, since=events[-1].timestamp).events == ()

    # Redeems it once.
    client.redeem_offer(offer.user_offer_id)
    with pytest.raises(SessionMOfferNotRedeemable) as excinfo:
        client.redeem_offer(offer.user_offer_id)
    assert excinfo.value.code == "offer_already_redeemed"
    assert client.get_user_offers(amanda.id, culture="en-US").offers == ()


def test_rewards_store_purchase_and_insufficient_points(client, amanda):
    [store] = client.get_reward_stores(amanda.id)
    assert (store.id, store.name) == (demo.REWARD_STORE.id, "Fries Points")
    offers = client.get_reward_store_offers([store.id], culture="es-ES")
    assert [(o.title, o.price) for o in offers.offers] == [
        ("Patatas rizadas gratis", 500),
        ("5 $ de descuento", 700),
        ("Patatas con pulled pork gratis", 900),
        ("Snack Box gratis", 1200),
    ]
    curly = offers.offers[0]

    with pytest.raises(SessionMInsufficientPoints):
        client.purchase_offer(
            user_id=amanda.id,
            reward_store_id=store.id,
            reward_store_offer_id=curly.reward_store_offer_id,
            point_account_ids=[store.point_account_id],
            culture="en-US",
        )
    assert client.get_point_balances(amanda.id).total_points == 100

    # A party's snack boxes: $40, 400 points.
    client.send_transaction(
        request_id="req-big", **sale(amanda.id, lines=[TransactionLine("SNACK-BOX", 4, Decimal(10))])
    )
    purchase = client.purchase_offer(
        user_id=amanda.id,
        reward_store_id=store.id,
        reward_store_offer_id=curly.reward_store_offer_id,
        point_account_ids=[store.point_account_id],
        culture="en-US",
    )
    assert (purchase.points_spent, purchase.available_points) == (500, 0)
    [entry, *_] = client.get_point_audit_log(amanda.id)
    assert (entry.modification, entry.point_source_name) == (-500, "Rewards Store: Free Curly Fries")
    assert [o.user_offer_id for o in client.get_user_offers(amanda.id, culture="en-US").offers] == [
        purchase.user_offer_id
    ]


def test_a_repeated_pos_request_changes_nothing(client, amanda):
    transaction = sale(amanda.id, ["FF-CURLY"])
    first = client.send_transaction(request_id="req-twice", **transaction)
    second = client.send_transaction(request_id="req-twice", **transaction)
    assert first == second
    assert client.get_point_balances(amanda.id).total_points == 180


def test_profile_tags_and_deletion(client, amanda):
    found = client.get_user_by_external_id(amanda.external_id, user_profile=True)
    assert found.id == amanda.id and found.user_profile == {"_version": 0}

    updated = client.update_user(amanda.id, first_name="Mandy", locale="fr-fr", user_profile={"sauce": "aioli"})
    assert (updated.first_name, updated.last_name, updated.locale) == ("Mandy", "Silva", "fr-fr")

    client.add_tags(tags=["vip"], user_id=amanda.id)
    client.add_tags(tags=["vip"], external_id=amanda.external_id)
    client.add_tags(tags=["summer"], ttl=3600, user_id=amanda.id)
    # The client reads no tags: the emulator's own answer shows what the adds did.
    tags = {tag["name"]: tag for tag in json.loads(call("tags_get", user_id=amanda.id).encode())["tags"]}
    assert tags["vip"]["count"] == 2 and tags["summer"]["expires_at"] is not None

    assert client.request_forget(amanda.id).request_type == "forget"
    with pytest.raises(SessionMNotFound):
        client.request_forget(amanda.id)
    with pytest.raises(SessionMNotFound):
        client.get_user(amanda.id)


def test_validation_errors_carry_their_fields(client, amanda):
    with pytest.raises(SessionMValidationError) as excinfo:
        client.create_user(external_id="someone-else", email="AMANDA@example.com")
    assert excinfo.value.field_errors == {"email": "has already been taken"}

    with pytest.raises(SessionMValidationError) as excinfo:
        client.send_transaction(
            request_id="req-bad", **sale(amanda.id, lines=[TransactionLine("FF-NOPE", 1, Decimal("8"))])
        )
    assert excinfo.value.field_errors == {"items[0].item_id": "unknown SKU"}


def test_promo_codes_events_and_issue(client, amanda):
    claim = client.claim_promo_code(amanda.id, "TUESDAY20")
    assert claim.offer_id == demo.TUESDAY_COUPON.id
    with pytest.raises(SessionMPromoCodeInvalid) as excinfo:
        client.claim_promo_code(amanda.id, "TUESDAY20")
    assert excinfo.value.code == "promo_code_already_claimed"

    outcome = client.trigger_event(amanda.id, "survey_completed", culture="en-US")
    assert (outcome.event_saved_successfully, outcome.points_awarded) == (True, 50)
    assert client.trigger_event(amanda.id, "survey_completed", culture="en-US").points_awarded == 0
    with pytest.raises(SessionMValidationError) as excinfo:
        client.trigger_event(amanda.id, "lottery_win", culture="en-US")
    assert excinfo.value.code == "unknown_event"

    [issued] = client.issue_offer(amanda.id, demo.FREE_CURLY_FRIES.id)
    assert issued.issued
    client.redeem_offer(issued.user_offer_id)
    with pytest.raises(SessionMOfferNotRedeemable) as excinfo:
        client.redeem_offer(issued.user_offer_id)
    assert excinfo.value.code == "offer_already_redeemed"


def test_no_active_campaign_reads_as_none(client, amanda, monkeypatch):
    monkeypatch.setattr(demo, "CAMPAIGNS", {})
    assert client.get_eligible_campaigns(amanda.id) == []
