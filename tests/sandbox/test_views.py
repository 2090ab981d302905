"""The developer's page at /sandbox/: messages Braze would have sent, SessionM customers, fault switches."""

import pytest
from django.conf import settings
from django.test import Client
from django.urls import reverse

from apps.braze.client import BrazeClient
from apps.braze.types import Recipient
from apps.sandbox import faults
from apps.sandbox.models import BrazeMessage
from apps.upstream.factory import upstream_session

# Through the project's URLs: loyalty_bff/urls.py mounts the page at /sandbox/ while SANDBOX_ENABLED.
pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _fresh_cache():
    faults.invalidate_cache()
    yield
    faults.invalidate_cache()


@pytest.fixture
def braze():
    return BrazeClient(
        rest_url=settings.BRAZE_REST_URL,
        api_key=settings.BRAZE_API_KEY,
        timeout=settings.BRAZE_TIMEOUT,
        session=upstream_session(),
    )


def welcome(braze, external_id, **properties):
    braze.trigger(
        target={"type": "campaign", "id": "sandbox-welcome-campaign"},
        recipients=[
            Recipient(
                external_id,
                trigger_properties=properties,
                attributes={"first_name": "Amanda", "language": "pt"},
                send_to_existing_only=False,
            )
        ],
    )


def message(target_id, recipient, **properties):
    return BrazeMessage.objects.using("sandbox").create(
        dispatch_id="d" * 32, target_type="campaign", target_id=target_id, recipient=recipient, properties=properties
    )


def test_the_page_shows_what_braze_would_have_sent(client, braze):
    welcome(braze, "user-amanda", email="amanda@example.com", points=100, offer={"id": "o-1", "name": "Free fries"})

    response = client.get(reverse("sandbox:index"))

    assert response.status_code == 200
    html = response.content.decode()
    assert "sandbox-welcome-campaign" in html
    assert "user-amanda" in html
    assert "amanda@example.com" in html
    assert "Free fries" in html
    # Attributes are shown with the message they came with.
    assert "first_name" in html and "Amanda" in html
    assert reverse("sandbox:customer", args=["user-amanda"]) in html


def test_property_values_are_escaped(client):
    message("c", "u", name="<script>alert(1)</script>")

    html = client.get(reverse("sandbox:index")).content.decode()

    assert "<script>alert(1)</script>" not in html
    assert "&lt;script&gt;" in html


def test_messages_are_newest_first_and_paginated(client):
    for number in range(25):
        message("c", "u", number=number)

    first = client.get(reverse("sandbox:index"))
    second = client.get(reverse("sandbox:index"), {"page": 2})

    assert [row.properties for row in first.context["rows"]][:2] == [[("number", "24")], [("number", "23")]]
    assert len(first.context["rows"]) == 20
    assert [row.properties for row in second.context["rows"]] == [[("number", str(n))] for n in range(4, -1, -1)]
    assert "page=2" in first.content.decode()


def test_messages_can_be_filtered_by_campaign_and_recipient(client):
    message("welcome", "u1")
    message("welcome", "u2")
    message("offer", "u1")

    by_target = client.get(reverse("sandbox:index"), {"target": "welcome"}).context["rows"]
    by_both = client.get(reverse("sandbox:index"), {"target": "welcome", "recipient": "u1"}).context["rows"]

    assert sorted(row.message.recipient for row in by_target) == ["u1", "u2"]
    assert [(row.message.target_id, row.message.recipient) for row in by_both] == [("welcome", "u1")]


def test_the_page_links_to_sessionm_customers_with_their_points_and_wallet(client):
    from apps.sandbox.sessionm.calls import call

    created = call(
        "user_create",
        {"user": {"external_id": "ext-amanda", "email": "amanda@example.com", "first_name": "Amanda"}},
    )
    user_id = created.body["user"]["id"]
    message("sandbox-welcome-campaign", user_id, email="amanda@example.com")

    index = client.get(reverse("sandbox:index")).content.decode()
    detail = client.get(reverse("sandbox:customer", args=[user_id]))

    assert reverse("sandbox:customer", args=[user_id]) in index
    assert "ext-amanda" in index
    assert detail.status_code == 200
    assert detail.context["user"]["available_points"] == 100
    assert isinstance(detail.context["wallet"], list)
    assert "Wallet" in detail.content.decode()
    assert [row.message.recipient for row in detail.context["braze_messages"]] == [user_id]


def test_an_unknown_customer_is_404(client):
    assert client.get(reverse("sandbox:customer", args=["no-such-user"])).status_code == 404


def test_fault_switches_are_a_form_protected_by_csrf():
    browser = Client(enforce_csrf_checks=True)
    page = browser.get(reverse("sandbox:index"))
    token = page.cookies["csrftoken"].value
    fields = {
        "upstream": "braze",
        "latency_ms": "50",
        "error_rate": "0.25",
        "timeout_rate": "0",
        "rate_limit_rate": "1",
    }

    refused = browser.post(reverse("sandbox:faults"), fields)
    saved = browser.post(reverse("sandbox:faults"), {**fields, "csrfmiddlewaretoken": token})

    assert refused.status_code == 403
    assert saved.status_code == 302
    assert faults.all_faults()["braze"] == faults.Faults(latency_ms=50, error_rate=0.25, rate_limit_rate=1.0)
    assert "saved" in browser.get(saved.url).content.decode()


def test_sessionm_switches_have_no_rate_limit_field(client):
    forms = {form.upstream_name: form for form in client.get(reverse("sandbox:index")).context["fault_forms"]}

    assert "rate_limit_rate" in forms["braze"].fields
    assert "rate_limit_rate" not in forms["sessionm-core"].fields
    # "202 queued" (Braze) and "pending processing" (Cloud POS) only where those vendors answer them.
    assert "deferred_rate" in forms["braze"].fields and "deferred_rate" in forms["sessionm-pos"].fields
    assert "deferred_rate" not in forms["sessionm-core"].fields


def test_an_invalid_switch_is_shown_with_its_error_and_changes_nothing(client):
    response = client.post(
        reverse("sandbox:faults"),
        {"upstream": "sessionm-core", "latency_ms": "10", "error_rate": "3", "timeout_rate": "0"},
    )

    assert response.status_code == 400
    assert "less than or equal to 1" in response.content.decode()
    assert faults.all_faults()["sessionm-core"] == faults.Faults()


def test_an_unknown_upstream_is_refused(client):
    response = client.post(reverse("sandbox:faults"), {"upstream": "mailchimp", "latency_ms": "10"})

    assert response.status_code == 400
    assert faults.all_faults() == {name: faults.Faults() for name in faults.UPSTREAMS}
