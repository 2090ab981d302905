"""Connect calls (offers, incentives): URL, credentials, retailer_id in every body, timeout, results."""

from datetime import UTC, datetime
from decimal import Decimal

import pytest

from .conftest import CONNECT, CONNECT_AUTH, RETAILER_ID, TIMEOUT, USER_ID, sent_json

OFFERS = f"{CONNECT}/offers/api/2.0/offers"
INCENTIVES = f"{CONNECT}/incentives/api"


def assert_connect_call(call, url, body):
    assert call.request.method == "POST"
    assert call.request.url == url
    assert call.request.headers["Authorization"] == CONNECT_AUTH
    assert call.request.req_kwargs["timeout"] == TIMEOUT
    assert sent_json(call) == {"retailer_id": RETAILER_ID, **body}


USER_OFFER = {
    "id": "uo-41",
    "offer_id": "o-large-fries",
    "root_offer_id": "o-large-fries",
    "offer_group_id": "g-1",
    "offer_type": "manual_fulfillment",
    "name": "Batata grande grátis",
    "description": "Uma batata grande por nossa conta",
    "terms": "Válido por 30 dias",
    "is_redeemable": True,
    "start_date": "2025-06-03T18:20:00.1234567Z",
    "redemption_end_date": "2025-07-03T18:20:00.1234567Z",
    "media": [{"uri": "https://cdn.example.com/large-fries.png", "category_name": "logo"}],
    "pos_discount_id": "D-LARGE",
}


def test_get_user_offers(client, mock):
    mock.post(
        f"{OFFERS}/get_user_offers",
        json={
            "status": "ok",
            "payload": {
                "user": {"opted_in": True, "activated": True},
                "user_id": USER_ID,
                "user_offers": [USER_OFFER],
                "total_records": 3,
                "offer_groups": [],
                "total_points": 280,
                "available_points": 180,
            },
        },
    )

    page = client.get_user_offers(USER_ID, culture="pt-BR", skip=1, take=1)

    assert_connect_call(
        mock.calls[0],
        f"{OFFERS}/get_user_offers",
        {
            "user_id": USER_ID,
            "skip": 1,
            "take": 1,
            "include_pending_extended_data": False,
            "culture": "pt-BR",
        },
    )
    assert (page.total, page.available_points, page.total_points) == (3, 180, 280)
    assert page.offers[0].user_offer_id == "uo-41"
    assert page.offers[0].name == "Batata grande grátis"


@pytest.mark.parametrize(("skip", "take"), [(0, 0), (0, 1001), (-1, 20)])
def test_paging_limits_are_checked_before_sending(client, mock, skip, take):
    with pytest.raises(ValueError):
        client.get_user_offers(USER_ID, culture="en-US", skip=skip, take=take)
    with pytest.raises(ValueError):
        client.get_point_audit_log(USER_ID, skip=skip, take=take)
    with pytest.raises(ValueError):
        client.get_reward_store_offers(["rs-1"], culture="en-US", skip=skip, take=take)
    assert len(mock.calls) == 0


def test_take_of_1000_is_allowed(client, mock):
    mock.post(f"{OFFERS}/get_user_offers", json={"status": "ok", "payload": {"user_offers": []}})

    page = client.get_user_offers(USER_ID, culture="en-US", take=1000)

    assert sent_json(mock.calls[0])["take"] == 1000
    assert (page.offers, page.total) == ((), 0)


def test_issue_offer(client, mock):
    mock.post(
        f"{OFFERS}/acquisition/issue",
        json={
            "status": "ok",
            "payload": {
                "status_list": [
                    {"user_offer_id": "uo-42", "offer_id": "o-curly", "fail_reason": 0},
                    {"offer_id": "o-curly", "fail_reason": 3},
                ]
            },
        },
    )

    issued = client.issue_offer(USER_ID, "o-curly", quantity=2)

    assert_connect_call(
        mock.calls[0], f"{OFFERS}/acquisition/issue", {"user_id": USER_ID, "offer_id": "o-curly", "quantity": 2}
    )
    assert [(i.user_offer_id, i.fail_reason, i.issued) for i in issued] == [("uo-42", 0, True), (None, 3, False)]


def test_quantity_must_be_positive(client, mock):
    with pytest.raises(ValueError):
        client.issue_offer(USER_ID, "o-curly", quantity=0)
    with pytest.raises(ValueError):
        client.purchase_offer(
            user_id=USER_ID,
            reward_store_id="rs-1",
            reward_store_offer_id="rso-1",
            point_account_ids=["pa-1"],
            culture="en-US",
            quantity=0,
        )
    with pytest.raises(ValueError):
        client.purchase_offer(
            user_id=USER_ID,
            reward_store_id="rs-1",
            reward_store_offer_id="rso-1",
            point_account_ids=[],
            culture="en-US",
        )
    assert len(mock.calls) == 0


def test_redeem_offer_never_forces(client, mock):
    mock.post(f"{OFFERS}/redemption/manual_redeem", json={"status": "ok", "payload": {}})

    assert client.redeem_offer("uo-42") is None

    assert_connect_call(
        mock.calls[0], f"{OFFERS}/redemption/manual_redeem", {"user_offer_id": "uo-42", "force_redeem": False}
    )


def test_get_reward_stores(client, mock):
    mock.post(
        f"{OFFERS}/rewardstores/get_user_reward_stores",
        json={
            "status": "ok",
            "payload": {"reward_stores": [{"id": "rs-1", "name": "Fries Points", "point_account_id": "pa-1"}]},
        },
    )

    stores = client.get_reward_stores(USER_ID)

    assert_connect_call(mock.calls[0], f"{OFFERS}/rewardstores/get_user_reward_stores", {"user_id": USER_ID})
    assert [(s.id, s.name, s.point_account_id) for s in stores] == [("rs-1", "Fries Points", "pa-1")]


STORE_OFFER = {
    "id": "rso-curly",
    "root_offer_id": "o-curly",
    "reward_store_id": "rs-1",
    "price": 500,
    "start_date": "2025-01-01T00:00:00Z",
    "end_date": "2026-01-01T00:00:00Z",
    "offer_details": {
        "title": "Free Curly Fries",
        "description": "One curly fries on us",
        "terms": "One per order",
        "media": [{"uri": "https://cdn.example.com/curly.png"}],
        "pos_discount_id": "D-CURLY",
    },
}


def test_get_reward_store_offers(client, mock):
    mock.post(
        f"{OFFERS}/rewardstores/get_reward_store_offers",
        json={
            "status": "ok",
            "payload": {"reward_store_offers": [STORE_OFFER], "total_rows": 4, "skip": 0, "take": 1},
        },
    )

    page = client.get_reward_store_offers(["rs-1"], culture="es-ES", take=1)

    assert_connect_call(
        mock.calls[0],
        f"{OFFERS}/rewardstores/get_reward_store_offers",
        {
            "reward_store_ids": ["rs-1"],
            "limit_to_only_active": True,
            "exclude_free_offers": False,
            "include_expired": False,
            "skip": 0,
            "take": 1,
            "culture": "es-ES",
        },
    )
    assert (page.total, page.skip, page.take) == (4, 0, 1)
    assert page.offers[0].price == 500


@pytest.mark.parametrize("count", [0, 101])
def test_reward_store_ids_limits(client, mock, count):
    with pytest.raises(ValueError):
        client.get_reward_store_offers([f"rs-{i}" for i in range(count)], culture="en-US")
    assert len(mock.calls) == 0


def test_purchase_offer(client, mock):
    mock.post(
        f"{OFFERS}/rewardstores/purchase_offer",
        json={
            "status": "ok",
            "payload": {
                "user_offer_id": "uo-43",
                "offer_id": "o-curly",
                "reward_store_offer_id": "rso-curly",
                "points_spent": 500,
                "available_points": 80,
            },
        },
    )

    purchase = client.purchase_offer(
        user_id=USER_ID,
        reward_store_id="rs-1",
        reward_store_offer_id="rso-curly",
        point_account_ids=["pa-1"],
        culture="fr-FR",
    )

    # point_account_ids is required (https://docs.sessionm.com/developer/Tasks/Offers/t_purchase_store_offer.htm).
    assert_connect_call(
        mock.calls[0],
        f"{OFFERS}/rewardstores/purchase_offer",
        {
            "user_id": USER_ID,
            "reward_store_id": "rs-1",
            "reward_store_offer_id": "rso-curly",
            "point_account_ids": ["pa-1"],
            "quantity": 1,
            "culture": "fr-FR",
        },
    )
    assert (purchase.user_offer_id, purchase.points_spent, purchase.available_points) == ("uo-43", 500, 80)


@pytest.mark.parametrize(
    ("payload", "user_offer_id"),
    [
        ({}, None),
        ({"user_offer": {"id": "uo-7"}}, "uo-7"),
        ({"user_offers": [{"id": "uo-8", "offer_id": "o-curly"}]}, "uo-8"),
        ({"status_list": [{"user_offer_id": "uo-9", "fail_reason": 0}]}, "uo-9"),
        ({"user_offer_id": {"unexpected": True}, "points_spent": "lots", "available_points": None}, None),
        (None, None),
    ],
)
def test_purchase_answer_is_read_leniently(client, mock, payload, user_offer_id):
    # Whatever the success payload holds, the points are spent: never an error (the answer is not documented).
    mock.post(f"{OFFERS}/rewardstores/purchase_offer", json={"status": "ok", "payload": payload})

    purchase = client.purchase_offer(
        user_id=USER_ID,
        reward_store_id="rs-1",
        reward_store_offer_id="rso-1",
        point_account_ids=["pa"],
        culture="en-US",
    )

    assert purchase.user_offer_id == user_offer_id


def test_get_point_balances(client, mock):
    mock.post(
        f"{INCENTIVES}/1.0/user_points/all_balances",
        json={
            "status": "ok",
            "payload": {
                "summary": {"total_points": 280.0, "life_time_points": 780},
                "details": [
                    {
                        "account_name": "Fries Points",
                        "point_account_id": "pa-1",
                        "available_balance": 280,
                        "life_time_value": 780,
                    }
                ],
            },
        },
    )

    balances = client.get_point_balances(USER_ID)

    assert_connect_call(mock.calls[0], f"{INCENTIVES}/1.0/user_points/all_balances", {"user_id": USER_ID})
    assert (balances.total_points, balances.life_time_points) == (280, 780)
    assert balances.accounts[0].account_name == "Fries Points"


def test_get_point_audit_log(client, mock):
    mock.post(
        f"{INCENTIVES}/2.0/user_points/fetch_point_audit_logs",
        json={
            "status": "ok",
            "payload": {
                "results": [
                    {
                        "id": "al-2",
                        "account_name": "Fries Points",
                        "point_account_id": "pa-1",
                        "modification": -500,
                        "amount_expired": 0,
                        "modification_type": "spend",
                        "point_source_name": "Rewards Store",
                        "time_of_occurrence": "2025-06-04T09:00:00.5Z",
                    }
                ]
            },
        },
    )

    entries = client.get_point_audit_log(USER_ID, skip=20, take=10)

    assert_connect_call(
        mock.calls[0],
        f"{INCENTIVES}/2.0/user_points/fetch_point_audit_logs",
        {"user_id": USER_ID, "skip": 20, "take": 10},
    )
    assert entries[0].modification == -500
    assert entries[0].time_of_occurrence == datetime(2025, 6, 4, 9, 0, 0, 500000, tzinfo=UTC)
    assert entries[0].transaction_id is None


def test_trigger_event(client, mock):
    mock.post(
        f"{INCENTIVES}/1.0/user_events/trigger_user_event",
        json={
            "status": "ok",
            "payload": {
                "user_event": {"id": "ue-9", "time_of_occurrence": "2025-06-04T09:00:00.6829853Z"},
                "event_saved_successfully": True,
                "rules_processed_successfully": True,
                "outcomes": [
                    {"is_outcome_applied": True, "points_awarded": 50},
                    {"is_outcome_applied": False, "points_awarded": 999},
                    {"is_outcome_applied": True},
                ],
            },
        },
    )

    outcome = client.trigger_event(USER_ID, "survey_completed", culture="en-US")

    assert_connect_call(
        mock.calls[0],
        f"{INCENTIVES}/1.0/user_events/trigger_user_event",
        {"user_id": USER_ID, "event_lookup": "survey_completed", "culture": "en-US", "include_progress": False},
    )
    assert outcome.points_awarded == 50
    assert outcome.user_event_id == "ue-9"
    assert outcome.event_saved_successfully is True


def test_money_in_timeline_payload_is_decimal(client, mock):
    # Connect and Core share the wire helpers: an amount sent as a float must not pick up binary noise.
    from apps.sessionm.types import TimelineEvent

    event = TimelineEvent.from_wire({"id": "ev-1", "event_stream_payload": {"kind": "purchase", "amount": 18.2}})

    assert event.amount == Decimal("18.2")
