"""GET wallet ("Ready to Redeem") and POST wallet/{user_offer_id}/redeem."""

import pytest

from tests.customers import signup

from .conftest import FAKE_USER_ID, USER_OFFERS, bearer_client, connect_ok, url

pytestmark = pytest.mark.django_db


def claim(api, code="TUESDAY20") -> dict:
    response = api.post(url("promo-codes"), {"code": code}, format="json")
    assert response.status_code == 201, response.content
    return response.json()


def test_a_new_member_has_an_empty_wallet(api):
    assert api.get(url("wallet")).json() == {"count": 0, "next": None, "previous": None, "results": []}


def test_wallet_items(api):
    claimed = claim(api)

    body = api.get(url("wallet")).json()

    assert body["count"] == 1
    (item,) = body["results"]
    assert item["id"] == claimed["user_offer_id"]
    assert item["offer_id"] == claimed["offer_id"]
    assert item["name"] == "20% off your order"
    assert item["description"].startswith("Mobile Tuesdays")
    assert "30 days" in item["terms"]
    assert item["image"].endswith("mobile-tuesdays-20-off.svg")
    assert item["expires_at"]
    assert item["redeemable"] is True


def test_reading_an_unchanged_wallet_again_makes_one_query_and_writes_nothing(api, django_assert_num_queries):
    claim(api)
    api.get(url("wallet"))  # the ledger learns of the claimed offer

    with django_assert_num_queries(1) as captured:  # the ledger's rows the read speaks of, compared; nothing else
        response = api.get(url("wallet"))

    assert response.status_code == 200
    assert response.json()["count"] == 1
    assert captured.captured_queries[0]["sql"].startswith("SELECT")
    with django_assert_num_queries(0):  # found in line just now, and the same again: not compared again
        assert api.get(url("wallet")).json()["count"] == 1


def test_in_the_customers_language(db):
    api = bearer_client(signup(language="fr"))
    claim(api)

    (item,) = api.get(url("wallet")).json()["results"]

    assert item["name"] == "20 % de réduction sur votre commande"


def test_asks_sessionm_for_exactly_the_page_shown(sessionm, offline_api):
    sessionm.add("user_offers_get", json=USER_OFFERS | {"payload": USER_OFFERS["payload"] | {"total_records": 11}})

    body = offline_api.get(url("wallet"), {"page": 2, "page_size": 5}).json()

    (call,) = sessionm.calls_to("user_offers_get")
    sent = sessionm.body(call)
    assert (sent["skip"], sent["take"]) == (5, 5)
    assert sent["culture"] == "en-US"
    assert sent["user_id"] == FAKE_USER_ID
    assert body["count"] == 11
    assert "page=3" in body["next"]


def test_redeem(api):
    claimed = claim(api)

    response = api.post(url("offer-redeem", user_offer_id=claimed["user_offer_id"]))

    assert response.status_code == 200, response.content
    assert response.json()["offer"]["id"] == claimed["user_offer_id"]
    assert response.json()["offer"]["name"] == "20% off your order"
    assert response.json()["redeemed_at"]
    assert api.get(url("wallet")).json()["results"] == []


def test_redeeming_twice_is_a_409(api):
    claimed = claim(api)
    api.post(url("offer-redeem", user_offer_id=claimed["user_offer_id"]))

    response = api.post(url("offer-redeem", user_offer_id=claimed["user_offer_id"]))

    assert response.status_code == 409
    assert response.json()["error"]["code"] == "offer_not_redeemable"


def test_a_replayed_redeem_answers_the_first_success(api):
    claimed = claim(api)
    headers = {"Idempotency-Key": "redeem-1"}
    first = api.post(url("offer-redeem", user_offer_id=claimed["user_offer_id"]), headers=headers)

    again = api.post(url("offer-redeem", user_offer_id=claimed["user_offer_id"]), headers=headers)

    assert again.status_code == 200
    assert again.json() == first.json()
    assert again["Idempotent-Replayed"] == "true"


def test_another_customers_offer_is_not_found_and_stays_theirs(api, db):
    other = bearer_client(signup(first_name="Bruno"))
    theirs = claim(other)

    response = api.post(url("offer-redeem", user_offer_id=theirs["user_offer_id"]))
    missing = api.post(url("offer-redeem", user_offer_id="3f1d2c4b-0000-4000-8000-000000000000"))

    assert response.status_code == missing.status_code == 404
    assert response.json()["error"] == missing.json()["error"]
    assert [item["id"] for item in other.get(url("wallet")).json()["results"]] == [theirs["user_offer_id"]]


def test_an_offer_no_longer_redeemable_is_a_409_without_asking_to_redeem(sessionm, offline_api):
    offer = USER_OFFERS["payload"]["user_offers"][0] | {"is_redeemable": False}
    sessionm.add("user_offers_get", json=connect_ok({"user_offers": [offer], "total_records": 1}))

    response = offline_api.post(url("offer-redeem", user_offer_id=offer["id"]))

    assert response.status_code == 409
    assert response.json()["error"]["code"] == "offer_not_redeemable"
    assert sessionm.calls_to("offer_redeem") == []


def test_sessionm_refusing_the_redeem_is_a_409(sessionm, offline_api):
    sessionm.add("user_offers_get", json=USER_OFFERS)
    sessionm.add(
        "offer_redeem", json={"status": "error", "errors": {"code": "OFFER_EXPIRED", "message": "offer expired"}}
    )

    response = offline_api.post(url("offer-redeem", user_offer_id="uo-1"))

    assert response.status_code == 409
    assert response.json()["error"]["code"] == "offer_not_redeemable"
    (call,) = sessionm.calls_to("offer_redeem")
    assert sessionm.body(call)["user_offer_id"] == "uo-1"
