"""The SessionM emulator's Connect offers: wallet, issue, redeem, revoke and the Rewards Store."""

from datetime import timedelta

import pytest

from apps.sandbox import demo
from apps.sandbox.sessionm import clock
from apps.sandbox.sessionm.calls import call
from tests.sandbox.connect import answer, ok, refused

pytestmark = pytest.mark.django_db

STORE = demo.REWARD_STORE
CURLY, FIVE_OFF, PULLED_PORK, SNACK_BOX = STORE.offers


def issue(user_id, offer=demo.FREE_CURLY_FRIES, quantity=1):
    payload = ok(call("offer_issue", {"user_id": user_id, "offer_id": offer.id, "quantity": quantity}))
    return [entry["user_offer_id"] for entry in payload["status_list"]]


def wallet(user_id, **body):
    return ok(call("user_offers_get", {"user_id": user_id, **body}))


def deposit(user_id, amount):
    ok(call("points_deposit", {"user_id": user_id, "deposit_details": [{"amount": amount}]}))


def balance(user_id):
    return ok(call("point_balances_get", {"user_id": user_id}))["summary"]["total_points"]


def move_clock(monkeypatch, delta):
    moment = clock.now() + delta
    monkeypatch.setattr(clock, "now", lambda: moment)


# --- Wallet ------------------------------------------------------------------------------------------------
def test_wallet_lists_issued_offers_newest_first_in_the_culture(user_id):
    curly, five_off = issue(user_id), issue(user_id, demo.FIVE_DOLLARS_OFF)
    payload = wallet(user_id, culture="fr-FR")

    assert payload["user_id"] == user_id
    assert payload["user"]["opted_in"] is True
    assert [offer["id"] for offer in payload["user_offers"]] == five_off + curly
    assert (payload["total_records"], payload["available_points"], payload["total_points"]) == (2, 100, 100)
    newest = payload["user_offers"][0]
    assert newest["offer_id"] == newest["root_offer_id"] == demo.FIVE_DOLLARS_OFF.id
    assert newest["name"] == "5 $ de réduction"
    assert newest["terms"].startswith("Valable 30 jours")
    assert newest["is_redeemable"] is True
    assert newest["media"] == [{"uri": demo.FIVE_DOLLARS_OFF.image_url, "category_name": "offer_image"}]
    assert newest["pos_discount_id"] == "FF-5-OFF"
    assert newest["offer_type"] == "coupon"


def test_issued_offers_are_valid_for_30_days(user_id):
    issue(user_id)
    [offer] = wallet(user_id)["user_offers"]
    # Connect's time format: ISO-8601 UTC, 7 fractional digits, Z.
    assert offer["start_date"].endswith("0Z") and len(offer["start_date"]) == 28
    start = clock.parse_stored(offer["start_date"].replace("0Z", "+00:00"))
    end = clock.parse_stored(offer["redemption_end_date"].replace("0Z", "+00:00"))
    assert end - start == timedelta(days=30)


def test_wallet_drops_expired_redeemed_and_revoked_offers(user_id, monkeypatch):
    kept, redeemed, revoked = issue(user_id, quantity=3)
    ok(call("offer_redeem", {"user_offer_id": redeemed}))
    ok(call("offer_revoke", {"user_offer_id": revoked, "reason": "issued by mistake"}))
    assert [offer["id"] for offer in wallet(user_id)["user_offers"]] == [kept]

    move_clock(monkeypatch, timedelta(days=30, seconds=1))
    assert wallet(user_id)["user_offers"] == []
    assert wallet(user_id)["total_records"] == 0


def test_wallet_honours_skip_and_take_and_counts_everything(user_id):
    issued = issue(user_id, quantity=5)
    payload = wallet(user_id, skip=1, take=2)
    assert [offer["id"] for offer in payload["user_offers"]] == list(reversed(issued))[1:3]
    assert payload["total_records"] == 5


@pytest.mark.parametrize(("culture", "name"), [("pt-BR", "Batata curly grátis"), ("es-ES", "Patatas rizadas gratis")])
def test_wallet_texts_in_every_culture(user_id, culture, name):
    issue(user_id)
    assert wallet(user_id, culture=culture)["user_offers"][0]["name"] == name


@pytest.mark.parametrize("culture", [None, "de-DE", "klingon"])
def test_wallet_falls_back_to_english(user_id, culture):
    issue(user_id)
    assert wallet(user_id, culture=culture)["user_offers"][0]["name"] == "Free Curly Fries"


@pytest.mark.parametrize(
    ("body", "fields"),
    [
        ({"take": 1001}, {"take": "must be less than or equal to 1000"}),
        ({"take": 0}, {"take": "must be greater than or equal to 1"}),
        ({"skip": -1}, {"skip": "must be greater than or equal to 0"}),
        ({"skip": "1"}, {"skip": "must be an integer"}),
    ],
)
def test_wallet_paging_is_checked(user_id, body, fields):
    assert refused(call("user_offers_get", {"user_id": user_id, **body}), "validation")["details"] == fields


def test_wallet_of_nobody():
    refused(call("user_offers_get", {"user_id": "nobody"}), "user_not_found", kind="not_found")
    assert refused(call("user_offers_get", {}), "validation")["details"] == {"user_id": "can't be blank"}


# --- Issue -------------------------------------------------------------------------------------------------
def test_issue_answers_one_status_per_offer(user_id):
    payload = ok(call("offer_issue", {"user_id": user_id, "offer_id": demo.FREE_LARGE_FRIES.id, "quantity": 2}))
    assert [entry["offer_id"] for entry in payload["status_list"]] == [demo.FREE_LARGE_FRIES.id] * 2
    assert all(entry["fail_reason"] is None for entry in payload["status_list"])
    assert wallet(user_id)["total_records"] == 2


def test_issue_refusals(user_id):
    refused(call("offer_issue", {"user_id": user_id, "offer_id": "no-such-offer"}), "offer_not_found", kind="not_found")
    refused(
        call("offer_issue", {"user_id": "nobody", "offer_id": demo.FREE_CURLY_FRIES.id}),
        "user_not_found",
        kind="not_found",
    )
    errors = refused(
        call("offer_issue", {"user_id": user_id, "offer_id": demo.FREE_CURLY_FRIES.id, "quantity": 0}), "validation"
    )
    assert errors["details"] == {"quantity": "must be greater than or equal to 1"}
    assert wallet(user_id)["total_records"] == 0


# --- Redeem and revoke -------------------------------------------------------------------------------------
def test_redeem_once(user_id):
    [user_offer_id] = issue(user_id)
    payload = ok(call("offer_redeem", {"user_offer_id": user_offer_id, "force_redeem": False}))
    assert (payload["user_offer_id"], payload["status"]) == (user_offer_id, "redeemed")
    assert payload["redeemed_at"].endswith("Z")

    refused(call("offer_redeem", {"user_offer_id": user_offer_id}), "offer_already_redeemed")
    kinds = [
        e["event_stream_payload"]["kind"]
        for e in answer(call("timeline_get", user_id=user_id, view="END_USER_MEMBER_STATEMENT"))[1]["result"]
    ]
    assert kinds[-2:] == ["offer_issued", "offer_redeemed"]  # oldest first


def test_redeem_an_expired_offer(user_id, monkeypatch):
    [user_offer_id] = issue(user_id)
    move_clock(monkeypatch, timedelta(days=31))
    refused(call("offer_redeem", {"user_offer_id": user_offer_id}), "offer_expired")
    # force_redeem lets the till honour it anyway.
    ok(call("offer_redeem", {"user_offer_id": user_offer_id, "force_redeem": True}))


def test_redeem_a_revoked_or_unknown_offer(user_id):
    [user_offer_id] = issue(user_id)
    ok(call("offer_revoke", {"user_offer_id": user_offer_id, "reason": "fraud"}))
    refused(call("offer_redeem", {"user_offer_id": user_offer_id, "force_redeem": True}), "offer_not_redeemable")
    refused(call("offer_redeem", {"user_offer_id": "no-such-item"}), "user_offer_not_found", kind="not_found")
    assert refused(call("offer_redeem", {}), "validation")["details"] == {"user_offer_id": "can't be blank"}


def test_revoke(user_id):
    first, second = issue(user_id, quantity=2)
    payload = ok(call("offer_revoke", {"user_offer_id": first, "reason": "issued by mistake"}))
    assert (payload["user_offer_id"], payload["status"]) == (first, "revoked")
    refused(call("offer_revoke", {"user_offer_id": first, "reason": "again"}), "offer_already_revoked")

    ok(call("offer_redeem", {"user_offer_id": second}))
    refused(call("offer_revoke", {"user_offer_id": second, "reason": "too late"}), "offer_already_redeemed")
    assert refused(call("offer_revoke", {"user_offer_id": second}), "validation")["details"] == {
        "reason": "can't be blank"
    }
    refused(call("offer_revoke", {"user_offer_id": "nope", "reason": "x"}), "user_offer_not_found", kind="not_found")


def test_a_deleted_customers_offers_are_gone(user_id):
    [user_offer_id] = issue(user_id)
    call("privacy_forget_request", {"privacy_request": {"request_type": "forget"}}, user_id=user_id)
    refused(call("offer_redeem", {"user_offer_id": user_offer_id}), "user_offer_not_found", kind="not_found")


# --- Rewards Store -----------------------------------------------------------------------------------------
def test_reward_stores(user_id):
    payload = ok(call("reward_stores_get", {"user_id": user_id}))
    assert payload["reward_stores"] == [
        {"id": STORE.id, "name": "Fries Points", "point_account_id": demo.POINT_ACCOUNT.id}
    ]
    refused(call("reward_stores_get", {"user_id": "nobody"}), "user_not_found", kind="not_found")


def test_reward_store_offers_with_prices_and_texts():
    payload = ok(call("reward_store_offers_get", {"reward_store_ids": [STORE.id], "culture": "pt-BR"}))

    assert [(row["id"], row["price"]) for row in payload["reward_store_offers"]] == [
        (CURLY.id, 500),
        (FIVE_OFF.id, 700),
        (PULLED_PORK.id, 900),
        (SNACK_BOX.id, 1200),
    ]
    assert (payload["total_rows"], payload["skip"], payload["take"]) == (4, 0, 100)
    curly = payload["reward_store_offers"][0]
    assert curly["root_offer_id"] == demo.FREE_CURLY_FRIES.id and curly["reward_store_id"] == STORE.id
    assert curly["offer_details"]["title"] == "Batata curly grátis"
    assert curly["offer_details"]["media"][0]["uri"] == demo.FREE_CURLY_FRIES.image_url
    assert curly["offer_details"]["pos_discount_id"] == "FF-FREE-CURLY"


def test_reward_store_offers_sort_and_page():
    body = {
        "reward_store_ids": [STORE.id],
        "sort_column": "internal_name",
        "sort_direction": "desc",
        "skip": 1,
        "take": 2,
    }
    payload = ok(call("reward_store_offers_get", body))
    # Internal names descending: free-snack-box, free-pulled-pork-fries, free-curly-fries, five-dollars-off.
    assert [row["id"] for row in payload["reward_store_offers"]] == [PULLED_PORK.id, CURLY.id]
    assert payload["total_rows"] == 4


def test_reward_store_offers_of_unknown_stores_are_empty():
    payload = ok(call("reward_store_offers_get", {"reward_store_ids": ["no-such-store"]}))
    assert (payload["reward_store_offers"], payload["total_rows"]) == ([], 0)


@pytest.mark.parametrize(
    ("body", "fields"),
    [
        ({}, {"reward_store_ids": "can't be blank"}),
        ({"reward_store_ids": []}, {"reward_store_ids": "can't be blank"}),
        ({"reward_store_ids": ["s"] * 101}, {"reward_store_ids": "is too long (maximum is 100 entries)"}),
        (
            {"reward_store_ids": [STORE.id], "sort_column": "price"},
            {"sort_column": "must be one of: internal_name, start_date, end_date"},
        ),
        ({"reward_store_ids": [STORE.id], "take": 5000}, {"take": "must be less than or equal to 1000"}),
    ],
)
def test_reward_store_offers_arguments_are_checked(body, fields):
    assert refused(call("reward_store_offers_get", body), "validation")["details"] == fields


def purchase(user_id, offer=CURLY, **extra):
    body = {
        "user_id": user_id,
        "reward_store_id": STORE.id,
        "reward_store_offer_id": offer.id,
        "point_account_ids": [demo.POINT_ACCOUNT.id],
        "culture": "en-US",
    }
    return call("reward_store_purchase", {**body, **extra})


def test_purchase_spends_points_and_issues_the_offer(user_id):
    deposit(user_id, 500)
    payload = ok(purchase(user_id))

    assert payload["offer_id"] == demo.FREE_CURLY_FRIES.id
    assert payload["reward_store_offer_id"] == CURLY.id
    assert (payload["points_spent"], payload["available_points"]) == (500, 100)
    [offer] = wallet(user_id)["user_offers"]
    assert offer["id"] == payload["user_offer_id"]
    assert balance(user_id) == 100
    audit = ok(call("point_audit_logs_get", {"user_id": user_id}))["results"][0]
    assert (audit["modification"], audit["modification_type"]) == (-500, "spend")
    assert audit["point_source_name"] == "Rewards Store: Free Curly Fries"


def test_purchase_with_too_few_points_spends_nothing(user_id):
    deposit(user_id, 399)  # 499 with the welcome bonus
    refused(purchase(user_id), "insufficient_points")
    assert balance(user_id) == 499
    assert wallet(user_id)["total_records"] == 0
    assert len(ok(call("point_audit_logs_get", {"user_id": user_id}))["results"]) == 2


def test_purchase_several(user_id):
    deposit(user_id, 1400)
    payload = ok(purchase(user_id, offer=FIVE_OFF, quantity=2))
    assert (payload["points_spent"], payload["available_points"]) == (1400, 100)
    assert len(payload["user_offer_ids"]) == 2 and payload["user_offer_id"] == payload["user_offer_ids"][0]
    assert wallet(user_id)["total_records"] == 2


def test_purchase_refusals(user_id):
    deposit(user_id, 5000)
    refused(purchase(user_id, reward_store_offer_id="no-such-offer"), "reward_store_offer_not_found", kind="not_found")
    refused(purchase(user_id, reward_store_id="no-such-store"), "reward_store_offer_not_found", kind="not_found")
    refused(purchase("nobody"), "user_not_found", kind="not_found")
    errors = refused(purchase(user_id, point_account_ids=["another-account"]), "validation")
    assert errors["details"] == {"point_account_ids": "must include the reward store's point account"}
    # SessionM requires the point account(s) to spend from
    # (https://docs.sessionm.com/developer/Tasks/Offers/t_purchase_store_offer.htm).
    without = {"user_id": user_id, "reward_store_id": STORE.id, "reward_store_offer_id": CURLY.id}
    assert set(refused(call("reward_store_purchase", without), "validation")["details"]) == {"point_account_ids"}
    for missing in ({"point_account_ids": None}, {"point_account_ids": []}, {"point_account_ids": [""]}):
        errors = refused(purchase(user_id, **missing), "validation")
        assert set(errors["details"]) == {"point_account_ids"}
    assert balance(user_id) == 5100
    ok(purchase(user_id))
