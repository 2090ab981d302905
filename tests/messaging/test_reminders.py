"""Expiry reminders: checked against the ledger (and SessionM when the ledger's word is old) when sent."""

from dataclasses import replace
from datetime import timedelta

import pytest
from django.conf import settings
from django.utils import timezone

from apps.messaging import reminders
from apps.messaging.delivery import deliver_due
from apps.messaging.ledger import wallet_item_mark, wallet_item_record
from apps.messaging.models import (
    Notification,
    NotificationKind,
    NotificationStatus,
    WalletItem,
    WalletItemSource,
    WalletItemState,
)
from apps.sessionm.errors import SessionMNotFound, SessionMUnavailable
from tests.factories import CustomerFactory

from .braze_answers import accepted, sent_bodies
from .wallets import LEAD, make_offer, record_item

pytestmark = pytest.mark.django_db


def issued(customer=None, **offer):
    item = record_item(customer, **offer)
    # The offer-issued message is not what these tests are about.
    Notification.objects.filter(kind=NotificationKind.OFFER_ISSUED).update(status=NotificationStatus.SENT)
    return item


def reminder_of(item):
    return Notification.objects.get(pk=item.reminder_id)


def test_a_due_reminder_is_sent_once_with_the_offer_as_the_ledger_has_it(braze, sessionm_wallet):
    item = issued()
    due = reminder_of(item).due_at
    WalletItem.objects.filter(pk=item.pk).update(confirmed_at=due, title="Free Large Fries (now bigger)")
    accepted(braze)

    deliver_due(now=due + timedelta(minutes=1))
    deliver_due(now=due + timedelta(minutes=2))

    [body] = sent_bodies(braze)
    assert body["campaign_id"] == settings.BRAZE_MESSAGES["offer_expiring"]["id"]
    [recipient] = body["recipients"]
    assert recipient["external_user_id"] == item.customer.sessionm_user_id
    properties = recipient["trigger_properties"]
    assert properties["offer_title"] == "Free Large Fries (now bigger)"
    assert properties["user_offer_id"] == item.user_offer_id
    assert properties["expiration_date"] == item.expires_at.isoformat()
    assert "broadcast" not in body
    assert reminder_of(item).status == NotificationStatus.SENT
    assert sessionm_wallet.calls == []  # confirmed recently: the ledger's word is enough


def test_nothing_is_sent_before_the_reminder_is_due(braze, sessionm_wallet):
    item = issued()

    report = deliver_due(now=reminder_of(item).due_at - timedelta(seconds=1))

    assert report.calls == 0
    assert reminder_of(item).status == NotificationStatus.PENDING


def test_a_redeemed_offer_is_not_reminded_of(braze, sessionm_wallet):
    item = issued()
    due = reminder_of(item).due_at
    # Redeemed while the run had already claimed the reminder: the check at send time still catches it.
    WalletItem.objects.filter(pk=item.pk).update(state=WalletItemState.REDEEMED, confirmed_at=due)

    report = deliver_due(now=due + timedelta(minutes=1))

    assert report.calls == 0
    reminder = reminder_of(item)
    assert reminder.status == NotificationStatus.CANCELLED
    assert reminder.last_error == "reminder: offer redeemed"


def test_never_after_expiry(braze, sessionm_wallet):
    item = issued()

    report = deliver_due(now=item.expires_at + timedelta(minutes=1))

    assert report.calls == 0
    assert reminder_of(item).status == NotificationStatus.CANCELLED
    assert reminder_of(item).last_error == "reminder: offer expired"


def test_not_in_the_last_hour_before_expiry(braze, sessionm_wallet):
    item = issued()
    WalletItem.objects.filter(pk=item.pk).update(confirmed_at=item.expires_at)

    report = deliver_due(now=item.expires_at - timedelta(minutes=30))

    assert report.calls == 0
    assert reminder_of(item).last_error == "reminder: offer expires too soon to remind"


def test_a_late_run_still_reminds_rather_than_postponing(braze, sessionm_wallet):
    item = issued()
    late = item.expires_at - timedelta(days=3)
    WalletItem.objects.filter(pk=item.pk).update(confirmed_at=late)
    accepted(braze)

    deliver_due(now=late)

    assert reminder_of(item).status == NotificationStatus.SENT


def test_a_forgotten_customers_reminder_is_cancelled(braze, sessionm_wallet):
    item = issued()
    item.customer.status = "forgotten"
    item.customer.save()

    deliver_due(now=reminder_of(item).due_at + timedelta(minutes=1))

    assert reminder_of(item).last_error == "reminder: customer no longer active"


def test_an_old_confirmation_is_checked_with_sessionm_which_still_has_the_offer(braze, sessionm_wallet):
    item = issued()
    due = reminder_of(item).due_at
    sessionm_wallet.offers[item.customer.sessionm_user_id] = [replace(make_offer(), expires_at=item.expires_at)]
    accepted(braze)

    deliver_due(now=due + timedelta(minutes=1))

    assert sessionm_wallet.calls == [
        {"user_id": item.customer.sessionm_user_id, "culture": "en-US", "skip": 0, "take": reminders.WALLET_PAGE_SIZE}
    ]
    assert reminder_of(item).status == NotificationStatus.SENT
    assert WalletItem.objects.get(pk=item.pk).confirmed_at == due + timedelta(minutes=1)


def test_an_offer_gone_from_the_sessionm_wallet_is_not_reminded_of(braze, sessionm_wallet):
    item = issued()
    sessionm_wallet.offers[item.customer.sessionm_user_id] = [make_offer("someone-elses-idea")]

    report = deliver_due(now=reminder_of(item).due_at + timedelta(minutes=1))

    assert report.calls == 0
    assert WalletItem.objects.get(pk=item.pk).state == WalletItemState.REDEEMED
    assert reminder_of(item).status == NotificationStatus.CANCELLED


def test_an_expiry_sessionm_moved_later_moves_the_reminder(braze, sessionm_wallet):
    item = issued()
    due = reminder_of(item).due_at
    later = item.expires_at + timedelta(days=20)
    sessionm_wallet.offers[item.customer.sessionm_user_id] = [replace(make_offer(), expires_at=later)]

    report = deliver_due(now=due + timedelta(minutes=1))

    assert report.calls == 0
    reminder = reminder_of(item)
    assert (reminder.status, reminder.due_at, reminder.next_attempt_at) == (
        NotificationStatus.PENDING,
        later - LEAD,
        later - LEAD,
    )


def test_when_sessionm_cannot_answer_the_ledgers_word_stands(braze, sessionm_wallet):
    item = issued()
    sessionm_wallet.error = SessionMUnavailable("down")
    accepted(braze)

    deliver_due(now=reminder_of(item).due_at + timedelta(minutes=1))

    assert reminder_of(item).status == NotificationStatus.SENT
    assert WalletItem.objects.get(pk=item.pk).state == WalletItemState.ISSUED


def test_a_customer_sessionm_no_longer_knows_gets_no_reminder(braze, sessionm_wallet):
    item = issued()
    sessionm_wallet.error = SessionMNotFound("gone")

    deliver_due(now=reminder_of(item).due_at + timedelta(minutes=1))

    assert reminder_of(item).status == NotificationStatus.CANCELLED


def test_one_wallet_read_per_customer_confirms_all_their_due_reminders(braze, sessionm_wallet):
    customer = CustomerFactory()
    items = [issued(customer, user_offer_id=f"uo-{n}") for n in range(3)]
    sessionm_wallet.offers[customer.sessionm_user_id] = [make_offer(item.user_offer_id) for item in items]
    accepted(braze)

    deliver_due(now=reminder_of(items[0]).due_at + timedelta(minutes=1))

    assert len(sessionm_wallet.calls) == 1
    assert {reminder_of(item).status for item in items} == {NotificationStatus.SENT}


def test_a_large_wallet_is_read_a_page_at_a_time_until_the_offer_is_found(braze, sessionm_wallet):
    customer = CustomerFactory()
    item = issued(customer, user_offer_id="uo-far")
    others = [make_offer(f"uo-{n}") for n in range(reminders.WALLET_PAGE_SIZE + 20)]
    sessionm_wallet.offers[customer.sessionm_user_id] = others + [make_offer("uo-far")]
    accepted(braze)

    deliver_due(now=reminder_of(item).due_at + timedelta(minutes=1))

    assert [call["skip"] for call in sessionm_wallet.calls] == [0, reminders.WALLET_PAGE_SIZE]
    assert reminder_of(item).status == NotificationStatus.SENT


def test_marking_an_item_redeemed_cancels_its_pending_reminder(sessionm_wallet):
    item = issued()

    wallet_item_mark(user_offer_id=item.user_offer_id, state=WalletItemState.REDEEMED)

    assert reminder_of(item).status == NotificationStatus.CANCELLED


def test_other_messages_pass_the_check_untouched(braze, sessionm_wallet):
    customer = CustomerFactory()
    wallet_item_record(customer=customer, offer=make_offer(), source=WalletItemSource.PURCHASE)
    accepted(braze)

    deliver_due(now=timezone.now() + timedelta(minutes=1))

    [body] = sent_bodies(braze)
    assert body["campaign_id"] == settings.BRAZE_MESSAGES["offer_issued"]["id"]
    assert sessionm_wallet.calls == []


def test_a_slow_sessionm_check_hands_the_rest_to_the_next_claim(braze, sessionm_wallet, monkeypatch):
    monkeypatch.setattr(reminders, "CONFIRM_BUDGET", timedelta(0))  # spent after the first customer
    items = [issued(user_offer_id=f"uo-{n}") for n in range(3)]
    for item in items:
        sessionm_wallet.offers[item.customer.sessionm_user_id] = [make_offer(item.user_offer_id)]
    accepted(braze)

    report = deliver_due(now=reminder_of(items[0]).due_at + timedelta(minutes=1))

    # One customer confirmed per claim, each claim short; all of them sent within the same pass.
    assert len(sessionm_wallet.calls) == 3
    assert report.calls == 3
    assert {reminder_of(item).status for item in items} == {NotificationStatus.SENT}


def test_the_screen_leaves_alone_a_reminder_another_run_took_over(sessionm_wallet):
    item = issued()
    due = reminder_of(item).due_at
    WalletItem.objects.filter(pk=item.pk).update(state=WalletItemState.REDEEMED, confirmed_at=due)
    # Our run claimed the reminder, then its lease lapsed and another run reclaimed it under its own token.
    Notification.objects.filter(pk=item.reminder_id).update(status=NotificationStatus.SENDING, claim_token="ours")
    ours = reminder_of(item)
    Notification.objects.filter(pk=item.reminder_id).update(claim_token="theirs")

    assert reminders.reminders_screen([ours], now=due + timedelta(minutes=1)) == []

    # Not ours to cancel any more: the run holding it now decides.
    reminder = reminder_of(item)
    assert (reminder.status, reminder.claim_token) == (NotificationStatus.SENDING, "theirs")
