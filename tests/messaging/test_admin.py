"""The outbox in the admin: staff only, filters, search, attempts inline, retry and cancel actions."""

import pytest
from django.contrib.auth import get_user_model
from django.urls import reverse

from apps.messaging.models import AttemptOutcome, DeliveryAttempt, NotificationStatus
from tests.factories import NotificationFactory

pytestmark = pytest.mark.django_db

CHANGELIST = "admin:messaging_notification_changelist"


@pytest.fixture
def staff(client):
    admin = get_user_model().objects.create_superuser("ops@fancyfries.test", "ops@fancyfries.test", "pw-Ops-12345")
    client.force_login(admin)
    return client


def test_customers_cannot_open_the_outbox(client):
    customer = NotificationFactory().customer
    client.force_login(customer.user)

    response = client.get(reverse(CHANGELIST))

    assert response.status_code == 302
    assert "/admin/login/" in response["Location"]


def test_filter_by_status_and_kind_and_search_by_recipient_or_key(staff):
    dead = NotificationFactory(status=NotificationStatus.DEAD, dedupe_key="welcome:41")
    NotificationFactory(status=NotificationStatus.SENT, dedupe_key="welcome:42")

    by_status = staff.get(reverse(CHANGELIST), {"status__exact": "dead", "kind__exact": "welcome"})
    by_recipient = staff.get(reverse(CHANGELIST), {"q": dead.recipient})
    by_key = staff.get(reverse(CHANGELIST), {"q": "welcome:42"})

    assert list(by_status.context["cl"].result_list) == [dead]
    assert list(by_recipient.context["cl"].result_list) == [dead]
    assert [n.dedupe_key for n in by_key.context["cl"].result_list] == ["welcome:42"]


def test_the_change_page_lists_every_attempt(staff):
    notification = NotificationFactory(status=NotificationStatus.PENDING, attempts=1)
    DeliveryAttempt.objects.create(
        notification=notification,
        started_at=notification.created_at,
        finished_at=notification.created_at,
        outcome=AttemptOutcome.TRANSIENT_ERROR,
        http_status=503,
        error="BrazeUnavailable: braze campaign_trigger: HTTP 503",
    )

    response = staff.get(reverse("admin:messaging_notification_change", args=[notification.pk]))

    assert response.status_code == 200
    assert "BrazeUnavailable: braze campaign_trigger: HTTP 503" in response.content.decode()


def test_retry_selected_sends_dead_and_failed_again(staff):
    dead = NotificationFactory(status=NotificationStatus.DEAD, attempts=8)
    sent = NotificationFactory(status=NotificationStatus.SENT)

    response = staff.post(
        reverse(CHANGELIST), {"action": "retry_selected", "_selected_action": [dead.pk, sent.pk]}, follow=True
    )

    assert response.status_code == 200
    dead.refresh_from_db()
    sent.refresh_from_db()
    assert (dead.status, dead.attempts) == (NotificationStatus.PENDING, 0)
    assert sent.status == NotificationStatus.SENT
    assert "1 notification will be sent again." in response.content.decode()


def test_cancel_selected(staff):
    pending = NotificationFactory()

    staff.post(reverse(CHANGELIST), {"action": "cancel_selected", "_selected_action": [pending.pk]})

    pending.refresh_from_db()
    assert pending.status == NotificationStatus.CANCELLED
