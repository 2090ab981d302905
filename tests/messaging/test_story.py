"""The seed walk-through's messages, end to end against the sandbox: Amanda signs up (welcome), opts in to
"Large Fries on us" and buys two kinds of fries; SessionM issues "Free Large Fries" and calls the BFF's
webhook (offer-issued message); 20 days later the expiry reminder goes out. Each message once, with the
fields Braze's SessionM partner page lists, read from what the emulated Braze received."""

from datetime import datetime, timedelta
from urllib.parse import urlsplit

import pytest
import responses
from django.conf import settings
from django.urls import reverse
from rest_framework.test import APIClient

from apps.messaging.delivery import deliver_due
from apps.messaging.models import InboundEvent, Notification, NotificationKind, NotificationStatus, WalletItem
from apps.sandbox import demo
from apps.sandbox.models import BrazeMessage
from apps.sandbox.sessionm import webhook as sandbox_webhook
from tests.till import post_signed
from tests.till import sale as sale_body

WEBHOOK_URL = "http://bff.test/integrations/sessionm/events"


@pytest.fixture
def immediate_tasks(settings):
    """Tasks run as they are enqueued (at commit), as a worker would run them right away."""
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend", "QUEUES": ["default"]}}


@pytest.fixture
def sessionm_webhook(settings, monkeypatch):
    """The emulated SessionM's webhook on, delivered over HTTP (mocked at the socket) to this BFF's Django app,
    in the moment the issuing transaction commits instead of on a thread (so the test can read what follows)."""
    settings.SANDBOX_WEBHOOK_URL = WEBHOOK_URL
    monkeypatch.setattr(sandbox_webhook, "dispatch", sandbox_webhook.deliver)
    delivered = []

    def forward(request):
        response = APIClient().generic(
            "POST",
            urlsplit(request.url).path,
            request.body,
            content_type=request.headers["Content-Type"],
            HTTP_X_SESSIONM_TIMESTAMP=request.headers["X-SessionM-Timestamp"],
            HTTP_X_SESSIONM_SIGNATURE=request.headers["X-SessionM-Signature"],
        )
        delivered.append(response.status_code)
        return response.status_code, {}, response.content

    with responses.RequestsMock() as mock:
        mock.add_callback(responses.POST, WEBHOOK_URL, callback=forward)
        yield delivered


def api(name, **kwargs):
    return reverse(f"api:{name}", kwargs=kwargs or None)


@pytest.mark.django_db(transaction=True)
def test_welcome_offer_issued_and_expiry_reminder_each_once(immediate_tasks, sessionm_webhook):
    app = APIClient()
    signup = app.post(
        api("signup"),
        {"email": "amanda@example.com", "password": "Crispy-Golden-42", "first_name": "Amanda", "language": "en"},
        format="json",
    )
    assert signup.status_code == 201, signup.content
    app.credentials(HTTP_AUTHORIZATION=f"Bearer {signup.json()['access']}")
    campaigns = app.get(api("campaigns")).json()["results"]
    [large_fries] = [c for c in campaigns if c["name"] == "Large Fries on us"]
    assert app.post(api("campaign-opt-in", campaign_id=large_fries["id"])).status_code == 200

    # She shows her member code at the counter; the till rings up $18.
    code = app.get(api("member-code")).json()["code"]
    sale = post_signed(sale_body([("FF-PULLED-PORK", 1, "10.00"), ("FF-CURLY", 1, "8.00")], member_code=code))
    assert sale.status_code == 202, sale.content

    # SessionM told the BFF, which recorded the item and sent the offer-issued message.
    assert sessionm_webhook == [202]
    assert InboundEvent.objects.get().status == "processed"
    item = WalletItem.objects.get()
    amanda = item.customer
    assert item.title == "Free Large Fries" and item.campaign_name == "Large Fries on us"
    wallet = app.get(api("wallet")).json()["results"]
    assert [offer["id"] for offer in wallet] == [item.user_offer_id]

    # The reminder is due 10 days before the 30-day offer expires; a delivery run then sends it.
    reminder = Notification.objects.get(kind=NotificationKind.OFFER_EXPIRING)
    assert reminder.due_at == item.expires_at - timedelta(days=settings.OFFER_EXPIRY_REMINDER_DAYS)
    assert deliver_due(now=reminder.due_at - timedelta(minutes=1)).sent == 0
    assert deliver_due(now=reminder.due_at + timedelta(minutes=1)).sent == 1
    assert deliver_due(now=reminder.due_at + timedelta(days=2)).sent == 0
    assert deliver_due(now=item.expires_at + timedelta(days=1)).sent == 0

    messages = list(BrazeMessage.objects.filter(recipient=amanda.sessionm_user_id).order_by("id"))
    targets = {kind: settings.BRAZE_MESSAGES[kind]["id"] for kind in ("welcome", "offer_issued", "offer_expiring")}
    assert [message.target_id for message in messages] == [
        targets["welcome"],
        targets["offer_issued"],
        targets["offer_expiring"],
    ]
    welcome, issued, expiring = messages
    assert welcome.properties["email"] == "amanda@example.com"

    offer_fields = {
        "customer_id": amanda.sessionm_user_id,
        "email": "amanda@example.com",
        "offer_id": demo.FREE_LARGE_FRIES.id,
        "offer_title": "Free Large Fries",
        "user_offer_id": item.user_offer_id,
        "description": demo.FREE_LARGE_FRIES.texts["en-US"].description,
        "terms": demo.FREE_LARGE_FRIES.texts["en-US"].terms,
        "logo": demo.FREE_LARGE_FRIES.image_url,
        "pos_discount_id": demo.FREE_LARGE_FRIES.pos_discount_id,
    }
    for message in (issued, expiring):
        assert offer_fields.items() <= message.properties.items()
        expiry = datetime.fromisoformat(message.properties["expiration_date"])
        assert expiry == item.expires_at and expiry.utcoffset() == timedelta(0)
    assert issued.properties["sessionm_campaign_id"] == large_fries["id"]
    assert issued.properties["sessionm_campaign_name"] == "Large Fries on us"
    assert "broadcast" not in issued.properties
    assert Notification.objects.filter(status=NotificationStatus.SENT).count() == 3
