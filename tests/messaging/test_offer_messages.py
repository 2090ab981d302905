"""The screens report wallet items to the ledger: a Rewards Store purchase, a promo code, a transaction's
offers, a wallet read and a redemption, each through the public API against the in-process sandbox."""

from datetime import timedelta

import pytest
from django.utils import timezone

from apps.loyalty import selectors as loyalty_selectors
from apps.loyalty import services as loyalty_services
from apps.messaging import tasks as messaging_tasks
from apps.messaging.discovery import DISCOVERY_DELAY
from apps.messaging.models import Notification, NotificationKind, NotificationStatus, WalletItem
from apps.sandbox import demo
from apps.sessionm import get_sessionm_client
from tests.customers import signup
from tests.loyalty.conftest import bearer_client, url
from tests.till import ring_up

from .wallets import LEAD

pytestmark = pytest.mark.django_db


@pytest.fixture
def amanda():
    return signup()


@pytest.fixture
def app(amanda):
    return bearer_client(amanda)


def enqueued(tasks, task):
    return [result for result in tasks.results if result.task.func == task.func]


def buy_fries(customer, quantity):
    ring_up(customer, [("FF-PULLED-PORK", quantity, "10.00")])


def offer_messages(customer):
    return Notification.objects.filter(customer=customer, kind=NotificationKind.OFFER_ISSUED)


def test_a_rewards_store_purchase_is_recorded_and_completed_before_its_message(
    app, amanda, tasks, django_capture_on_commit_callbacks
):
    buy_fries(amanda, 5)  # 500 points
    store = app.get(url("rewards-store")).json()["results"]
    [curly] = [offer for offer in store if offer["name"] == "Free Curly Fries"]

    with django_capture_on_commit_callbacks(execute=True):
        bought = app.post(url("reward-purchase", offer_id=curly["id"]))

    assert bought.status_code == 201, bought.content
    item = WalletItem.objects.get(customer=amanda)
    assert (item.user_offer_id, item.source, item.title) == (
        bought.json()["wallet_item"]["id"],
        "purchase",
        "Free Curly Fries",
    )
    [message] = offer_messages(amanda)
    assert message.due_at > timezone.now()  # waits for the expiry the purchase did not say

    [completion] = enqueued(tasks, messaging_tasks.complete_wallet_item)
    messaging_tasks.complete_wallet_item.call(*completion.args)

    item.refresh_from_db()
    message.refresh_from_db()
    assert item.expires_at is not None
    assert message.trigger_properties["expiration_date"] == item.expires_at.isoformat()
    assert item.reminder.due_at == item.expires_at - LEAD


def test_a_promo_code_offer_gets_its_texts_in_the_customers_language(tasks, django_capture_on_commit_callbacks):
    ines = signup(language="pt-br")
    app = bearer_client(ines)

    with django_capture_on_commit_callbacks(execute=True):
        claimed = app.post(url("promo-codes"), {"code": "TUESDAY20"}, format="json")

    assert claimed.status_code in (200, 201), claimed.content
    item = WalletItem.objects.get(customer=ines)
    assert (item.source, item.offer_id, item.title) == ("promo_code", demo.TUESDAY_COUPON.id, "")
    messaging_tasks.complete_wallet_item.call(*enqueued(tasks, messaging_tasks.complete_wallet_item)[0].args)

    item.refresh_from_db()
    assert (item.title, item.culture) == (demo.TUESDAY_COUPON.texts["pt-BR"].name, "pt-BR")
    assert offer_messages(ines).get().trigger_properties["offer_title"] == demo.TUESDAY_COUPON.texts["pt-BR"].name


def test_offers_a_transaction_earned_are_looked_for_after_it(app, amanda, tasks, django_capture_on_commit_callbacks):
    campaigns = app.get(url("campaigns")).json()["results"]
    [large_fries] = [c for c in campaigns if c["name"] == "Large Fries on us"]
    app.post(url("campaign-opt-in", campaign_id=large_fries["id"]))
    sale = [("FF-PULLED-PORK", 1, "10.00"), ("FF-CURLY", 1, "8.00")]

    with django_capture_on_commit_callbacks(execute=True):
        ring_up(amanda, sale)

    [discovery] = enqueued(tasks, messaging_tasks.wallet_items_discover)
    assert discovery.task.run_after >= timezone.now() + DISCOVERY_DELAY - timedelta(seconds=5)
    assert messaging_tasks.wallet_items_discover.call(*discovery.args) == 1
    assert messaging_tasks.wallet_items_discover.call(*discovery.args) == 0  # found again: already known

    item = WalletItem.objects.get(customer=amanda)
    assert (item.source, item.title) == ("transaction", "Free Large Fries")
    assert offer_messages(amanda).count() == 1


def test_a_wallet_read_records_offers_the_ledger_did_not_know(app, amanda):
    [issued] = get_sessionm_client().issue_offer(amanda.sessionm_user_id, demo.FREE_SNACK_BOX.id)

    assert app.get(url("wallet")).status_code == 200

    item = WalletItem.objects.get(customer=amanda)
    assert (item.user_offer_id, item.source, item.title) == (issued.user_offer_id, "wallet_read", "Free Snack Box")
    assert offer_messages(amanda).count() == 1
    app.get(url("wallet"))
    assert offer_messages(amanda).count() == 1


def test_redeeming_closes_the_item_and_cancels_its_reminder(app, amanda):
    get_sessionm_client().issue_offer(amanda.sessionm_user_id, demo.FREE_SNACK_BOX.id)
    [offer] = app.get(url("wallet")).json()["results"]
    item = WalletItem.objects.get(user_offer_id=offer["id"])

    assert app.post(url("offer-redeem", user_offer_id=offer["id"])).status_code == 200

    item.refresh_from_db()
    assert item.state == "redeemed"
    assert Notification.objects.get(pk=item.reminder_id).status == NotificationStatus.CANCELLED


def test_an_offer_redeemed_at_the_till_leaves_the_ledger_at_the_next_wallet_read(app, amanda):
    [issued] = get_sessionm_client().issue_offer(amanda.sessionm_user_id, demo.FREE_SNACK_BOX.id)
    app.get(url("wallet"))
    get_sessionm_client().redeem_offer(issued.user_offer_id)  # not through the BFF

    app.get(url("wallet"))

    item = WalletItem.objects.get(user_offer_id=issued.user_offer_id)
    assert item.state == "redeemed"
    assert Notification.objects.get(pk=item.reminder_id).status == NotificationStatus.CANCELLED


def test_the_wallet_read_writes_nothing_and_its_service_step_keeps_the_ledger(amanda, tasks):
    [issued] = get_sessionm_client().issue_offer(amanda.sessionm_user_id, demo.FREE_SNACK_BOX.id)
    messages_before, queued_before = Notification.objects.count(), len(tasks.results)

    page = loyalty_selectors.wallet_get(customer=amanda, page=1, page_size=20)

    # A selector reads: no ledger row, no message, nothing queued.
    assert [item.id for item in page.results] == [issued.user_offer_id]
    assert not WalletItem.objects.exists()
    assert (Notification.objects.count(), len(tasks.results)) == (messages_before, queued_before)
    assert (page.read.complete, [o.user_offer_id for o in page.read.offers]) == (True, [issued.user_offer_id])

    loyalty_services.wallet_read_record(customer=amanda, read=page.read)

    item = WalletItem.objects.get(customer=amanda)
    assert (item.user_offer_id, item.source) == (issued.user_offer_id, "wallet_read")
    assert offer_messages(amanda).count() == 1


def test_a_later_page_of_the_wallet_is_not_a_complete_read(amanda):
    for _ in range(3):
        get_sessionm_client().issue_offer(amanda.sessionm_user_id, demo.FREE_SNACK_BOX.id)

    first = loyalty_selectors.wallet_get(customer=amanda, page=1, page_size=2)
    second = loyalty_selectors.wallet_get(customer=amanda, page=2, page_size=2)

    # Only a read of the whole wallet may take an offer it does not list for gone.
    assert (first.read.complete, second.read.complete) == (False, False)
