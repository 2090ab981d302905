"""The SessionM webhook's authentication, as agreed with SessionM (SESSIONM_WEBHOOK_AUTH).

SessionM publishes no signing scheme: its delivery team builds each outbound webhook to the partner's needs,
so the receiver takes a static bearer token, Basic credentials, a custom header, or an HMAC signature.
"""

import base64
import json
import uuid

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from apps.messaging.models import InboundEvent
from apps.messaging.webhooks import webhook_signature
from apps.sandbox.sessionm.webhook import signed_headers
from tests.factories import CustomerFactory

pytestmark = pytest.mark.django_db

URL = "/integrations/sessionm/events"
SECRET = "0f6c2b1d9e8a7c6b5a4f3e2d1c0b9a8f"


def body():
    customer = CustomerFactory()
    return json.dumps(
        {
            "id": f"evt-{uuid.uuid4()}",
            "type": "points_awarded",
            "occurred_at": "2025-06-03T10:00:00Z",
            "user_id": customer.sessionm_user_id,
            "data": {"points": 5},
        }
    ).encode()


def post(payload: bytes, **headers):
    return APIClient().generic("POST", URL, payload, content_type="application/json", **headers)


def basic(user: str, password: str) -> str:
    return "Basic " + base64.b64encode(f"{user}:{password}".encode()).decode()


@pytest.fixture(autouse=True)
def secret(settings):
    settings.SESSIONM_WEBHOOK_SECRET = SECRET
    settings.SESSIONM_WEBHOOK_USERNAME = "sessionm"
    settings.SESSIONM_WEBHOOK_HEADER = "X-FF-Webhook-Key"


CASES = {
    "bearer": (
        {"HTTP_AUTHORIZATION": f"Bearer {SECRET}"},
        [{"HTTP_AUTHORIZATION": "Bearer wrong"}, {"HTTP_AUTHORIZATION": basic("sessionm", SECRET)}, {}],
    ),
    "basic": (
        {"HTTP_AUTHORIZATION": basic("sessionm", SECRET)},
        [
            {"HTTP_AUTHORIZATION": basic("someone", SECRET)},
            {"HTTP_AUTHORIZATION": basic("sessionm", "wrong")},
            {"HTTP_AUTHORIZATION": "Basic not-base64!"},
            {"HTTP_AUTHORIZATION": f"Bearer {SECRET}"},
        ],
    ),
    "header": (
        {"HTTP_X_FF_WEBHOOK_KEY": SECRET},
        [{"HTTP_X_FF_WEBHOOK_KEY": "wrong"}, {"HTTP_AUTHORIZATION": f"Bearer {SECRET}"}, {}],
    ),
}


@pytest.mark.parametrize("scheme", sorted(CASES))
def test_each_static_credential_scheme_accepts_only_its_own_credential(settings, scheme):
    settings.SESSIONM_WEBHOOK_AUTH = scheme
    good, bad = CASES[scheme]

    for headers in bad:
        response = post(body(), **headers)
        assert response.status_code == 401, headers
        assert SECRET not in response.content.decode()
    assert not InboundEvent.objects.exists()

    assert post(body(), **good).status_code == 202
    assert InboundEvent.objects.count() == 1


@pytest.mark.parametrize("scheme", sorted(CASES))
def test_a_static_credential_scheme_does_not_take_an_hmac_signature(settings, scheme):
    settings.SESSIONM_WEBHOOK_AUTH = scheme
    payload = body()
    stamp = str(int(timezone.now().timestamp()))
    signature = webhook_signature(secret=SECRET, timestamp=stamp, body=payload)

    response = post(payload, HTTP_X_SESSIONM_TIMESTAMP=stamp, HTTP_X_SESSIONM_SIGNATURE=signature)

    assert response.status_code == 401


def test_the_challenge_names_the_configured_scheme(settings):
    for scheme, challenge in (("bearer", "Bearer"), ("basic", "Basic"), ("header", "Token"), ("hmac", "HMAC")):
        settings.SESSIONM_WEBHOOK_AUTH = scheme
        assert post(body())["WWW-Authenticate"].startswith(challenge)


@pytest.mark.parametrize("scheme", ["hmac", *sorted(CASES)])
def test_the_sandboxs_webhook_sends_what_the_setting_says(settings, scheme):
    # The emulator's outbound webhook is built to the agreed scheme, as SessionM's team would build it.
    settings.SESSIONM_WEBHOOK_AUTH = scheme
    payload = body()
    headers = signed_headers(payload, timestamp=int(timezone.now().timestamp()))
    meta = {
        "HTTP_" + name.upper().replace("-", "_"): value for name, value in headers.items() if name != "Content-Type"
    }

    assert post(payload, **meta).status_code == 202
