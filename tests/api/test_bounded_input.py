"""Hostile bodies: deep nesting and oversized payloads are a 400/413 in the right shape on every route, never a
500 (the envelope under /api/ and /integrations/, the site's page for web forms)."""

import time

import pytest
from django.urls import reverse
from rest_framework.test import APIClient

from apps.api.parsing import MAX_JSON_DEPTH, json_depth_exceeds
from apps.messaging.webhooks import SIGNATURE_HEADER, TIMESTAMP_HEADER, webhook_signature
from tests.accounts.helpers import signup

from .test_envelope import assert_envelope

pytestmark = pytest.mark.django_db

NESTED_1K = b"[" * 1_000 + b"]" * 1_000
NESTED_100K = b"[" * 100_000 + b"]" * 100_000
NESTED_OBJECTS = b'{"a":' * 2_000 + b"1" + b"}" * 2_000
MB = 1024 * 1024


@pytest.fixture
def access():
    return signup(APIClient()).access


def _json_routes():
    # (method, path, needs a bearer token)
    return [
        ("post", reverse("api:signup"), False),
        ("post", reverse("api:token"), False),
        ("post", reverse("api:token-refresh"), False),
        ("post", reverse("api:logout"), False),
        ("patch", reverse("api:me"), True),
        ("post", reverse("api:reward-purchase", kwargs={"offer_id": "offer-1"}), True),
        ("post", reverse("api:promo-codes"), True),
        ("post", reverse("api:events"), True),
        ("post", reverse("api:campaign-opt-in", kwargs={"campaign_id": "c-1"}), True),
    ]


def _send(client, method, path, raw, **headers):
    # With an Idempotency-Key even the routes that take no body read it (to fingerprint the request).
    return getattr(client, method)(
        path, data=raw, content_type="application/json", HTTP_IDEMPOTENCY_KEY="hostile-1", **headers
    )


@pytest.mark.parametrize(
    ("raw", "status", "code"),
    [
        (NESTED_1K, 400, "malformed_request"),
        (NESTED_OBJECTS, 400, "malformed_request"),
        # 200 KB: over the app API's 64 KB before its depth is even looked at.
        (NESTED_100K, 413, "request_too_large"),
    ],
    ids=["1k", "objects", "100k"],
)
def test_deep_nesting_is_refused_on_every_json_route(access, raw, status, code):
    for method, path, authed in _json_routes():
        client = APIClient()
        if authed:
            client.credentials(HTTP_AUTHORIZATION=f"Bearer {access}")
        assert_envelope(_send(client, method, path, raw), status, code)


@pytest.mark.parametrize("size", [3 * MB, 10 * MB], ids=["3MB", "10MB"])
def test_oversized_bodies_are_a_413_envelope_on_every_json_route(access, size):
    raw = b'{"x":"' + b"a" * size + b'"}'
    for method, path, authed in _json_routes():
        client = APIClient()
        if authed:
            client.credentials(HTTP_AUTHORIZATION=f"Bearer {access}")
        assert_envelope(_send(client, method, path, raw), 413, "request_too_large")


def _signed(raw: bytes) -> dict:
    timestamp = str(int(time.time()))
    signature = webhook_signature(secret="sandbox-webhook-secret", timestamp=timestamp, body=raw)
    return {
        f"HTTP_{TIMESTAMP_HEADER.upper().replace('-', '_')}": timestamp,
        f"HTTP_{SIGNATURE_HEADER.upper().replace('-', '_')}": signature,
    }


@pytest.mark.parametrize("raw", [NESTED_1K, NESTED_100K], ids=["1k", "100k"])
def test_the_webhook_refuses_deep_nesting_even_when_signed(settings, raw):
    settings.SESSIONM_WEBHOOK_SECRET = "sandbox-webhook-secret"
    response = APIClient().post(
        reverse("integrations:sessionm-events"), data=raw, content_type="application/json", **_signed(raw)
    )
    assert_envelope(response, 400, "malformed_request")


@pytest.mark.parametrize("size", [3 * MB, 10 * MB], ids=["3MB", "10MB"])
def test_the_webhook_refuses_oversized_bodies(size):
    raw = b'{"x":"' + b"a" * size + b'"}'
    response = APIClient().post(
        reverse("integrations:sessionm-events"), data=raw, content_type="application/json", **_signed(raw)
    )
    assert_envelope(response, 413, "request_too_large")


def test_nesting_up_to_the_limit_is_still_read(access):
    raw = b'{"event":' + b"[" * (MAX_JSON_DEPTH - 1) + b"]" * (MAX_JSON_DEPTH - 1) + b"}"
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {access}")
    response = _send(client, "post", reverse("api:events"), raw)
    # Read, then refused by the serializer for its shape: a field error, not a parse error.
    assert_envelope(response, 400, "invalid")


def test_brackets_inside_strings_do_not_count():
    assert not json_depth_exceeds(b'{"a": "' + b"[" * 1000 + b'"}')
    assert not json_depth_exceeds(b'{"a": "\\"[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[["}', limit=2)
    assert json_depth_exceeds(b"[[[", limit=2)


def test_nan_is_not_json(access):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {access}")
    assert_envelope(_send(client, "post", reverse("api:events"), b'{"event": NaN}'), 400, "malformed_request")


@pytest.mark.parametrize("size", [3 * MB, 10 * MB], ids=["3MB", "10MB"])
def test_an_oversized_web_form_gets_the_friendly_page(client, size):
    response = client.post(
        reverse("web:login"),
        data=b"email=a%40b.c&password=" + b"x" * size,
        content_type="application/x-www-form-urlencoded",
    )
    assert response.status_code == 413
    assert b"too much to send" in response.content
    assert b"site.css" in response.content


def test_a_web_form_with_too_many_fields_gets_the_friendly_page(client):
    raw = "&".join(f"f{i}=1" for i in range(5000)).encode()
    response = client.post(reverse("web:login"), data=raw, content_type="application/x-www-form-urlencoded")
    assert response.status_code == 400
    assert b"could not read that" in response.content


def test_an_oversized_admin_login_gets_the_friendly_page(client):
    response = client.post(
        "/admin/login/", data=b"username=a&password=" + b"x" * 3 * MB, content_type="application/x-www-form-urlencoded"
    )
    assert response.status_code == 413


def test_too_many_form_fields_on_an_api_path_is_the_envelope():
    raw = "&".join(f"f{i}=1" for i in range(5000)).encode()
    response = APIClient().post(reverse("api:token"), data=raw, content_type="application/x-www-form-urlencoded")
    assert_envelope(response, 400, "malformed_request")
