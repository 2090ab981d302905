"""Parsing of every typed result: full wire objects, objects with every optional field absent, and times."""

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta, timezone
from decimal import Decimal
from typing import Annotated

import pytest

from apps.sessionm import wire
from apps.sessionm.types import (
    Campaign,
    EventOutcome,
    IssuedOffer,
    PointAuditEntry,
    PointBalances,
    PromoClaim,
    Purchase,
    RewardStore,
    RewardStoreOffer,
    RewardStoreOffersPage,
    SessionMUser,
    TimelineEvent,
    TransactionReceipt,
    UserOffer,
    UserOffersPage,
)

# --- times and numbers --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        # Core: no zone, UTC.
        ("2025-05-30 06:08:11", datetime(2025, 5, 30, 6, 8, 11, tzinfo=UTC)),
        # Connect: 7 fractional digits and Z (Python keeps microseconds).
        ("2025-05-30T06:08:11.6829853Z", datetime(2025, 5, 30, 6, 8, 11, 682985, tzinfo=UTC)),
        ("2025-05-30T06:08:11.68Z", datetime(2025, 5, 30, 6, 8, 11, 680000, tzinfo=UTC)),
        ("2025-05-30T06:08:11Z", datetime(2025, 5, 30, 6, 8, 11, tzinfo=UTC)),
        (
            "2025-05-30T03:08:11.1234567-03:00",
            datetime(2025, 5, 30, 3, 8, 11, 123456, tzinfo=timezone(timedelta(hours=-3))),
        ),
        (None, None),
        ("", None),
    ],
)
def test_moment(value, expected):
    parsed = wire.moment(value)
    assert parsed == expected
    if parsed is not None:
        assert parsed.tzinfo is not None


@pytest.mark.parametrize("value", ["yesterday", "2025-13-01 00:00:00", 1717000000])
def test_moment_refuses_garbage(value):
    with pytest.raises((ValueError, TypeError)):
        wire.moment(value)


@pytest.mark.parametrize(
    ("value", "expected"), [(280, 280), (280.0, 280), ("280", 280), (99.9, 99), (-12.5, -12), (None, None)]
)
def test_points(value, expected):
    assert wire.points(value) == expected


@pytest.mark.parametrize("value", [True, "NaN", "lots", [1]])
def test_points_refuse_garbage(value):
    with pytest.raises((ValueError, TypeError, ArithmeticError)):
        wire.points(value)


def test_decimal_keeps_money_exact():
    assert wire.decimal(4.5) == Decimal("4.5")
    assert wire.decimal("18.00") == Decimal("18.00")
    assert wire.decimal(0.1) + wire.decimal(0.2) == Decimal("0.3")


# --- users ----------------------------------------------------------------------------------------------------

EXPANDED_USER = {
    "id": "0b6f2c1e-8d2a-4b7e-9a51-3c1f0e2d4a77",
    "external_id": "ff_9c2e41d0a7b3",
    "opted_in": True,
    "activated": True,
    "email": "amanda@example.com",
    "first_name": "Amanda",
    "last_name": "Silva",
    "dob": "1994-03-12",
    "locale": "pt-br",
    "available_points": 280.0,
    "created_at": "2025-05-30 06:08:11",
    "user_profile": {"_version": 2, "favourite_fries": "curly"},
    "tier": "Bronze",
    "tier_system": "Fancy Fries",
    "tier_points": 180,
    "next_tier_points": 1500,
    "tier_details": {
        "tier_levels": [
            {"id": "t-bronze", "name": "Bronze", "rank": 1, "required_points": 0},
            {"id": "t-silver", "tier_overview": {"name": "Silver", "rank": 2}},
        ],
        "point_account_balances": {
            "summary": {"total_points": 280, "life_time_points": 280},
            "details": [
                {
                    "account_name": "Fries Points",
                    "point_account_id": "pa-1",
                    "available_balance": 280,
                    "life_time_value": 280,
                }
            ],
        },
    },
}


def test_user_with_incentives_and_profile():
    user = SessionMUser.from_wire(EXPANDED_USER)

    assert user.id == "0b6f2c1e-8d2a-4b7e-9a51-3c1f0e2d4a77"
    assert user.external_id == "ff_9c2e41d0a7b3"
    assert (user.email, user.first_name, user.last_name) == ("amanda@example.com", "Amanda", "Silva")
    assert user.dob == date(1994, 3, 12)
    assert user.locale == "pt-br"
    assert user.opted_in is True
    assert user.available_points == 280
    assert user.created_at == datetime(2025, 5, 30, 6, 8, 11, tzinfo=UTC)
    assert user.user_profile == {"_version": 2, "favourite_fries": "curly"}
    assert (user.tier, user.tier_points, user.next_tier_points) == ("Bronze", 180, 1500)
    assert [(t.id, t.name, t.rank, t.required_points) for t in user.tier_levels] == [
        ("t-bronze", "Bronze", 1, 0),
        ("t-silver", "Silver", 2, None),
    ]
    balances = user.point_account_balances
    assert (balances.total_points, balances.life_time_points) == (280, 280)
    (account,) = balances.accounts
    assert (account.account_name, account.point_account_id, account.available_balance, account.life_time_value) == (
        "Fries Points",
        "pa-1",
        280,
        280,
    )


def test_user_with_only_an_id():
    user = SessionMUser.from_wire({"id": 42})

    assert user.id == "42"
    assert user.external_id is user.email is user.first_name is user.last_name is None
    assert user.dob is user.locale is user.created_at is None
    assert user.opted_in is False
    assert user.available_points == 0
    assert user.user_profile == {}
    assert user.tier is user.tier_points is user.next_tier_points is None
    assert user.tier_levels == ()
    assert user.point_account_balances is None


def test_point_balances_absent_parts():
    assert PointBalances.from_wire({}) == PointBalances(total_points=0, life_time_points=0, accounts=())


# --- Core resources ------------------------------------------------------------------------------------------


def test_timeline_event_reads_its_payload():
    event = TimelineEvent.from_wire(
        {
            "id": "ev-9",
            "event_stream_event_type_id": 7,
            "timestamp": "2025-06-03 18:20:00",
            "event_stream_payload": {
                "kind": "offer_issued",
                "title": "Free Large Fries",
                "offer_id": "o-large-fries",
                "user_offer_id": "uo-41",
            },
        }
    )

    assert event.id == "ev-9"
    assert event.event_stream_event_type_id == "7"
    assert event.timestamp == datetime(2025, 6, 3, 18, 20, tzinfo=UTC)
    assert (event.kind, event.title, event.offer_id, event.user_offer_id) == (
        "offer_issued",
        "Free Large Fries",
        "o-large-fries",
        "uo-41",
    )
    assert event.points is event.amount is None


def test_timeline_event_falls_back_to_created_at():
    event = TimelineEvent.from_wire({"id": "ev-1", "created_at": "2025-06-03 18:20:01"})
    assert event.timestamp == datetime(2025, 6, 3, 18, 20, 1, tzinfo=UTC)
    assert event.kind is event.title is None


def test_campaign():
    campaign = Campaign.from_wire(
        {
            "campaign_id": "c-tuesday",
            "name": "Mobile Tuesdays: 20% off",
            "start_date": "2025-05-01 00:00:00",
            "end_date": "2025-12-31 23:59:59",
            "custom_payload": {"requires_opt_in": True, "badge": "new"},
            "progress": {"state": "in_progress", "opted_in": True, "percent": 50},
            "template": {
                "message": {
                    "header": "Mobile Tuesdays",
                    "description": "20% off every Tuesday",
                    "image_url": "https://cdn.example.com/tuesday.png",
                }
            },
        }
    )

    assert campaign.campaign_id == "c-tuesday"
    assert campaign.end_date == datetime(2025, 12, 31, 23, 59, 59, tzinfo=UTC)
    assert (campaign.requires_opt_in, campaign.state, campaign.opted_in, campaign.percent) == (
        True,
        "in_progress",
        True,
        50,
    )
    assert (campaign.header, campaign.description, campaign.image_url) == (
        "Mobile Tuesdays",
        "20% off every Tuesday",
        "https://cdn.example.com/tuesday.png",
    )
    assert campaign.custom_payload == {"requires_opt_in": True, "badge": "new"}


def test_campaign_with_only_an_id():
    campaign = Campaign.from_wire({"campaign_id": "c-1"})

    assert (campaign.requires_opt_in, campaign.opted_in, campaign.percent) == (False, False, 0)
    assert campaign.state is campaign.header is campaign.image_url is campaign.start_date is None


def test_promo_claim_absent_fields():
    assert PromoClaim.from_wire({}) == PromoClaim(code=None, offer_id=None, user_offer_id=None)


# --- Connect resources ---------------------------------------------------------------------------------------


def test_user_offer():
    offer = UserOffer.from_wire(
        {
            "id": "uo-41",
            "offer_id": "o-large-fries",
            "offer_type": "manual_fulfillment",
            "name": "Free Large Fries",
            "description": "A large fries on us",
            "terms": "Valid 30 days",
            "is_redeemable": True,
            "start_date": "2025-06-03T18:20:00.1234567Z",
            "redemption_end_date": "2025-07-03T18:20:00.1234567Z",
            "media": [{"category_name": "logo"}, {"uri": "https://cdn.example.com/large.png"}],
            "pos_discount_id": "D-LARGE",
        }
    )

    assert offer.user_offer_id == "uo-41"
    assert offer.offer_id == "o-large-fries"
    assert offer.image_url == "https://cdn.example.com/large.png"
    assert offer.is_redeemable is True
    assert offer.start_date == datetime(2025, 6, 3, 18, 20, 0, 123456, tzinfo=UTC)
    assert offer.expires_at == datetime(2025, 7, 3, 18, 20, 0, 123456, tzinfo=UTC)
    assert (offer.pos_discount_id, offer.offer_type, offer.terms) == ("D-LARGE", "manual_fulfillment", "Valid 30 days")


def test_user_offer_with_only_an_id():
    offer = UserOffer.from_wire({"id": "uo-1"})

    assert offer.is_redeemable is False
    assert offer.image_url is offer.expires_at is offer.terms is offer.pos_discount_id is None


def test_user_offers_page_without_total_counts_its_offers():
    page = UserOffersPage.from_wire({"user_offers": [{"id": "uo-1"}, {"id": "uo-2"}]})
    assert (page.total, page.available_points, page.total_points) == (2, 0, 0)


def test_issued_offer():
    assert IssuedOffer.from_wire({"user_offer_id": "uo-1", "offer_id": "o-1"}).issued is True
    assert IssuedOffer.from_wire({"offer_id": "o-1", "fail_reason": 2}).issued is False


def test_reward_store():
    assert RewardStore.from_wire({"id": "rs-1"}) == RewardStore(id="rs-1", name=None, point_account_id=None)


def test_reward_store_offer():
    offer = RewardStoreOffer.from_wire(
        {
            "id": "rso-pork",
            "root_offer_id": "o-pork",
            "reward_store_id": "rs-1",
            "price": 900.0,
            "start_date": "2025-01-01T00:00:00.0000000Z",
            "offer_details": {
                "title": "Free Pulled Pork Fries",
                "media": [{"uri": "https://cdn.example.com/pork.png"}],
                "pos_discount_id": "D-PORK",
            },
        }
    )

    assert (offer.reward_store_offer_id, offer.root_offer_id, offer.reward_store_id) == ("rso-pork", "o-pork", "rs-1")
    assert offer.price == 900
    assert offer.start_date == datetime(2025, 1, 1, tzinfo=UTC)
    assert offer.end_date is None
    assert (offer.title, offer.image_url, offer.pos_discount_id) == (
        "Free Pulled Pork Fries",
        "https://cdn.example.com/pork.png",
        "D-PORK",
    )
    assert offer.description is offer.terms is None


def test_reward_store_offers_page_defaults_to_what_was_asked():
    page = RewardStoreOffersPage.from_wire({"reward_store_offers": [{"id": "rso-1"}]}, skip=40, take=20)
    assert (page.total, page.skip, page.take) == (1, 40, 20)


def test_purchase_never_refuses_a_success_payload():
    # The points are spent once SessionM says ok: a missing or odd field must not become an error.
    assert Purchase.from_wire({"user_offer_id": "uo-9"}).points_spent is None
    assert Purchase.from_wire({"points_spent": 500}).user_offer_id is None
    assert Purchase.from_wire({"points_spent": [1]}).points_spent is None


def test_point_audit_entry_absent_fields():
    entry = PointAuditEntry.from_wire({})
    assert (entry.modification, entry.amount_expired) == (0, 0)
    assert entry.id is entry.time_of_occurrence is entry.point_source_name is None


def test_event_outcome_with_nothing_applied():
    outcome = EventOutcome.from_wire({"event_saved_successfully": True})
    assert (outcome.points_awarded, outcome.rules_processed_successfully, outcome.user_event_id) == (0, False, None)


def test_transaction_receipt():
    receipt = TransactionReceipt.from_wire({"transaction_id": "t-1", "request_id": "r-1", "state": "accepted"})
    assert (receipt.transaction_id, receipt.request_id, receipt.state) == ("t-1", "r-1", "accepted")


# --- wire.Record: results read field by field from their annotations ------------------------------------------


@dataclass(frozen=True)
class _Shelf(wire.Record):
    id: Annotated[str, wire.Read(wire.identifier)]
    label: Annotated[str | None, wire.Read(wire.text), wire.At("details.label")]
    width: Annotated[int, wire.Read(wire.count), wire.At("details.size.width")]


def test_a_record_reads_each_field_at_its_path():
    shelf = _Shelf.from_wire({"id": 7, "details": {"label": "Fries", "size": {"width": "3.9"}}})
    assert shelf == _Shelf(id="7", label="Fries", width=3)


def test_a_record_reads_absent_nested_objects_as_absent_values():
    assert _Shelf.from_wire({"id": "s-1"}) == _Shelf(id="s-1", label=None, width=0)


@pytest.mark.parametrize(
    "data",
    [None, [], {"details": {}}, {"id": "s", "details": "wide"}, {"id": "s", "details": {"size": [3]}}],
)
def test_a_record_refuses_garbage_like_the_readers_do(data):
    with pytest.raises((TypeError, ValueError)):
        _Shelf.from_wire(data)


def test_a_record_field_without_a_reader_is_a_programming_error():
    @dataclass(frozen=True)
    class Unread(wire.Record):
        name: str

    with pytest.raises(TypeError, match="Unread.name"):
        Unread.from_wire({"name": "x"})
