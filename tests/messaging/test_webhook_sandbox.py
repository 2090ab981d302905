"""The emulated SessionM's outbound webhook: what it sends, when, and how it copes with a failing receiver."""

import json
import threading

import pytest
import requests
import responses
from django.conf import settings

from apps.accounts.services import customer_signup
from apps.messaging.serializers import OfferIssuedEventDataSerializer
from apps.messaging.webhooks import webhook_signature
from apps.sandbox import demo
from apps.sandbox.sessionm import webhook
from apps.sessionm import get_sessionm_client
from apps.sessionm.errors import SessionMNotFound

URL = "http://bff.test/integrations/sessionm/events"


@pytest.fixture
def sent(settings, monkeypatch):
    """The webhook on; each dispatched (url, body) collected instead of posted."""
    settings.SANDBOX_WEBHOOK_URL = URL
    calls = []
    monkeypatch.setattr(webhook, "dispatch", lambda url, body: calls.append((url, json.loads(body))))
    return calls


def signed_up():
    return customer_signup(email="ines@example.com", password="Crispy-Golden-42", first_name="Inês")


@pytest.mark.django_db(transaction=True)
def test_issuing_an_offer_emits_offer_issued_after_the_commit(sent):
    customer = signed_up()

    [issued] = get_sessionm_client().issue_offer(customer.sessionm_user_id, demo.FREE_SNACK_BOX.id)

    [(url, event)] = sent
    assert url == URL
    assert (event["type"], event["user_id"]) == ("offer_issued", customer.sessionm_user_id)
    data = event["data"]
    assert data["user_offer_id"] == issued.user_offer_id
    assert (data["offer_id"], data["name"], data["culture"]) == (
        demo.FREE_SNACK_BOX.id,
        demo.FREE_SNACK_BOX.texts["en-US"].name,
        "en-US",
    )
    assert data["redemption_end_date"].endswith("Z")
    assert "campaign_id" not in data  # issued through Connect, not by a campaign


@pytest.mark.django_db(transaction=True)
def test_a_campaign_reward_names_its_campaign(sent):
    customer = signed_up()
    tuesdays = next(c for c in demo.CAMPAIGNS.values() if c.slug == "mobile-tuesdays")

    get_sessionm_client().opt_in(customer.sessionm_user_id, tuesdays.id)

    [(_url, event)] = sent
    assert (event["data"]["campaign_id"], event["data"]["campaign_name"]) == (tuesdays.id, tuesdays.texts["en-US"].name)
    # The partner page's campaign runtime and custom data, and the triggering event, as the receiver reads them.
    assert event["data"]["campaign_runtime"]["start_date"].startswith(tuesdays.start.strftime("%Y-%m-%d"))
    assert event["data"]["campaign_custom_data"] == {"requires_opt_in": True, "rule": tuesdays.rule}
    assert event["data"]["triggering_event_data"]["source"] == f"campaign:{tuesdays.slug}"
    assert OfferIssuedEventDataSerializer(data=event["data"]).is_valid()


@pytest.mark.django_db(transaction=True)
def test_nothing_is_emitted_when_the_issue_fails_or_the_webhook_is_off(sent, settings):
    customer = signed_up()
    with pytest.raises(SessionMNotFound):
        get_sessionm_client().issue_offer(customer.sessionm_user_id, "no-such-offer")
    settings.SANDBOX_WEBHOOK_URL = ""
    get_sessionm_client().issue_offer(customer.sessionm_user_id, demo.FREE_SNACK_BOX.id)

    assert sent == []


def test_dispatch_posts_from_a_background_thread(monkeypatch):
    threads = []
    monkeypatch.setattr(webhook, "deliver", lambda url, body: threads.append(threading.current_thread()))

    webhook.dispatch(URL, b"{}")
    for thread in threading.enumerate():
        if thread.name == "sandbox-webhook":
            thread.join(timeout=5)

    assert threads and threads[0] is not threading.main_thread()


def test_delivery_is_signed_the_way_the_receiver_checks():
    body = b'{"id":"evt-1"}'
    with responses.RequestsMock() as mock:
        mock.post(URL, status=202)
        assert webhook.deliver(URL, body, sleep=lambda s: None) is True
        [call] = mock.calls

    headers = call.request.headers
    expected = webhook_signature(
        secret=settings.SESSIONM_WEBHOOK_SECRET, timestamp=headers["X-SessionM-Timestamp"], body=body
    )
    assert headers["X-SessionM-Signature"] == expected
    assert call.request.body == body
    assert call.request.req_kwargs["timeout"] == webhook.TIMEOUT


@pytest.mark.parametrize(
    "failure",
    [
        {"status": 503},
        {"status": 429},
        {"body": requests.ConnectionError("refused")},
        {"body": requests.ReadTimeout("slow")},
    ],
)
def test_transient_failures_are_retried_a_few_times_then_logged(failure, caplog):
    sleeps = []
    with responses.RequestsMock() as mock:
        mock.post(URL, **failure)
        assert webhook.deliver(URL, b"{}", sleep=sleeps.append) is False
        assert len(mock.calls) == webhook.ATTEMPTS

    assert sleeps == [webhook.BACKOFF, webhook.BACKOFF * 2]
    assert "not delivered" in caplog.text


def test_a_refusal_is_not_retried():
    with responses.RequestsMock() as mock:
        mock.post(URL, status=401)
        assert webhook.deliver(URL, b"{}", sleep=lambda s: None) is False
        assert len(mock.calls) == 1


def test_a_transient_failure_then_success():
    with responses.RequestsMock() as mock:
        mock.post(URL, status=500)
        mock.post(URL, status=202)
        assert webhook.deliver(URL, b"{}", sleep=lambda s: None) is True
        assert len(mock.calls) == 2
