"""The SessionM emulator's Core activity: timeline pages, eligible campaigns, opt-ins and promo codes."""

import json
from datetime import timedelta

import pytest

from apps.sandbox import demo
from apps.sandbox.sessionm import clock
from apps.sandbox.sessionm.calls import call

pytestmark = pytest.mark.django_db

VIEW = "END_USER_MEMBER_STATEMENT"


def answer(response):
    return response.status, json.loads(response.encode())


def refused(response, code, status=200):
    got_status, body = answer(response)
    assert (got_status, body["status"], body["errors"]["code"]) == (status, "error", code), body
    return body["errors"]


@pytest.fixture
def user_id():
    _, body = answer(call("user_create", {"user": {"external_id": "ext-amanda", "email": "amanda@example.com"}}))
    return body["user"]["id"]


def timeline(user_id, **query):
    status, body = answer(call("timeline_get", query=query, user_id=user_id, view=VIEW))
    assert status == 200, body
    return body


def wallet(user_id, culture="en-US"):
    _, body = answer(call("user_offers_get", {"user_id": user_id, "culture": culture}))
    return body["payload"]["user_offers"]


def campaigns(user_id):
    status, body = answer(call("campaigns_eligible", user_id=user_id))
    assert status == 200, body
    return {tile["campaign_id"]: tile for tile in body["campaigns"]["tiles"]}


# --- Timeline ----------------------------------------------------------------------------------------------
def test_timeline_is_oldest_first_with_core_times_and_event_types_and_no_ids(user_id):
    # The documented event shape (https://docs.sessionm.com/developer/APIs/Core/Customers/customers_timeline.htm)
    # promises no "id": the emulator sends none, so nothing in the BFF can depend on one.
    call("user_event_trigger", {"user_id": user_id, "event_lookup": "survey_completed"})
    body = timeline(user_id)

    kinds = [event["event_stream_payload"]["kind"] for event in body["result"]]
    assert kinds == ["welcome_bonus", "event_reward"]
    newest = body["result"][-1]
    assert "id" not in newest
    assert newest["event_stream_payload"] == {
        "kind": "event_reward",
        "title": "Survey completed: 50 points",
        "points": 50,
        "event": "survey_completed",
    }
    assert newest["event_stream_event_type_id"] == demo.TIMELINE_EVENT_TYPES["event_reward"].id
    assert len(newest["timestamp"]) == 19 and newest["timestamp"] == newest["created_at"]
    assert body["count"] == 2
    assert {"id": 1, "name": "Welcome bonus", "slug": "welcome_bonus"} in body["event_types"]


def test_timeline_since_is_a_timestamp_asking_for_later_events(monkeypatch, user_id):
    # "The since parameter value, which is a timestamp, can be used to query for subsequent events. If no
    # value is passed, all events are returned." (https://docs.sessionm.com/developer/Tasks/Customers/t_get_timeline.htm)
    start = clock.now()
    for minutes, lookup in ((1, "survey_completed"), (2, "app_review")):
        monkeypatch.setattr(clock, "now", lambda minutes=minutes: start + timedelta(minutes=minutes))
        call("user_event_trigger", {"user_id": user_id, "event_lookup": lookup})
    everything = timeline(user_id, count=10)["result"]
    assert [event["event_stream_payload"]["kind"] for event in everything] == ["welcome_bonus"] + ["event_reward"] * 2

    first = timeline(user_id, count=2)["result"]
    later = timeline(user_id, count=2, since=first[-1]["timestamp"])["result"]
    assert first + later == everything
    assert timeline(user_id, since=everything[-1]["timestamp"])["result"] == []


def test_timeline_filters_by_event_type_slug_or_id(user_id):
    call("user_event_trigger", {"user_id": user_id, "event_lookup": "survey_completed"})
    by_slug = timeline(user_id, event_types="welcome_bonus")["result"]
    by_id = timeline(user_id, event_types=[str(demo.TIMELINE_EVENT_TYPES["event_reward"].id)])["result"]
    both = timeline(user_id, event_types="welcome_bonus,event_reward")["result"]

    assert [event["event_stream_payload"]["kind"] for event in by_slug] == ["welcome_bonus"]
    assert [event["event_stream_payload"]["kind"] for event in by_id] == ["event_reward"]
    assert len(both) == 2


@pytest.mark.parametrize(
    ("query", "fields"),
    [
        ({"count": "0"}, {"count": "must be greater than or equal to 1"}),
        ({"count": "1001"}, {"count": "must be less than or equal to 1000"}),
        ({"count": "ten"}, {"count": "must be an integer"}),
        ({"since": "not-a-time"}, {"since": "must be a timestamp (YYYY-MM-DD HH:MM:SS)"}),
        ({"event_types": "lottery"}, {"event_types": "unknown event type: lottery"}),
    ],
)
def test_timeline_arguments_are_checked(user_id, query, fields):
    errors = refused(call("timeline_get", query=query, user_id=user_id, view=VIEW), "argument_error")
    assert errors["details"] == fields


def test_timeline_of_an_unknown_view_or_user_is_404(user_id):
    refused(call("timeline_get", user_id=user_id, view="SOMETHING_ELSE"), "not_found", status=404)
    refused(call("timeline_get", user_id="nobody", view=VIEW), "user_not_found", status=404)


def test_timeline_titles_speak_the_customers_language(user_id):
    call("user_update", {"user": {"locale": "pt-br"}}, user_id=user_id)
    [event] = timeline(user_id)["result"]
    assert event["event_stream_payload"]["title"] == "Bônus de boas-vindas: 100 pontos"


# --- Eligible campaigns ------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "route", ["campaigns_eligible_v1", "campaigns_eligible_external", "campaigns_eligible_external_v1"]
)
def test_the_v1_v2_and_external_campaign_paths_answer_alike(user_id, route):
    # The messaging example lists /priv/v1/.../users/:user_id/campaigns and the external-id form
    # (https://docs.sessionm.com/developer/APIs/Core/Campaigns/campaigns_api.htm).
    expected = campaigns(user_id)
    who = {"external_id": "ext-amanda"} if "external" in route else {"user_id": user_id}
    status, body = answer(call(route, **who))
    assert status == 200
    assert {tile["campaign_id"]: tile for tile in body["campaigns"]["tiles"]} == expected


def test_eligible_campaigns_carry_progress_and_texts(user_id):
    tiles = campaigns(user_id)

    assert set(tiles) == set(demo.CAMPAIGNS)
    tuesday = tiles[demo.MOBILE_TUESDAYS.id]
    assert tuesday["name"] == "Mobile Tuesdays: 20% off"
    assert tuesday["custom_payload"] == {
        "requires_opt_in": True,
        "reward_offer_id": demo.TUESDAY_COUPON.id,
        "promo_code": "TUESDAY20",
    }
    assert tuesday["progress"] == {"state": "available", "opted_in": False, "percent": 0}
    assert tuesday["template"]["message"]["header"] == "Mobile Tuesdays: 20% off"
    assert tuesday["template"]["message"]["image_url"].endswith("/campaigns/mobile-tuesdays.svg")
    assert len(tuesday["start_date"]) == 19
    assert tiles[demo.SNACK_BOX_SATURDAY.id]["custom_payload"]["requires_opt_in"] is False


@pytest.mark.parametrize(
    ("locale", "name"),
    [
        ("pt-br", "Terças no App: 20% de desconto"),
        ("es-es", "Martes móviles: 20 % de descuento"),
        ("fr-fr", "Mardis mobiles : 20 % de réduction"),
        ("de-de", "Mobile Tuesdays: 20% off"),
    ],
)
def test_campaign_texts_follow_the_profile_locale(user_id, locale, name):
    call("user_update", {"user": {"locale": locale}}, user_id=user_id)
    assert campaigns(user_id)[demo.MOBILE_TUESDAYS.id]["name"] == name


def test_no_active_campaign_is_its_own_error(user_id, monkeypatch):
    monkeypatch.setattr(demo, "CAMPAIGNS", {})
    refused(call("campaigns_eligible", user_id=user_id), "no_active_campaign_found")


def test_eligible_campaigns_of_an_unknown_user():
    refused(call("campaigns_eligible", user_id="nobody"), "user_not_found", status=404)


def test_all_campaigns_are_paged():
    status, body = answer(call("campaigns_all"))
    assert status == 200
    assert (body["page"], body["page_size"], body["number_of_pages"]) == (1, 20, 1)
    assert [c["campaign_id"] for c in body["campaigns"]] == list(demo.CAMPAIGNS)
    assert "progress" not in body["campaigns"][0]

    _, body = answer(call("campaigns_all", query={"page": "2"}))
    assert body["campaigns"] == []
    refused(call("campaigns_all", query={"page": "0"}), "argument_error")


# --- Opt-in ------------------------------------------------------------------------------------------------
def test_opting_in_to_mobile_tuesdays_issues_the_coupon_once(user_id):
    status, body = answer(call("campaign_opt_in", user_id=user_id, campaign_id=demo.MOBILE_TUESDAYS.id))

    assert status == 200 and body["status"] == "ok"
    assert body["campaign"]["campaign_id"] == demo.MOBILE_TUESDAYS.id
    assert body["campaign"]["progress"] == {"state": "completed", "opted_in": True, "percent": 100}
    [coupon] = wallet(user_id)
    assert coupon["offer_id"] == demo.TUESDAY_COUPON.id

    # Opting in again is harmless: still opted in, no second coupon.
    status, again = answer(call("campaign_opt_in", user_id=user_id, campaign_id=demo.MOBILE_TUESDAYS.id))
    assert status == 200 and again["campaign"]["progress"]["opted_in"] is True
    assert len(wallet(user_id)) == 1
    kinds = [event["event_stream_payload"]["kind"] for event in timeline(user_id)["result"]]
    assert kinds == ["welcome_bonus", "campaign_opt_in", "offer_issued"]


def test_opting_in_to_large_fries_waits_for_the_order(user_id):
    _, body = answer(call("campaign_opt_in", user_id=user_id, campaign_id=demo.LARGE_FRIES_ON_US.id))
    assert body["campaign"]["progress"] == {"state": "opted_in", "opted_in": True, "percent": 0}
    assert wallet(user_id) == []
    assert campaigns(user_id)[demo.LARGE_FRIES_ON_US.id]["progress"]["state"] == "opted_in"


def test_a_campaign_without_opt_in_refuses_one(user_id):
    refused(call("campaign_opt_in", user_id=user_id, campaign_id=demo.SNACK_BOX_SATURDAY.id), "not_available")


def test_opt_in_to_an_unknown_campaign_or_for_an_unknown_user(user_id):
    refused(call("campaign_opt_in", user_id=user_id, campaign_id="no-such-campaign"), "not_found", status=404)
    refused(
        call("campaign_opt_in", user_id="nobody", campaign_id=demo.MOBILE_TUESDAYS.id), "user_not_found", status=404
    )


# --- Promo codes -------------------------------------------------------------------------------------------
def test_tuesday20_grants_the_coupon_once(user_id):
    status, body = answer(call("promo_code_claim", {"promo_code": {"code": "tuesday20"}}, user_id=user_id))

    assert status == 200
    claim = body["promo_code"]
    assert (claim["code"], claim["offer_id"]) == ("TUESDAY20", demo.TUESDAY_COUPON.id)
    [coupon] = wallet(user_id)
    assert coupon["id"] == claim["user_offer_id"]
    assert timeline(user_id)["result"][-2]["event_stream_payload"]["title"] == "Promo code TUESDAY20 claimed"

    refused(
        call("promo_code_claim", {"promo_code": {"code": "TUESDAY20"}}, user_id=user_id), "promo_code_already_claimed"
    )
    assert len(wallet(user_id)) == 1


def test_an_unknown_promo_code_is_invalid(user_id):
    refused(call("promo_code_claim", {"promo_code": {"code": "FREEFRIES"}}, user_id=user_id), "promo_code_invalid")


def test_a_promo_code_after_its_campaign_ended_is_invalid(user_id, monkeypatch):
    monkeypatch.setattr(clock, "now", lambda: demo.MOBILE_TUESDAYS.end)
    refused(call("promo_code_claim", {"promo_code": {"code": "TUESDAY20"}}, user_id=user_id), "promo_code_invalid")


def test_a_promo_code_claim_needs_a_code(user_id):
    errors = refused(call("promo_code_claim", {"promo_code": {}}, user_id=user_id), "validation")
    assert errors["details"] == {"promo_code.code": "can't be blank"}
    refused(call("promo_code_claim", {"promo_code": {"code": "TUESDAY20"}}, user_id="nobody"), "user_not_found", 404)
