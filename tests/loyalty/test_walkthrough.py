"""The Fancy Fries walk-through, only through the public API (against the in-process sandbox).

Amanda signs up, reviews the campaigns, opts in to "Large Fries on us", shows her member code at the
counter where the till rings up pulled pork fries and curly fries for $18, earns 180 points and finds "Free
Large Fries" in her wallet, valid 30 days. She earns more until she can buy "Free Curly Fries" (500 points)
in the Rewards Store, buys it, redeems it at the counter, and sees all of it in her activity log and point
history. Her phone never reports a purchase: the till does, signed with its own key.
"""

from datetime import datetime, timedelta

import pytest
from rest_framework.test import APIClient

from tests.till import pos_client, post_signed
from tests.till import sale as till_sale

from .conftest import url


def by_name(items: list[dict], name: str) -> dict:
    matches = [item for item in items if item["name"] == name]
    assert len(matches) == 1, f"{name!r} not once in {[item['name'] for item in items]}"
    return matches[0]


def moment(value: str) -> datetime:
    return datetime.fromisoformat(value)


# The home screen's calls run on pool threads, which see only committed data.
@pytest.mark.django_db(transaction=True)
def test_amanda_walks_through_the_program():
    pos_client()  # the counter's till, set up by staff in the admin
    app = APIClient()

    # 1. Signs up.
    signup = app.post(
        url("signup"),
        {"email": "amanda@example.com", "password": "Crispy-Golden-42", "first_name": "Amanda", "language": "en"},
        format="json",
    )
    assert signup.status_code == 201, signup.content
    app.credentials(HTTP_AUTHORIZATION=f"Bearer {signup.json()['access']}")
    home = app.get(url("home")).json()
    assert home["points"]["available"] == 100  # the welcome bonus

    # 2. Reviews the campaigns: three, none joined yet.
    campaigns = app.get(url("campaigns")).json()
    assert campaigns["count"] == 3
    assert {c["name"] for c in campaigns["results"]} == {
        "Mobile Tuesdays: 20% off",
        "Snack Box Saturday",
        "Large Fries on us",
    }
    large_fries = by_name(campaigns["results"], "Large Fries on us")
    assert large_fries["requires_opt_in"] and not large_fries["opted_in"]

    # 3. Opts in to "Large Fries on us".
    opt_in = app.post(url("campaign-opt-in", campaign_id=large_fries["id"]))
    assert opt_in.status_code == 200, opt_in.content
    assert opt_in.json() == {"campaign_id": large_fries["id"], "opted_in": True}
    assert by_name(app.get(url("campaigns")).json()["results"], "Large Fries on us")["opted_in"] is True

    # 4. At the counter she shows her member code; the till rings up pulled pork fries ($10) and curly
    #    fries ($8): $18, 180 points.
    card = app.get(url("member-code"))
    assert card.status_code == 200, card.content
    sale = post_signed(
        till_sale([("FF-PULLED-PORK", 1, "10.00"), ("FF-CURLY", 1, "8.00")], member_code=card.json()["code"])
    )
    assert sale.status_code == 202, sale.content
    assert sale.json()["subtotal"] == "18.00"
    assert sale.json()["channel"] == "POS"
    points = app.get(url("points")).json()
    assert points["available"] == 280
    assert points["tier"]["name"] == "Bronze" and points["tier"]["points"] == 180
    assert points["tier"]["next_name"] == "Silver" and points["tier"]["points_to_next"] == 1320

    # 5. "Free Large Fries" is in her wallet, valid for 30 days.
    wallet = app.get(url("wallet")).json()
    large = by_name(wallet["results"], "Free Large Fries")
    assert large["redeemable"] is True
    validity = moment(large["expires_at"]) - moment(sale.json()["opened_at"])
    assert timedelta(days=30) <= validity < timedelta(days=30, minutes=1)

    # 6. Not enough points yet for "Free Curly Fries" (500).
    store = app.get(url("rewards-store")).json()
    curly = by_name(store["results"], "Free Curly Fries")
    assert curly["price"] == 500 and curly["affordable"] is False
    refused = app.post(url("reward-purchase", offer_id=curly["id"]))
    assert refused.status_code == 409
    assert refused.json()["error"]["code"] == "insufficient_points"

    # 7. Earns more on her next visit (a new member code: each is good for one purchase): $24.50 is 245
    #    points, 525 in all.
    used = post_signed(till_sale([("FF-LARGE", 1, "4.50")], member_code=card.json()["code"]))
    assert used.status_code == 422 and used.json()["error"]["code"] == "member_code_used"
    code = app.get(url("member-code")).json()["code"]
    more = post_signed(till_sale([("FF-PULLED-PORK", 2, "10.00"), ("FF-LARGE", 1, "4.50")], member_code=code))
    assert more.status_code == 202, more.content
    curly = by_name(app.get(url("rewards-store")).json()["results"], "Free Curly Fries")
    assert curly["affordable"] is True

    # 8. Buys "Free Curly Fries": it lands in her wallet, 25 points are left.
    bought = app.post(url("reward-purchase", offer_id=curly["id"]), headers={"Idempotency-Key": "curly-1"})
    assert bought.status_code == 201, bought.content
    assert bought.json()["points_spent"] == 500
    assert bought.json()["available_points"] == 25
    new_item = bought.json()["wallet_item"]
    assert new_item["name"] == "Free Curly Fries"
    assert by_name(app.get(url("wallet")).json()["results"], "Free Curly Fries")["id"] == new_item["id"]
    assert app.get(url("points")).json()["available"] == 25

    # 9. Redeems it at the counter: the answer carries what the cashier's screen shows; it leaves the wallet
    #    and cannot be redeemed twice.
    redeemed = app.post(url("offer-redeem", user_offer_id=new_item["id"]))
    assert redeemed.status_code == 200, redeemed.content
    assert redeemed.json()["offer"]["name"] == redeemed.json()["offer_name"] == "Free Curly Fries"
    assert redeemed.json()["user_offer_id"] == new_item["id"]
    assert redeemed.json()["pos_discount_id"]
    assert moment(redeemed.json()["redeemed_at"]).tzinfo is not None
    assert "Free Curly Fries" not in {item["name"] for item in app.get(url("wallet")).json()["results"]}
    again = app.post(url("offer-redeem", user_offer_id=new_item["id"]))
    assert again.status_code == 409
    assert again.json()["error"]["code"] == "offer_not_redeemable"

    # 10. All of it is in her activity log (newest first) ...
    activity = app.get(url("activity"), {"page_size": 50}).json()
    kinds = [entry["kind"] for entry in activity["results"]]
    for kind in ("welcome_bonus", "campaign_opt_in", "purchase", "offer_issued", "offer_purchased", "offer_redeemed"):
        assert kind in kinds
    assert kinds.index("offer_redeemed") < kinds.index("offer_purchased") < kinds.index("campaign_opt_in")
    assert kinds[-1] == "welcome_bonus"
    titles = [entry["title"] for entry in activity["results"]]
    assert "Free Large Fries added to your wallet" in titles
    assert "Free Curly Fries redeemed" in titles

    # ... and her point history: +100, +180, +245, -500.
    history = app.get(url("points-history")).json()
    assert [entry["points"] for entry in history["results"]] == [-500, 245, 180, 100]
    assert history["next"] is None
