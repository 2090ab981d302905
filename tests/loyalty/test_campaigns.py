"""GET campaigns and POST campaigns/{campaign_id}/opt-in."""

import pytest
from rest_framework.test import APIClient

from tests.customers import signup

from .conftest import FAKE_USER_ID, bearer_client, url

pytestmark = pytest.mark.django_db


def test_eligible_campaigns_with_progress_and_opt_in_state(api):
    response = api.get(url("campaigns"))

    assert response.status_code == 200
    body = response.json()
    assert body["count"] == 3 and body["next"] is None and body["previous"] is None
    tuesdays = next(c for c in body["results"] if c["name"] == "Mobile Tuesdays: 20% off")
    assert tuesdays["requires_opt_in"] is True
    assert tuesdays["opted_in"] is False
    assert tuesdays["state"] == "available"
    assert tuesdays["progress_percent"] == 0
    assert "TUESDAY20" in tuesdays["description"]
    assert tuesdays["image"].endswith("mobile-tuesdays.svg")
    assert tuesdays["starts_at"].endswith("Z") or "+00:00" in tuesdays["starts_at"]


def test_pages(api):
    first = api.get(url("campaigns"), {"page_size": 2}).json()
    second = api.get(first["next"]).json()

    assert len(first["results"]) == 2 and first["count"] == 3
    assert "page=2" in first["next"] and first["previous"] is None
    assert len(second["results"]) == 1 and second["next"] is None
    assert second["previous"] is not None
    assert {c["id"] for c in first["results"]}.isdisjoint({c["id"] for c in second["results"]})


@pytest.mark.parametrize("params", [{"page": 0}, {"page": "x"}, {"page_size": 51}, {"page_size": 0}])
def test_bad_page_parameters_are_a_400(api, params):
    response = api.get(url("campaigns"), params)

    assert response.status_code == 400
    assert response.json()["error"]["code"] == "invalid"
    assert set(response.json()["error"]["details"]) <= {"page", "page_size"}


def test_in_the_customers_language(db):
    api = bearer_client(signup(language="pt-br"))

    names = {c["name"] for c in api.get(url("campaigns")).json()["results"]}

    assert "Terças no App: 20% de desconto" in names


def test_opt_in(api):
    campaign = next(c for c in api.get(url("campaigns")).json()["results"] if c["name"] == "Large Fries on us")

    response = api.post(url("campaign-opt-in", campaign_id=campaign["id"]))

    assert response.status_code == 200
    assert response.json() == {"campaign_id": campaign["id"], "opted_in": True}
    joined = next(c for c in api.get(url("campaigns")).json()["results"] if c["id"] == campaign["id"])
    assert joined["opted_in"] is True
    # Opting in again changes nothing.
    assert api.post(url("campaign-opt-in", campaign_id=campaign["id"])).status_code == 200


def test_opting_in_to_a_coupon_campaign_puts_the_coupon_in_the_wallet(api):
    campaign = next(c for c in api.get(url("campaigns")).json()["results"] if c["name"].startswith("Mobile Tuesdays"))

    api.post(url("campaign-opt-in", campaign_id=campaign["id"]))

    assert [item["name"] for item in api.get(url("wallet")).json()["results"]] == ["20% off your order"]


def test_an_unknown_campaign_is_a_404(api):
    response = api.post(url("campaign-opt-in", campaign_id="3f1d2c4b-0000-4000-8000-000000000000"))

    assert response.status_code == 404
    assert response.json()["error"]["code"] == "not_found"


def test_an_id_that_cannot_be_one_is_a_404_without_asking_sessionm(api):
    assert api.post("/api/v1/campaigns/%20drop%20table/opt-in").status_code == 404


def test_needs_a_token():
    assert APIClient().get(url("campaigns")).status_code == 401


def test_asks_sessionm_once(sessionm, offline_api):
    sessionm.add("campaigns_eligible", user_id=FAKE_USER_ID, json={"status": "ok", "campaigns": {"tiles": []}})

    assert offline_api.get(url("campaigns")).json() == {"count": 0, "next": None, "previous": None, "results": []}
    assert len(sessionm.calls_to("campaigns_eligible", user_id=FAKE_USER_ID)) == 1
