"""POST /integrations/sessionm/events: signed, recorded once, acted on in a task."""

import json
import uuid
from datetime import timedelta

import pytest
from django.conf import settings
from django.urls import reverse
from django.utils import timezone
from rest_framework.test import APIClient

from apps.accounts.services import customer_signup
from apps.loyalty import timeline
from apps.messaging import tasks as messaging_tasks
from apps.messaging import webhooks
from apps.messaging.models import (
    InboundEvent,
    InboundEventStatus,
    Notification,
    NotificationKind,
    NotificationStatus,
    WalletItem,
    WalletItemSource,
    WalletItemState,
)
from apps.messaging.webhooks import sessionm_event_process, webhook_signature
from apps.sandbox import demo
from apps.sandbox.faults import clear_faults, set_faults
from apps.sessionm import get_sessionm_client
from tests.factories import CustomerFactory

from .braze_answers import BRAZE
from .wallets import record_item

pytestmark = pytest.mark.django_db

URL = "/integrations/sessionm/events"
USERS_TRACK = BRAZE + "/users/track"


def event(type_="offer_issued", *, user_id, data=None, event_id=None):
    return {
        "id": event_id or f"evt-{uuid.uuid4()}",
        "type": type_,
        "occurred_at": "2025-06-03T10:00:00Z",
        "user_id": user_id,
        "data": data if data is not None else {},
    }


def offer_issued_data(user_offer_id="uo-1", **extra):
    return {
        "user_offer_id": user_offer_id,
        "offer_id": "free-large-fries",
        "name": "Free Large Fries",
        "description": "A large fries on us.",
        "terms": "One per customer.",
        "image_url": "https://img.example/large-fries.png",
        "pos_discount_id": "POS-LARGE",
        "start_date": timezone.now().isoformat(),
        "redemption_end_date": (timezone.now() + timedelta(days=30)).replace(microsecond=0).isoformat(),
        "culture": "en-US",
        "campaign_id": "camp-7",
        "campaign_name": "Large Fries on us",
        **extra,
    }


def post(body, *, timestamp=None, secret=None, signature=None, raw=None):
    payload = raw if raw is not None else json.dumps(body).encode()
    timestamp = str(int(timezone.now().timestamp())) if timestamp is None else timestamp
    signature = signature or webhook_signature(
        secret=secret or settings.SESSIONM_WEBHOOK_SECRET, timestamp=timestamp, body=payload
    )
    return APIClient().generic(
        "POST",
        URL,
        payload,
        content_type="application/json",
        HTTP_X_SESSIONM_TIMESTAMP=timestamp,
        HTTP_X_SESSIONM_SIGNATURE=signature,
    )


def enqueued(tasks, task=messaging_tasks.process_sessionm_event):
    return [result for result in tasks.results if result.task.func == task.func]


def test_the_path_is_the_named_route():
    assert reverse("integrations:sessionm-events") == URL


def test_an_event_is_recorded_and_queued_and_answered_at_once(tasks, django_capture_on_commit_callbacks):
    customer = CustomerFactory()
    body = event(user_id=customer.sessionm_user_id, data=offer_issued_data())

    with django_capture_on_commit_callbacks(execute=True):
        response = post(body)

    assert response.status_code == 202
    assert response.json() == {"id": body["id"], "status": "queued"}
    recorded = InboundEvent.objects.get(event_id=body["id"])
    assert (recorded.type, recorded.user_id, recorded.status) == (
        "offer_issued",
        customer.sessionm_user_id,
        InboundEventStatus.RECEIVED,
    )
    [queued] = enqueued(tasks)
    assert queued.args == [recorded.pk]
    assert not WalletItem.objects.exists()  # the work happens in the task, not in SessionM's request


def test_processing_offer_issued_records_the_item_its_message_and_reminder(tasks, django_capture_on_commit_callbacks):
    customer = CustomerFactory()
    data = offer_issued_data(points_awarded=180, point_account_name="Fries Points")
    with django_capture_on_commit_callbacks(execute=True):
        post(event(user_id=customer.sessionm_user_id, data=data))

    assert sessionm_event_process(event_pk=enqueued(tasks)[0].args[0]) == InboundEventStatus.PROCESSED

    item = WalletItem.objects.get()
    assert (item.customer, item.source, item.title, item.campaign_name, item.points_awarded) == (
        customer,
        WalletItemSource.WEBHOOK,
        "Free Large Fries",
        "Large Fries on us",
        180,
    )
    [issued] = Notification.objects.filter(kind=NotificationKind.OFFER_ISSUED)
    properties = issued.trigger_properties
    assert (properties["offer_title"], properties["points_awarded"], properties["sessionm_campaign_id"]) == (
        "Free Large Fries",
        180,
        "camp-7",
    )
    assert Notification.objects.filter(kind=NotificationKind.OFFER_EXPIRING, status="pending").count() == 1
    assert InboundEvent.objects.get().processed_at is not None


def test_processing_twice_changes_nothing(tasks, django_capture_on_commit_callbacks):
    customer = CustomerFactory()
    with django_capture_on_commit_callbacks(execute=True):
        post(event(user_id=customer.sessionm_user_id, data=offer_issued_data()))
    pk = enqueued(tasks)[0].args[0]

    sessionm_event_process(event_pk=pk)

    assert sessionm_event_process(event_pk=pk) == "skipped"
    assert Notification.objects.count() == 2


def test_a_repeated_event_id_is_acknowledged_and_ignored(tasks, django_capture_on_commit_callbacks):
    customer = CustomerFactory()
    body = event(user_id=customer.sessionm_user_id, data=offer_issued_data())

    with django_capture_on_commit_callbacks(execute=True):
        first, second = post(body), post(body)

    assert (first.status_code, second.status_code) == (202, 202)
    assert second.json() == {"id": body["id"], "status": "duplicate"}
    assert InboundEvent.objects.count() == 1
    assert len(enqueued(tasks)) == 1


def test_an_unknown_type_is_acknowledged_recorded_and_ignored(tasks, django_capture_on_commit_callbacks):
    body = event("tier_anniversary", user_id="someone", data={"anything": ["goes"]})

    with django_capture_on_commit_callbacks(execute=True):
        response = post(body)

    assert response.status_code == 202
    assert response.json()["status"] == "ignored"
    assert InboundEvent.objects.get().status == InboundEventStatus.IGNORED
    assert enqueued(tasks) == []


def _stale(seconds):
    # Computed when the test runs, not when it is collected: a long suite must not age it into tolerance.
    return lambda: str(int((timezone.now() + timedelta(seconds=seconds)).timestamp()))


@pytest.mark.parametrize(
    "tamper",
    [
        {"secret": "not-the-secret"},
        {"timestamp": _stale(-6 * 60)},
        {"timestamp": _stale(6 * 60)},
        {"timestamp": "yesterday"},
        {"signature": "sha256=" + "0" * 64},
        {"signature": "nonsense"},
    ],
    ids=["wrong-secret", "too-old", "from-the-future", "malformed-timestamp", "wrong-signature", "malformed-signature"],
)
def test_a_bad_signature_is_a_401_and_records_nothing(tamper):
    tamper = {name: value() if callable(value) else value for name, value in tamper.items()}
    response = post(event(user_id="u-1", data=offer_issued_data()), **tamper)

    assert response.status_code == 401
    assert response.json()["error"]["code"] == "authentication_failed"
    assert response["WWW-Authenticate"]
    assert not InboundEvent.objects.exists()


def test_a_replay_with_a_fresh_timestamp_does_not_verify():
    payload = json.dumps(event(user_id="u-1", data=offer_issued_data())).encode()
    old = _stale(-10 * 60)()
    captured = webhook_signature(secret=settings.SESSIONM_WEBHOOK_SECRET, timestamp=old, body=payload)

    response = post(None, raw=payload, signature=captured)  # the current timestamp, the old signature

    assert response.status_code == 401


def test_an_unsigned_request_is_a_401():
    response = APIClient().post(URL, event(user_id="u-1"), format="json")

    assert response.status_code == 401
    assert not InboundEvent.objects.exists()


def test_the_signature_covers_the_exact_bytes():
    body = event(user_id="u-1", data=offer_issued_data())
    payload = json.dumps(body).encode()
    timestamp = str(int(timezone.now().timestamp()))
    signature = webhook_signature(secret=settings.SESSIONM_WEBHOOK_SECRET, timestamp=timestamp, body=payload)

    response = post(None, raw=json.dumps(body, indent=2).encode(), timestamp=timestamp, signature=signature)

    assert response.status_code == 401


@pytest.mark.parametrize(
    ("raw_or_body", "detail"),
    [
        (b"{not json", None),
        ({"type": "offer_issued"}, "id"),
        ({**event(user_id="u-1"), "occurred_at": "last tuesday"}, "occurred_at"),
        (event(user_id="u-1", data={"name": "no user offer id"}), "data"),
        (event("offer_redeemed", user_id="u-1", data={}), "data"),
        (event("points_awarded", user_id="u-1", data={"points": "many"}), "data"),
    ],
)
def test_a_malformed_event_is_a_400(raw_or_body, detail):
    if isinstance(raw_or_body, bytes):
        response = post(None, raw=raw_or_body)
    else:
        response = post(raw_or_body)

    assert response.status_code == 400
    error = response.json()["error"]
    if detail is None:
        assert error["code"] == "malformed_request"
    else:
        assert error["code"] == "invalid"
        assert detail in error["details"]
    assert not InboundEvent.objects.exists()


def _receive_and_process(tasks, capture, body):
    with capture(execute=True):
        assert post(body).status_code == 202
    return sessionm_event_process(event_pk=enqueued(tasks)[-1].args[0])


def test_offer_redeemed_closes_the_item_and_cancels_its_reminder(tasks, django_capture_on_commit_callbacks):
    customer = CustomerFactory()
    item = record_item(customer, source=WalletItemSource.PURCHASE)

    status = _receive_and_process(
        tasks,
        django_capture_on_commit_callbacks,
        event("offer_redeemed", user_id=customer.sessionm_user_id, data={"user_offer_id": item.user_offer_id}),
    )

    assert status == InboundEventStatus.PROCESSED
    assert WalletItem.objects.get(pk=item.pk).state == WalletItemState.REDEEMED
    assert Notification.objects.get(pk=item.reminder_id).status == NotificationStatus.CANCELLED


def test_offer_redeemed_for_another_customers_offer_changes_nothing(tasks, django_capture_on_commit_callbacks):
    owner, stranger = CustomerFactory(), CustomerFactory()
    item = record_item(owner, source=WalletItemSource.PURCHASE)

    _receive_and_process(
        tasks,
        django_capture_on_commit_callbacks,
        event("offer_redeemed", user_id=stranger.sessionm_user_id, data={"user_offer_id": item.user_offer_id}),
    )

    assert WalletItem.objects.get(pk=item.pk).state == WalletItemState.ISSUED
    assert InboundEvent.objects.get().note == "offer not in the ledger"


def test_points_awarded_with_an_offer_are_recorded_on_it(tasks, django_capture_on_commit_callbacks):
    customer = CustomerFactory()
    item = record_item(customer, source=WalletItemSource.TRANSACTION)

    _receive_and_process(
        tasks,
        django_capture_on_commit_callbacks,
        event(
            "points_awarded",
            user_id=customer.sessionm_user_id,
            data={"points": 180, "point_account_name": "Fries Points", "user_offer_id": item.user_offer_id},
        ),
    )

    assert WalletItem.objects.get(pk=item.pk).points_awarded == 180


def test_points_awarded_alone_are_left_to_sessionm(tasks, django_capture_on_commit_callbacks):
    customer = CustomerFactory()

    status = _receive_and_process(
        tasks,
        django_capture_on_commit_callbacks,
        event("points_awarded", user_id=customer.sessionm_user_id, data={"points": 50}),
    )

    assert status == InboundEventStatus.PROCESSED
    assert not WalletItem.objects.exists()


def test_a_processed_event_makes_the_next_activity_view_read_sessionm_again(
    tasks, django_capture_on_commit_callbacks, settings, monkeypatch
):
    settings.ACTIVITY_CACHE_SECONDS = 30
    customer, other = CustomerFactory(), CustomerFactory()
    reads = []
    monkeypatch.setattr(timeline, "_read", lambda customer: reads.append(customer.pk) or ())
    for someone in (customer, other, customer, other):
        timeline.timeline_with_names(customer=someone, culture="en-US")
    assert reads == [customer.pk, other.pk]  # cached

    _receive_and_process(
        tasks,
        django_capture_on_commit_callbacks,
        event("points_awarded", user_id=customer.sessionm_user_id, data={"points": 50}),
    )
    timeline.timeline_with_names(customer=customer, culture="en-US")
    timeline.timeline_with_names(customer=other, culture="en-US")

    assert reads == [customer.pk, other.pk, customer.pk]  # only that customer's log is read again


def test_tier_changed_updates_the_braze_profile(tasks, django_capture_on_commit_callbacks, braze):
    customer = CustomerFactory()
    braze.post(USERS_TRACK, status=201, json={"message": "success", "attributes_processed": 1})

    status = _receive_and_process(
        tasks,
        django_capture_on_commit_callbacks,
        event("tier_changed", user_id=customer.sessionm_user_id, data={"tier": "Silver", "previous_tier": "Bronze"}),
    )

    assert status == InboundEventStatus.PROCESSED
    [call] = braze.calls
    assert json.loads(call.request.body) == {
        "attributes": [{"external_id": customer.sessionm_user_id, "loyalty_tier": "Silver"}]
    }


def test_a_braze_outage_is_retried_later_then_given_up(tasks, django_capture_on_commit_callbacks, braze, monkeypatch):
    monkeypatch.setattr(webhooks, "MAX_ATTEMPTS", 2)
    customer = CustomerFactory()
    braze.post(USERS_TRACK, status=503, json={"message": "down"})

    first = _receive_and_process(
        tasks,
        django_capture_on_commit_callbacks,
        event("tier_changed", user_id=customer.sessionm_user_id, data={"tier": "Gold"}),
    )

    assert first == InboundEventStatus.RECEIVED
    retry = enqueued(tasks)[-1]
    assert retry.task.run_after > timezone.now()
    assert sessionm_event_process(event_pk=retry.args[0]) == InboundEventStatus.FAILED
    recorded = InboundEvent.objects.get()
    assert (recorded.status, recorded.attempts) == (InboundEventStatus.FAILED, 2)
    assert "Braze unavailable" in recorded.note


def test_an_event_for_a_customer_we_do_not_know_is_ignored(tasks, django_capture_on_commit_callbacks):
    status = _receive_and_process(
        tasks, django_capture_on_commit_callbacks, event(user_id=str(uuid.uuid4()), data=offer_issued_data())
    )

    assert status == InboundEventStatus.IGNORED
    assert not WalletItem.objects.exists()


def test_the_offer_issued_message_is_in_the_customers_language(tasks, django_capture_on_commit_callbacks):
    customer = customer_signup(
        email="ines@example.com", password="Crispy-Golden-42", first_name="Inês", language="pt-br"
    )
    [issued] = get_sessionm_client().issue_offer(customer.sessionm_user_id, demo.FREE_LARGE_FRIES.id)
    english = demo.FREE_LARGE_FRIES.texts["en-US"]

    _receive_and_process(
        tasks,
        django_capture_on_commit_callbacks,
        event(
            user_id=customer.sessionm_user_id,
            data=offer_issued_data(issued.user_offer_id, name=english.name, description=english.description),
        ),
    )

    item = WalletItem.objects.get()
    assert (item.title, item.culture) == (demo.FREE_LARGE_FRIES.texts["pt-BR"].name, "pt-BR")
    offer_message = Notification.objects.get(kind=NotificationKind.OFFER_ISSUED)
    assert offer_message.trigger_properties["offer_title"] == demo.FREE_LARGE_FRIES.texts["pt-BR"].name


def test_when_sessionm_cannot_translate_the_texts_as_sent_are_used(tasks, django_capture_on_commit_callbacks):
    customer = CustomerFactory(language="fr")
    set_faults(upstreams=["sessionm-connect"], error_rate=1.0)
    try:
        _receive_and_process(
            tasks,
            django_capture_on_commit_callbacks,
            event(user_id=customer.sessionm_user_id, data=offer_issued_data()),
        )
    finally:
        clear_faults()

    assert (WalletItem.objects.get().title, WalletItem.objects.get().culture) == ("Free Large Fries", "en-US")


def test_the_schema_documents_both_endpoints(client):
    response = client.get(reverse("schema"), HTTP_ACCEPT="application/json")

    paths = response.json()["paths"]
    webhook = paths["/integrations/sessionm/events"]["post"]
    assert set(webhook["responses"]) >= {"202", "400", "401"}
    wallet = paths["/integrations/braze/wallet/{user_id}"]["get"]
    assert set(wallet["responses"]) >= {"200", "400", "401", "404", "503", "504"}
    schemas = response.json()["components"]["schemas"]
    assert {"OfferIssuedEventDataRequest", "SessionMEventDataRequest", "BrazeWallet", "ConnectedContentError"} <= set(
        schemas
    )


def test_failed_events_are_processed_again_from_the_admin(admin_client, tasks, django_capture_on_commit_callbacks):
    occurred = timezone.now()
    failed = InboundEvent.objects.create(
        event_id="evt-failed", type="tier_changed", occurred_at=occurred, user_id="u", status="failed", attempts=5
    )
    done = InboundEvent.objects.create(
        event_id="evt-done", type="tier_changed", occurred_at=occurred, user_id="u", status="processed", attempts=1
    )

    with django_capture_on_commit_callbacks(execute=True):
        response = admin_client.post(
            reverse("admin:messaging_inboundevent_changelist"),
            {"action": "process_again", "_selected_action": [failed.pk, done.pk]},
        )

    assert response.status_code == 302
    failed.refresh_from_db()
    done.refresh_from_db()
    assert (failed.status, failed.attempts) == (InboundEventStatus.RECEIVED, 0)
    assert done.status == InboundEventStatus.PROCESSED
    assert [result.args for result in enqueued(tasks)] == [[failed.pk]]


def test_the_ledger_and_events_are_browsable_in_the_admin(admin_client):
    item = record_item(CustomerFactory(), source=WalletItemSource.PURCHASE)

    assert admin_client.get(reverse("admin:messaging_walletitem_changelist")).status_code == 200
    assert admin_client.get(reverse("admin:messaging_walletitem_change", args=[item.pk])).status_code == 200
    assert admin_client.get(reverse("admin:messaging_inboundevent_changelist")).status_code == 200


def test_an_unexpected_error_marks_the_event_failed_for_the_admin(
    tasks, django_capture_on_commit_callbacks, monkeypatch
):
    customer = CustomerFactory()

    def broken(event, customer):
        raise KeyError("a bug")

    monkeypatch.setitem(webhooks._HANDLERS, "offer_redeemed", broken)

    with pytest.raises(KeyError):
        _receive_and_process(
            tasks,
            django_capture_on_commit_callbacks,
            event("offer_redeemed", user_id=customer.sessionm_user_id, data={"user_offer_id": "uo-1"}),
        )

    recorded = InboundEvent.objects.get()
    assert (recorded.status, recorded.note) == (InboundEventStatus.FAILED, "unexpected error: KeyError")


def test_campaign_runtime_custom_data_and_triggering_event_reach_the_offer_message(
    tasks, django_capture_on_commit_callbacks
):
    # Braze's SessionM partner page lists "campaign runtime", "campaign custom data" and triggering event data
    # among the fields SessionM sends (https://braze.com/docs/partners/message_orchestration/channel_extensions/
    # loyalty/sessionm): carried under those names when SessionM gives them.
    customer = CustomerFactory()
    data = offer_issued_data(
        campaign_runtime={"start_date": "2025-06-01T00:00:00Z", "end_date": "2025-06-30T23:59:59Z"},
        campaign_custom_data={"braze_campaign_id": "b-1", "tier": "gold"},
        triggering_event_data={"transaction_id": "t-9", "subtotal": "18.00"},
    )
    with django_capture_on_commit_callbacks(execute=True):
        post(event(user_id=customer.sessionm_user_id, data=data))
    sessionm_event_process(event_pk=enqueued(tasks)[0].args[0])

    [issued] = Notification.objects.filter(kind=NotificationKind.OFFER_ISSUED)
    properties = issued.trigger_properties
    assert properties["campaign_runtime"] == data["campaign_runtime"]
    assert properties["campaign_custom_data"] == data["campaign_custom_data"]
    assert properties["triggering_event_data"] == data["triggering_event_data"]


def test_without_them_the_message_has_no_such_keys(tasks, django_capture_on_commit_callbacks):
    customer = CustomerFactory()
    with django_capture_on_commit_callbacks(execute=True):
        post(event(user_id=customer.sessionm_user_id, data=offer_issued_data()))
    sessionm_event_process(event_pk=enqueued(tasks)[0].args[0])

    properties = Notification.objects.get(kind=NotificationKind.OFFER_ISSUED).trigger_properties
    assert not {"campaign_runtime", "campaign_custom_data", "triggering_event_data"} & set(properties)


def test_oversized_campaign_data_is_a_400(db):
    customer = CustomerFactory()
    data = offer_issued_data(campaign_custom_data={"blob": "x" * 9000})

    response = post(event(user_id=customer.sessionm_user_id, data=data))

    assert response.status_code == 400
    assert not InboundEvent.objects.exists()
