"""The wallet ledger: one item per user offer, its offer-issued message once, its reminder kept in step."""

from dataclasses import replace
from datetime import timedelta

import pytest
from django.conf import settings
from django.db import transaction
from django.utils import timezone

from apps.accounts.models import CustomerStatus
from apps.messaging import ledger
from apps.messaging import tasks as messaging_tasks
from apps.messaging.ledger import (
    OfferContext,
    OfferFacts,
    wallet_item_mark,
    wallet_item_points_record,
    wallet_item_record,
    wallet_items_sync,
)
from apps.messaging.models import (
    Notification,
    NotificationKind,
    NotificationStatus,
    WalletItem,
    WalletItemSource,
    WalletItemState,
)
from apps.messaging.tasks import deliver_notifications
from apps.sessionm.errors import SessionMUnavailable
from tests.factories import CustomerFactory

from .wallets import LEAD, make_offer

pytestmark = pytest.mark.django_db


def notifications(kind):
    return list(Notification.objects.filter(kind=kind))


def test_a_new_item_is_recorded_with_its_message_and_reminder():
    customer = CustomerFactory()
    offer = make_offer()

    item = wallet_item_record(
        customer=customer,
        offer=offer,
        source=WalletItemSource.TRANSACTION,
        context=OfferContext(campaign_id="camp-7", campaign_name="Large Fries on us"),
    )

    assert (item.user_offer_id, item.offer_id, item.title, item.state, item.source) == (
        "uo-1",
        "free-large-fries",
        "Free Large Fries",
        WalletItemState.ISSUED,
        WalletItemSource.TRANSACTION,
    )
    assert item.culture == "en-US"
    [issued] = notifications(NotificationKind.OFFER_ISSUED)
    assert issued.dedupe_key == f"offer_issued:{customer.pk}:uo-1"
    assert issued.recipient == customer.sessionm_user_id
    assert (issued.target_type, issued.target_id) == (
        settings.BRAZE_MESSAGES["offer_issued"]["type"],
        settings.BRAZE_MESSAGES["offer_issued"]["id"],
    )
    assert issued.trigger_properties == {
        "campaign_id": settings.BRAZE_MESSAGES["offer_issued"]["id"],
        "customer_id": customer.sessionm_user_id,
        "email": customer.user.email,
        "offer_id": "free-large-fries",
        "offer_title": "Free Large Fries",
        "user_offer_id": "uo-1",
        "description": "A large fries on us.",
        "terms": "One per customer.",
        "logo": "https://img.example/large-fries.png",
        "pos_discount_id": "POS-LARGE",
        "expiration_date": offer.expires_at.isoformat(),
        "sessionm_campaign_id": "camp-7",
        "sessionm_campaign_name": "Large Fries on us",
    }
    assert "broadcast" not in issued.trigger_properties
    # Created with the welcome's attributes if Braze does not have the profile yet, rather than dropped.
    assert issued.send_to_existing_only is False
    assert issued.attributes == {"email": customer.user.email, "first_name": "Amanda", "language": "en"}
    [reminder] = notifications(NotificationKind.OFFER_EXPIRING)
    assert item.reminder == reminder
    assert reminder.dedupe_key == f"offer_expiring:{customer.pk}:uo-1"
    assert reminder.due_at == offer.expires_at - timedelta(days=settings.OFFER_EXPIRY_REMINDER_DAYS)
    assert reminder.next_attempt_at == reminder.due_at
    assert reminder.status == NotificationStatus.PENDING


def test_expiration_date_is_iso_8601_with_its_zone():
    item = wallet_item_record(customer=CustomerFactory(), offer=make_offer(), source=WalletItemSource.PURCHASE)

    [issued] = notifications(NotificationKind.OFFER_ISSUED)
    assert issued.trigger_properties["expiration_date"].endswith("+00:00")
    assert issued.trigger_properties["expiration_date"] == item.expires_at.isoformat()


def test_points_travel_with_the_message_when_points_were_involved():
    wallet_item_record(
        customer=CustomerFactory(),
        offer=make_offer(),
        source=WalletItemSource.WEBHOOK,
        context=OfferContext(points_awarded=180, point_account_name="Fries Points"),
    )

    [issued] = notifications(NotificationKind.OFFER_ISSUED)
    assert issued.trigger_properties["points_awarded"] == 180
    assert issued.trigger_properties["point_account_name"] == "Fries Points"
    assert "sessionm_campaign_id" not in issued.trigger_properties


def test_recording_again_is_idempotent():
    customer = CustomerFactory()
    first = wallet_item_record(customer=customer, offer=make_offer(), source=WalletItemSource.PURCHASE)

    again = wallet_item_record(customer=customer, offer=make_offer(), source=WalletItemSource.WALLET_READ)

    assert again.pk == first.pk
    assert again.source == WalletItemSource.PURCHASE
    assert WalletItem.objects.count() == 1
    assert Notification.objects.count() == 2  # one offer-issued message, one reminder


def test_the_message_and_reminder_commit_with_the_item_or_not_at_all():
    customer = CustomerFactory()

    with pytest.raises(RuntimeError), transaction.atomic():
        wallet_item_record(customer=customer, offer=make_offer(), source=WalletItemSource.PURCHASE)
        raise RuntimeError("the caller's transaction fails")

    assert not WalletItem.objects.exists()
    assert not Notification.objects.exists()


def test_a_changed_expiry_moves_the_pending_reminder(tasks):
    customer = CustomerFactory()
    offer = make_offer()
    wallet_item_record(customer=customer, offer=offer, source=WalletItemSource.PURCHASE)
    later = offer.expires_at + timedelta(days=15)

    item = wallet_item_record(
        customer=customer, offer=replace(offer, expires_at=later), source=WalletItemSource.WEBHOOK
    )

    reminder = Notification.objects.get(kind=NotificationKind.OFFER_EXPIRING)
    due = later - timedelta(days=settings.OFFER_EXPIRY_REMINDER_DAYS)
    assert (item.expires_at, reminder.due_at, reminder.next_attempt_at) == (later, due, due)
    assert reminder.trigger_properties["expiration_date"] == later.isoformat()
    assert Notification.objects.filter(kind=NotificationKind.OFFER_EXPIRING).count() == 1
    assert Notification.objects.filter(kind=NotificationKind.OFFER_ISSUED).count() == 1


def test_a_changed_expiry_never_resends_a_reminder_already_sent():
    customer = CustomerFactory()
    offer = make_offer()
    item = wallet_item_record(customer=customer, offer=offer, source=WalletItemSource.PURCHASE)
    Notification.objects.filter(pk=item.reminder_id).update(status=NotificationStatus.SENT)

    wallet_item_record(
        customer=customer, offer=replace(offer, expires_at=offer.expires_at + timedelta(days=9)), source="webhook"
    )

    reminder = Notification.objects.get(pk=item.reminder_id)
    assert reminder.status == NotificationStatus.SENT
    assert Notification.objects.filter(kind=NotificationKind.OFFER_EXPIRING).count() == 1


@pytest.mark.parametrize(
    ("expires_in", "reminder_before_expiry"),
    [
        (timedelta(days=30), timedelta(days=10)),
        (timedelta(days=10, hours=1), timedelta(days=10)),
        (timedelta(days=5), timedelta(hours=24)),  # less than the lead time left: the day before
        (timedelta(hours=49), timedelta(hours=24)),
        (timedelta(hours=47), None),  # the offer-issued message just gave the date: no reminder
    ],
)
def test_when_the_reminder_is_due(expires_in, reminder_before_expiry):
    offer = make_offer(expires_in=expires_in)

    item = wallet_item_record(customer=CustomerFactory(), offer=offer, source=WalletItemSource.PURCHASE)

    if reminder_before_expiry is None:
        assert item.reminder is None
        assert not notifications(NotificationKind.OFFER_EXPIRING)
    else:
        assert item.reminder.due_at == offer.expires_at - reminder_before_expiry


def test_an_expiry_moved_too_close_cancels_the_reminder_and_moving_it_back_restores_it():
    customer = CustomerFactory()
    offer = make_offer()
    item = wallet_item_record(customer=customer, offer=offer, source=WalletItemSource.PURCHASE)

    wallet_item_record(
        customer=customer, offer=replace(offer, expires_at=timezone.now() + timedelta(hours=20)), source="webhook"
    )
    assert Notification.objects.get(pk=item.reminder_id).status == NotificationStatus.CANCELLED

    wallet_item_record(customer=customer, offer=offer, source="webhook")
    reminder = Notification.objects.get(pk=item.reminder_id)
    assert reminder.status == NotificationStatus.PENDING
    assert reminder.due_at == offer.expires_at - timedelta(days=settings.OFFER_EXPIRY_REMINDER_DAYS)


def test_a_reminder_an_operator_cancelled_stays_cancelled():
    customer = CustomerFactory()
    offer = make_offer()
    item = wallet_item_record(customer=customer, offer=offer, source=WalletItemSource.PURCHASE)
    Notification.objects.filter(pk=item.reminder_id).update(status=NotificationStatus.CANCELLED, last_error="")

    wallet_item_record(
        customer=customer, offer=replace(offer, expires_at=offer.expires_at + timedelta(days=3)), source="webhook"
    )

    assert Notification.objects.get(pk=item.reminder_id).status == NotificationStatus.CANCELLED


@pytest.mark.parametrize("state", [WalletItemState.REDEEMED, WalletItemState.REVOKED, WalletItemState.EXPIRED])
def test_an_item_leaving_the_wallet_cancels_its_reminder_for_good(state):
    customer = CustomerFactory()
    offer = make_offer()
    item = wallet_item_record(customer=customer, offer=offer, source=WalletItemSource.PURCHASE)

    marked = wallet_item_mark(user_offer_id="uo-1", state=state, customer=customer)
    wallet_item_record(
        customer=customer, offer=replace(offer, expires_at=offer.expires_at + timedelta(days=3)), source="webhook"
    )

    assert marked.state == state
    assert WalletItem.objects.get(pk=item.pk).state == state
    assert Notification.objects.get(pk=item.reminder_id).status == NotificationStatus.CANCELLED


def test_marking_is_refused_for_another_customers_item():
    owner, stranger = CustomerFactory(), CustomerFactory()
    item = wallet_item_record(customer=owner, offer=make_offer(), source=WalletItemSource.PURCHASE)

    assert wallet_item_mark(user_offer_id="uo-1", state=WalletItemState.REDEEMED, customer=stranger) is None
    assert wallet_item_mark(user_offer_id="unknown", state=WalletItemState.REDEEMED) is None
    assert WalletItem.objects.get(pk=item.pk).state == WalletItemState.ISSUED


def test_an_item_reported_for_another_customer_is_left_with_its_owner():
    owner, stranger = CustomerFactory(), CustomerFactory()
    wallet_item_record(customer=owner, offer=make_offer(), source=WalletItemSource.PURCHASE)

    assert wallet_item_record(customer=stranger, offer=make_offer(name="changed"), source="webhook") is None

    assert WalletItem.objects.get().customer == owner
    assert WalletItem.objects.get().title == "Free Large Fries"
    assert not Notification.objects.filter(customer=stranger).exists()


def test_nothing_is_recorded_for_a_customer_who_is_not_active():
    customer = CustomerFactory(status=CustomerStatus.FORGOTTEN)

    assert wallet_item_record(customer=customer, offer=make_offer(), source=WalletItemSource.WEBHOOK) is None
    assert not WalletItem.objects.exists()
    assert not Notification.objects.exists()


def test_an_old_offer_first_seen_in_a_wallet_read_is_not_announced_but_is_reminded_of():
    item = wallet_item_record(
        customer=CustomerFactory(),
        offer=make_offer(issued_ago=timedelta(days=20), expires_in=timedelta(days=15)),
        source=WalletItemSource.WALLET_READ,
    )

    assert not notifications(NotificationKind.OFFER_ISSUED)
    assert item.reminder is not None


def test_a_fresh_offer_first_seen_in_a_wallet_read_is_announced():
    wallet_item_record(
        customer=CustomerFactory(), offer=make_offer(issued_ago=timedelta(hours=2)), source=WalletItemSource.WALLET_READ
    )

    assert len(notifications(NotificationKind.OFFER_ISSUED)) == 1


def test_texts_stay_in_the_customers_language():
    customer = CustomerFactory(language="pt-br")
    portuguese = make_offer(name="Batata Grande Grátis", description="Uma batata grande por nossa conta.")
    wallet_item_record(
        customer=customer, offer=portuguese, source=WalletItemSource.PURCHASE, context=OfferContext(culture="pt-BR")
    )

    item = wallet_item_record(
        customer=customer, offer=make_offer(), source=WalletItemSource.WEBHOOK, context=OfferContext(culture="en-US")
    )

    assert (item.title, item.description, item.culture) == (
        "Batata Grande Grátis",
        "Uma batata grande por nossa conta.",
        "pt-BR",
    )


def test_points_that_came_with_an_item_reach_its_waiting_message():
    customer = CustomerFactory()
    wallet_item_record(customer=customer, offer=make_offer(), source=WalletItemSource.TRANSACTION)

    item = wallet_item_points_record(
        customer=customer, user_offer_id="uo-1", points=180, point_account_name="Fries Points"
    )

    assert (item.points_awarded, item.point_account_name) == (180, "Fries Points")
    [issued] = notifications(NotificationKind.OFFER_ISSUED)
    assert issued.trigger_properties["points_awarded"] == 180
    assert (
        wallet_item_points_record(customer=CustomerFactory(), user_offer_id="uo-1", points=1, point_account_name="")
        is None
    )


def test_a_complete_wallet_read_closes_items_that_left_the_wallet():
    customer = CustomerFactory()
    now = timezone.now()
    kept, used, lapsed = (
        make_offer("uo-kept"),
        make_offer("uo-used"),
        make_offer("uo-lapsed", expires_in=timedelta(days=1)),
    )
    for offer in (kept, used, lapsed):
        wallet_item_record(customer=customer, offer=offer, source=WalletItemSource.PURCHASE, now=now)
    new = make_offer("uo-new")

    wallet_items_sync(
        customer=customer, offers=[kept, new], culture="en-US", complete=True, read_at=now + timedelta(days=3)
    )

    states = dict(WalletItem.objects.values_list("user_offer_id", "state"))
    assert states == {
        "uo-kept": WalletItemState.ISSUED,
        "uo-used": WalletItemState.REDEEMED,
        "uo-lapsed": WalletItemState.EXPIRED,
        "uo-new": WalletItemState.ISSUED,
    }
    cancelled = Notification.objects.filter(
        kind=NotificationKind.OFFER_EXPIRING, status=NotificationStatus.CANCELLED
    ).values_list("wallet_item__user_offer_id", flat=True)
    assert sorted(cancelled) == ["uo-used"]  # uo-lapsed was too close to expiry to have had a reminder
    assert WalletItem.objects.get(user_offer_id="uo-new").source == WalletItemSource.WALLET_READ


def test_a_partial_wallet_read_closes_nothing():
    customer = CustomerFactory()
    wallet_item_record(customer=customer, offer=make_offer("uo-1"), source=WalletItemSource.PURCHASE)

    wallet_items_sync(customer=customer, offers=[], culture="en-US", complete=False, read_at=timezone.now())

    assert WalletItem.objects.get().state == WalletItemState.ISSUED


def test_a_wallet_read_of_unchanged_items_only_refreshes_old_confirmations(django_assert_max_num_queries):
    customer = CustomerFactory()
    offers = [make_offer(f"uo-{n}") for n in range(5)]
    then = timezone.now() - timedelta(days=2)
    for offer in offers:
        wallet_item_record(customer=customer, offer=offer, source=WalletItemSource.PURCHASE, now=then)

    with django_assert_max_num_queries(3):
        wallet_items_sync(customer=customer, offers=offers, culture="en-US", complete=True, read_at=timezone.now())

    assert all(item.confirmed_at > then for item in WalletItem.objects.all())


def test_a_wallet_read_of_recently_confirmed_items_writes_nothing(django_assert_num_queries):
    customer = CustomerFactory()
    offers = [make_offer(f"uo-{n}") for n in range(3)]
    for offer in offers:
        wallet_item_record(customer=customer, offer=offer, source=WalletItemSource.PURCHASE)

    with django_assert_num_queries(1):  # the ledger's items, read; nothing to write
        wallet_items_sync(customer=customer, offers=offers, culture="en-US", complete=True, read_at=timezone.now())


def test_the_reminder_has_a_delivery_run_enqueued_for_its_due_time(tasks, django_capture_on_commit_callbacks):
    customer = CustomerFactory()
    offer = make_offer()
    later = offer.expires_at + timedelta(days=5)

    with django_capture_on_commit_callbacks(execute=True):
        item = wallet_item_record(customer=customer, offer=offer, source=WalletItemSource.PURCHASE)
    with django_capture_on_commit_callbacks(execute=True):
        wallet_item_record(customer=customer, offer=replace(offer, expires_at=later), source=WalletItemSource.WEBHOOK)

    runs = {result.task.run_after for result in tasks.results if result.task.func == deliver_notifications.func}
    assert {offer.expires_at - LEAD, later - LEAD} <= runs
    assert Notification.objects.get(pk=item.reminder_id).due_at == later - LEAD


def test_a_wallet_read_leaves_alone_items_learnt_of_after_it_started():
    customer = CustomerFactory()
    read_at = timezone.now()
    # SessionM issued this one after the wallet was read; its webhook was recorded before the read was synced.
    wallet_item_record(customer=customer, offer=make_offer("uo-fresh"), source=WalletItemSource.WEBHOOK)

    wallet_items_sync(customer=customer, offers=[], culture="en-US", complete=True, read_at=read_at)

    assert WalletItem.objects.get().state == WalletItemState.ISSUED


def test_an_item_known_only_by_its_id_is_completed_from_the_wallet_before_its_message(
    tasks, django_capture_on_commit_callbacks, sessionm_wallet
):
    customer = CustomerFactory()
    before = timezone.now()
    with django_capture_on_commit_callbacks(execute=True):
        item = wallet_item_record(
            customer=customer, offer=OfferFacts(user_offer_id="uo-1", offer_id="tuesday"), source="promo_code"
        )

    [issued] = notifications(NotificationKind.OFFER_ISSUED)
    assert issued.due_at >= before + ledger.COMPLETION_GRACE  # waits for the facts
    assert item.reminder is None  # no expiry known yet
    [completion] = [r for r in tasks.results if r.task.func == messaging_tasks.complete_wallet_item.func]
    offer = make_offer()
    sessionm_wallet.offers[customer.sessionm_user_id] = [offer]

    assert messaging_tasks.complete_wallet_item.call(*completion.args) == "completed"

    item.refresh_from_db()
    issued.refresh_from_db()
    assert (item.title, item.expires_at) == ("Free Large Fries", offer.expires_at)
    assert issued.trigger_properties["offer_title"] == "Free Large Fries"
    assert issued.trigger_properties["expiration_date"] == offer.expires_at.isoformat()
    assert item.reminder.due_at == offer.expires_at - LEAD


def test_completing_an_item_when_sessionm_is_down_leaves_the_message_as_it_is(sessionm_wallet):
    item = wallet_item_record(customer=CustomerFactory(), offer=OfferFacts(user_offer_id="uo-1"), source="purchase")
    sessionm_wallet.error = SessionMUnavailable("down")

    assert messaging_tasks.complete_wallet_item.call(item.pk) == "unavailable"
    assert notifications(NotificationKind.OFFER_ISSUED)[0].status == NotificationStatus.PENDING


def test_a_complete_item_needs_no_completion(tasks, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        wallet_item_record(customer=CustomerFactory(), offer=make_offer(), source=WalletItemSource.WEBHOOK)

    assert not [r for r in tasks.results if r.task.func == messaging_tasks.complete_wallet_item.func]


def test_facts_learnt_later_reach_the_message_still_waiting():
    customer = CustomerFactory()
    wallet_item_record(customer=customer, offer=OfferFacts(user_offer_id="uo-1"), source=WalletItemSource.PURCHASE)

    wallet_item_record(customer=customer, offer=make_offer(), source=WalletItemSource.WEBHOOK)

    [issued] = notifications(NotificationKind.OFFER_ISSUED)
    assert issued.trigger_properties["offer_title"] == "Free Large Fries"
    assert issued.trigger_properties["expiration_date"] is not None


def test_the_same_wallet_read_again_is_not_compared_again(django_assert_num_queries):
    customer = CustomerFactory()
    offers = [make_offer(f"uo-{n}") for n in range(3)]
    for offer in offers:
        wallet_item_record(customer=customer, offer=offer, source=WalletItemSource.PURCHASE)

    with django_assert_num_queries(1):  # compared: the ledger already holds all three
        wallet_items_sync(customer=customer, offers=offers, culture="en-US", complete=True, read_at=timezone.now())
    with django_assert_num_queries(0):  # the same read: remembered
        wallet_items_sync(customer=customer, offers=offers, culture="en-US", complete=True, read_at=timezone.now())
    with django_assert_num_queries(1):  # another culture, a partial read, other offers: compared
        wallet_items_sync(customer=customer, offers=offers, culture="fr-FR", complete=True, read_at=timezone.now())
    with django_assert_num_queries(1):
        wallet_items_sync(customer=customer, offers=offers, culture="en-US", complete=False, read_at=timezone.now())
    with django_assert_num_queries(1):
        wallet_items_sync(customer=customer, offers=offers[:2], culture="en-US", complete=False, read_at=timezone.now())
    other = CustomerFactory()
    with django_assert_num_queries(1):  # another customer's wallet that happens to read the same
        wallet_items_sync(customer=other, offers=[], culture="en-US", complete=True, read_at=timezone.now())


def test_a_read_that_changed_the_ledger_is_compared_again_next_time(django_assert_num_queries):
    customer = CustomerFactory()
    offers = [make_offer("uo-1")]

    wallet_items_sync(customer=customer, offers=offers, culture="en-US", complete=True, read_at=timezone.now())
    assert WalletItem.objects.count() == 1  # recorded: not remembered
    with django_assert_num_queries(1):
        wallet_items_sync(customer=customer, offers=offers, culture="en-US", complete=True, read_at=timezone.now())
    with django_assert_num_queries(0):
        wallet_items_sync(customer=customer, offers=offers, culture="en-US", complete=True, read_at=timezone.now())


def test_an_item_left_for_a_later_read_keeps_the_read_compared():
    customer = CustomerFactory()
    read_at = timezone.now()
    wallet_item_record(customer=customer, offer=make_offer("uo-fresh"), source=WalletItemSource.WEBHOOK)
    wallet_items_sync(customer=customer, offers=[], culture="en-US", complete=True, read_at=read_at)
    assert WalletItem.objects.get().state == WalletItemState.ISSUED  # learnt of after the read: left for later

    # The same read, made later: the item was known before it, and the wallet does not list it.
    wallet_items_sync(customer=customer, offers=[], culture="en-US", complete=True, read_at=timezone.now())

    assert WalletItem.objects.get().state == WalletItemState.REDEEMED


def test_a_remembered_read_is_compared_again_once_the_memory_lapses(monkeypatch, django_assert_num_queries):
    customer = CustomerFactory()
    offers = [make_offer("uo-1")]
    wallet_item_record(customer=customer, offer=offers[0], source=WalletItemSource.PURCHASE)
    wallet_items_sync(customer=customer, offers=offers, culture="en-US", complete=True, read_at=timezone.now())
    with django_assert_num_queries(0):
        wallet_items_sync(customer=customer, offers=offers, culture="en-US", complete=True, read_at=timezone.now())
    monkeypatch.setattr(ledger, "SYNC_REPEAT_SECONDS", 0.0)  # as if that long had passed

    with django_assert_num_queries(1):
        wallet_items_sync(customer=customer, offers=offers, culture="en-US", complete=True, read_at=timezone.now())
