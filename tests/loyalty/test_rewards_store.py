"""GET rewards-store and POST rewards-store/{offer_id}/purchase."""

import pytest

from tests.customers import signup

from .conftest import BALANCES, FAKE_USER_ID, bearer_client, connect_ok, record_transaction, url

pytestmark = pytest.mark.django_db

STORE_ID = "rs-1"


def catalogue(*prices: int) -> dict:
    offers = [
        {
            "id": f"rso-{price}",
            "root_offer_id": f"of-{price}",
            "reward_store_id": STORE_ID,
            "price": price,
            "offer_details": {"title": f"Reward {price}", "description": "", "terms": ""},
        }
        for price in prices
    ]
    return connect_ok({"reward_store_offers": offers, "total_rows": len(offers)})


def stock_store(sessionm, *prices: int):
    sessionm.add("reward_stores_get", json=connect_ok({"reward_stores": [{"id": STORE_ID, "name": "Fries Points"}]}))
    sessionm.add("reward_store_offers_get", json=catalogue(*prices))
    sessionm.add("point_balances_get", json=BALANCES)  # 180 available


def test_offers_with_price_and_whether_affordable(api):
    body = api.get(url("rewards-store")).json()

    assert body["count"] == 4
    assert [(item["name"], item["price"], item["affordable"]) for item in body["results"]] == [
        ("Free Curly Fries", 500, False),
        ("$5 off", 700, False),
        ("Free Pulled Pork Fries", 900, False),
        ("Free Snack Box", 1200, False),
    ]
    assert all(item["description"] and item["terms"] and item["image"] for item in body["results"])


def test_affordable_follows_the_balance(api, customer):
    record_transaction(customer, [("FF-PULLED-PORK", 4, "10.00"), ("FF-LARGE", 1, "4.50")])  # +445: 545

    items = {item["name"]: item["affordable"] for item in api.get(url("rewards-store")).json()["results"]}

    assert items == {
        "Free Curly Fries": True,
        "$5 off": False,
        "Free Pulled Pork Fries": False,
        "Free Snack Box": False,
    }


def test_in_the_customers_language(db):
    api = bearer_client(signup(language="es"))

    names = [item["name"] for item in api.get(url("rewards-store")).json()["results"]]

    assert "Patatas rizadas gratis" in names


def test_the_catalogue_is_shared_for_a_minute_per_culture(sessionm, offline_api):
    stock_store(sessionm, 100, 200)

    first = offline_api.get(url("rewards-store")).json()
    second = offline_api.get(url("rewards-store")).json()

    assert first == second
    assert [(i["price"], i["affordable"]) for i in first["results"]] == [(100, True), (200, False)]
    assert len(sessionm.calls_to("reward_store_offers_get")) == 1
    assert len(sessionm.calls_to("reward_stores_get")) == 1
    # The balance is the customer's own: asked every time.
    assert len(sessionm.calls_to("point_balances_get")) == 2


def test_asks_sessionm_for_exactly_the_page_shown(sessionm, offline_api):
    stock_store(sessionm, 100)

    offline_api.get(url("rewards-store"), {"page": 3, "page_size": 10})

    (call,) = sessionm.calls_to("reward_store_offers_get")
    sent = sessionm.body(call)
    assert (sent["skip"], sent["take"]) == (20, 10)
    assert sent["reward_store_ids"] == [STORE_ID]
    assert sent["culture"] == "en-US"


def test_purchase(api, customer):
    record_transaction(customer, [("FF-PULLED-PORK", 4, "10.00")])  # +400: 500
    curly = next(i for i in api.get(url("rewards-store")).json()["results"] if i["name"] == "Free Curly Fries")

    response = api.post(url("reward-purchase", offer_id=curly["id"]))

    assert response.status_code == 201, response.content
    body = response.json()
    assert body["points_spent"] == 500
    assert body["available_points"] == 0
    assert body["wallet_item"]["name"] == "Free Curly Fries"
    assert body["wallet_item"]["redeemable"] is True
    assert [item["id"] for item in api.get(url("wallet")).json()["results"]] == [body["wallet_item"]["id"]]


def test_too_few_points_is_a_409_and_spends_nothing(api):
    curly = next(i for i in api.get(url("rewards-store")).json()["results"] if i["name"] == "Free Curly Fries")

    response = api.post(url("reward-purchase", offer_id=curly["id"]))

    assert response.status_code == 409
    assert response.json()["error"]["code"] == "insufficient_points"
    assert api.get(url("points")).json()["available"] == 100
    assert api.get(url("wallet")).json()["results"] == []


def test_an_unknown_offer_is_a_404(api):
    response = api.post(url("reward-purchase", offer_id="3f1d2c4b-0000-4000-8000-000000000000"))

    assert response.status_code == 404
    assert response.json()["error"]["code"] == "not_found"


def test_a_replayed_purchase_buys_once(api, customer):
    record_transaction(customer, [("FF-PULLED-PORK", 10, "10.00")])  # +1000: 1100
    curly = next(i for i in api.get(url("rewards-store")).json()["results"] if i["name"] == "Free Curly Fries")
    headers = {"Idempotency-Key": "buy-curly-1"}

    first = api.post(url("reward-purchase", offer_id=curly["id"]), headers=headers)
    again = api.post(url("reward-purchase", offer_id=curly["id"]), headers=headers)

    assert first.status_code == again.status_code == 201
    assert again.json() == first.json()
    assert api.get(url("points")).json()["available"] == 600
    assert len(api.get(url("wallet")).json()["results"]) == 1


def test_purchase_names_the_offers_store(sessionm, offline_api):
    stock_store(sessionm, 100)
    sessionm.add(
        "reward_store_purchase",
        json=connect_ok({"user_offer_id": "uo-9", "offer_id": "of-1", "points_spent": 100, "available_points": 80}),
    )

    response = offline_api.post(url("reward-purchase", offer_id="rso-100"))

    assert response.status_code == 201
    (call,) = sessionm.calls_to("reward_store_purchase")
    sent = sessionm.body(call)
    assert sent["user_id"] == FAKE_USER_ID
    assert (sent["reward_store_id"], sent["reward_store_offer_id"]) == (STORE_ID, "rso-100")
    assert response.json()["wallet_item"]["id"] == "uo-9"


def test_purchase_spends_from_the_stores_point_account(sessionm, offline_api):
    # "must contain the GUID for a point account" (https://docs.sessionm.com/developer/Tasks/Offers/t_purchase_store_offer.htm)
    sessionm.add(
        "reward_stores_get",
        json=connect_ok({"reward_stores": [{"id": STORE_ID, "name": "Fries Points", "point_account_id": "pa-store"}]}),
    )
    sessionm.add("reward_store_offers_get", json=catalogue(100))
    sessionm.add("reward_store_purchase", json=connect_ok({"user_offer_id": "uo-9", "points_spent": 100}))

    assert offline_api.post(url("reward-purchase", offer_id="rso-100")).status_code == 201

    (call,) = sessionm.calls_to("reward_store_purchase")
    assert sessionm.body(call)["point_account_ids"] == ["pa-store"]
    assert sessionm.calls_to("point_balances_get") == []


def test_a_store_without_an_account_spends_from_the_customers_accounts(sessionm, offline_api):
    stock_store(sessionm, 100)  # the store names no point account: all_balances does, as SessionM advises
    sessionm.add("reward_store_purchase", json=connect_ok({"user_offer_id": "uo-9", "points_spent": 100}))

    assert offline_api.post(url("reward-purchase", offer_id="rso-100")).status_code == 201

    (call,) = sessionm.calls_to("reward_store_purchase")
    assert sessionm.body(call)["point_account_ids"] == ["pa-1"]


def test_an_answer_without_the_new_offer_is_still_a_purchase_never_an_error(sessionm, offline_api):
    # The points are spent once SessionM answers ok: the new wallet item is found in the wallet instead.
    stock_store(sessionm, 100)
    sessionm.add("reward_store_purchase", json=connect_ok({"status": "done"}))
    issued = {"id": "uo-new", "offer_id": "of-100", "name": "Offer 100", "is_redeemable": True}
    sessionm.add("user_offers_get", json=connect_ok({"user_offers": [issued], "total_records": 1}))

    response = offline_api.post(url("reward-purchase", offer_id="rso-100"))

    assert response.status_code == 201
    body = response.json()
    assert body["wallet_item"]["id"] == "uo-new"
    assert body["points_spent"] == 100  # the catalogue's price when SessionM does not say


def test_an_answer_naming_nothing_and_a_wallet_not_showing_it_yet_is_a_purchase_too(sessionm, offline_api):
    stock_store(sessionm, 100)
    sessionm.add("reward_store_purchase", json=connect_ok(None))
    sessionm.add("user_offers_get", status=503, json={"status": "error", "errors": {"code": "busy"}})

    response = offline_api.post(url("reward-purchase", offer_id="rso-100"))

    assert response.status_code == 201
    assert response.json()["wallet_item"]["id"] is None
