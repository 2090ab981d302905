"""Idempotency-Key on state-changing requests: replay, reuse with another request, two at once, release on
failure, expiry. Exercised on a small view of this module (its URLconf), so each test controls what the
request does and counts how often it ran."""

import io
import threading
from datetime import timedelta

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.db import connections
from django.urls import path
from django.utils import timezone
from rest_framework.response import Response
from rest_framework.test import APIClient
from rest_framework.views import APIView

from apps.api.idempotency import idempotent
from apps.api.models import IdempotencyKey
from apps.core.errors import Conflict
from apps.sessionm.errors import SessionMTimeout, SessionMUnavailable

pytestmark = [pytest.mark.urls(__name__), pytest.mark.django_db]


class Behaviour:
    """What the view does next, and what it saw. Reset for every test."""

    def __init__(self):
        self.calls = []
        self.raise_exc = None
        self.entered = threading.Event()
        self.release = threading.Event()
        self.release.set()


behaviour = Behaviour()


class OrderApi(APIView):
    @idempotent
    def post(self, request):
        behaviour.calls.append(request.data)
        behaviour.entered.set()
        assert behaviour.release.wait(timeout=10)
        if behaviour.raise_exc is not None:
            raise behaviour.raise_exc
        return Response({"order": len(behaviour.calls), "echo": request.data}, status=201)


urlpatterns = [path("api/v1/orders", OrderApi.as_view()), path("api/v1/other-orders", OrderApi.as_view())]


@pytest.fixture(autouse=True)
def _fresh_behaviour():
    global behaviour
    behaviour = Behaviour()
    yield


@pytest.fixture
def user():
    return get_user_model().objects.create_user(username="amanda@example.com", password="x")


def api_for(user) -> APIClient:
    api = APIClient()
    api.force_authenticate(user)
    return api


@pytest.fixture
def api(user):
    return api_for(user)


def post(api, body, key=None, url="/api/v1/orders"):
    headers = {} if key is None else {"Idempotency-Key": key}
    return api.post(url, body, format="json", headers=headers)


def test_without_a_key_every_request_runs(api):
    assert post(api, {"sku": "FF-CURLY"}).json()["order"] == 1
    assert post(api, {"sku": "FF-CURLY"}).json()["order"] == 2
    assert not IdempotencyKey.objects.exists()


def test_a_repeat_returns_the_first_response_and_runs_nothing(api):
    first = post(api, {"sku": "FF-CURLY", "quantity": 2}, key="order-1")
    # Same body with other key order and spacing: the same request.
    again = api.post(
        "/api/v1/orders",
        '{ "quantity": 2,  "sku": "FF-CURLY" }',
        content_type="application/json",
        headers={"Idempotency-Key": "order-1"},
    )

    assert first.status_code == again.status_code == 201
    assert again.json() == first.json() == {"order": 1, "echo": {"sku": "FF-CURLY", "quantity": 2}}
    assert again["Idempotent-Replayed"] == "true"
    assert "Idempotent-Replayed" not in first
    assert len(behaviour.calls) == 1


def test_the_same_key_with_another_body_is_refused(api):
    post(api, {"sku": "FF-CURLY"}, key="order-1")

    response = post(api, {"sku": "FF-LARGE"}, key="order-1")

    assert response.status_code == 422
    assert response.json()["error"]["code"] == "idempotency_key_reused"
    assert len(behaviour.calls) == 1


def test_the_same_key_on_another_path_is_refused(api):
    post(api, {"sku": "FF-CURLY"}, key="order-1")

    response = post(api, {"sku": "FF-CURLY"}, key="order-1", url="/api/v1/other-orders")

    assert response.status_code == 422
    assert response.json()["error"]["code"] == "idempotency_key_reused"


def test_keys_belong_to_one_customer(api):
    other = get_user_model().objects.create_user(username="bruno@example.com", password="x")
    post(api, {"sku": "FF-CURLY"}, key="order-1")

    response = post(api_for(other), {"sku": "FF-CURLY"}, key="order-1")

    assert response.status_code == 201
    assert "Idempotent-Replayed" not in response
    assert len(behaviour.calls) == 2


# Header values travel as latin-1; "ключ" arrives as bytes outside visible ASCII.
@pytest.mark.parametrize("key", ["", " ", "has space", "x" * 256, "ключ".encode().decode("latin-1")])
def test_a_malformed_key_is_a_400(api, key):
    response = post(api, {"sku": "FF-CURLY"}, key=key)

    assert response.status_code == 400
    assert "Idempotency-Key" in response.json()["error"]["details"]
    assert behaviour.calls == []


def test_a_key_of_255_visible_characters_is_accepted(api):
    assert post(api, {}, key="~" * 255).status_code == 201


def test_a_business_refusal_is_stored_and_replayed(api):
    behaviour.raise_exc = Conflict("Not enough points.", code="insufficient_points")
    first = post(api, {"offer": "curly"}, key="buy-1")
    behaviour.raise_exc = None  # would succeed now, but the same request gets the same answer

    again = post(api, {"offer": "curly"}, key="buy-1")

    assert first.status_code == again.status_code == 409
    assert again.json() == first.json()
    assert again.json()["error"]["code"] == "insufficient_points"
    assert len(behaviour.calls) == 1


@pytest.mark.parametrize(("failure", "status"), [(SessionMUnavailable("down"), 503), (SessionMTimeout("slow"), 504)])
def test_an_upstream_failure_releases_the_key_so_the_phone_can_retry(api, failure, status):
    behaviour.raise_exc = failure
    assert post(api, {"sku": "FF-CURLY"}, key="order-1").status_code == status
    assert not IdempotencyKey.objects.exists()

    behaviour.raise_exc = None
    retry = post(api, {"sku": "FF-CURLY"}, key="order-1")

    assert retry.status_code == 201
    assert "Idempotent-Replayed" not in retry
    assert len(behaviour.calls) == 2


def test_a_crash_releases_the_key(api):
    behaviour.raise_exc = RuntimeError("bug")
    with pytest.raises(RuntimeError):
        post(api, {"sku": "FF-CURLY"}, key="order-1")

    assert not IdempotencyKey.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_two_at_once_one_runs_and_the_other_is_told_to_wait(user):
    behaviour.release.clear()
    first = {}

    def send_first():
        try:
            first["response"] = post(api_for(user), {"n": 1}, key="order-1")
        finally:
            connections.close_all()

    worker = threading.Thread(target=send_first)
    worker.start()
    try:
        assert behaviour.entered.wait(timeout=10)

        second = post(api_for(user), {"n": 1}, key="order-1")

        assert second.status_code == 409
        assert second.json()["error"]["code"] == "idempotency_in_progress"
    finally:
        behaviour.release.set()
        worker.join(timeout=10)
    assert first["response"].status_code == 201
    assert len(behaviour.calls) == 1
    assert post(api_for(user), {"n": 1}, key="order-1")["Idempotent-Replayed"] == "true"


def test_an_abandoned_claim_stops_blocking_retries(api):
    post(api, {"sku": "FF-CURLY"}, key="order-1")
    # As if the process that claimed the key had died mid-request: no response was ever stored.
    IdempotencyKey.objects.update(state=IdempotencyKey.State.IN_PROGRESS, response_status=None, response_body=None)
    assert post(api, {"sku": "FF-CURLY"}, key="order-1").status_code == 409

    IdempotencyKey.objects.update(created_at=timezone.now() - timedelta(minutes=6))

    assert post(api, {"sku": "FF-CURLY"}, key="order-1").status_code == 201
    assert len(behaviour.calls) == 2


def test_a_key_expires_after_24_hours(api):
    post(api, {"sku": "FF-CURLY"}, key="order-1")
    IdempotencyKey.objects.update(created_at=timezone.now() - timedelta(hours=24, minutes=1))

    again = post(api, {"sku": "FF-CURLY"}, key="order-1")

    assert again.status_code == 201
    assert "Idempotent-Replayed" not in again
    assert len(behaviour.calls) == 2


def test_prune_deletes_expired_keys_only(api):
    post(api, {"n": 1}, key="old")
    post(api, {"n": 2}, key="fresh")
    IdempotencyKey.objects.filter(key="old").update(created_at=timezone.now() - timedelta(hours=25))

    out = io.StringIO()
    call_command("prune_idempotency_keys", stdout=out)

    assert "Deleted 1 " in out.getvalue()
    assert list(IdempotencyKey.objects.values_list("key", flat=True)) == ["fresh"]
