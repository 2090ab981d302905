"""GET /integrations/braze/wallet/{user_id}: Braze Connected Content's lean wallet."""

import base64
import json

import pytest
import requests
import responses
from django.urls import reverse
from rest_framework.test import APIClient

from apps.accounts.services import customer_signup
from apps.messaging import connected_content
from apps.messaging.models import Notification, WalletItem
from apps.sandbox import demo
from apps.sessionm import SessionMClient, get_sessionm_client
from apps.upstream.session import build_session
from tests.factories import CustomerFactory

pytestmark = pytest.mark.django_db

FAKE_CONNECT = "https://domains.sessionm.test"
USER_OFFERS_URL = FAKE_CONNECT + "/offers/api/2.0/offers/get_user_offers"


def braze_client(username="braze", password="sandbox-connected-content") -> APIClient:
    client = APIClient()
    token = base64.b64encode(f"{username}:{password}".encode()).decode()
    client.credentials(HTTP_AUTHORIZATION=f"Basic {token}")
    return client


def wallet_url(user_id: str, **query) -> str:
    url = reverse("integrations:braze-wallet", kwargs={"user_id": user_id})
    return url + ("?" + "&".join(f"{k}={v}" for k, v in query.items()) if query else "")


@pytest.fixture
def amanda():
    return customer_signup(
        email="amanda@example.com", password="Crispy-Golden-42", first_name="Amanda", language="pt-br"
    )


def issue(customer, offer=demo.FREE_LARGE_FRIES, times=1):
    for _ in range(times):
        get_sessionm_client().issue_offer(customer.sessionm_user_id, offer.id)


def test_the_wallet_in_the_partner_pages_shape_and_the_customers_language(amanda):
    # A template copied from Braze's SessionM partner page reads {{wallet.payload.available_points}} and
    # iterates wallet.payload.user_offers (offer_id, name, description, redemption_end_date, ...):
    # https://braze.com/docs/partners/message_orchestration/channel_extensions/loyalty/sessionm
    issue(amanda)

    response = braze_client().get(wallet_url(amanda.sessionm_user_id))

    assert response.status_code == 200
    assert response["Cache-Control"] == "max-age=300"
    body = response.json()
    assert (body["ok"], body["status"]) == (True, "ok")
    payload = body["payload"]
    [offer] = payload.pop("user_offers")
    assert payload == {
        "user_id": amanda.sessionm_user_id,
        "culture": "pt-BR",
        "available_points": 100,
        "total_points": 100,
        "total_records": 1,
    }
    texts = demo.FREE_LARGE_FRIES.texts["pt-BR"]
    assert (offer["offer_id"], offer["name"], offer["description"], offer["terms"]) == (
        demo.FREE_LARGE_FRIES.id,
        texts.name,
        texts.description,
        texts.terms,
    )
    assert offer["pos_discount_id"] == demo.FREE_LARGE_FRIES.pos_discount_id
    assert offer["id"] == offer["user_offer_id"]
    assert offer["redemption_end_date"].endswith("Z") or "+00:00" in offer["redemption_end_date"]
    assert offer["media"] == [{"uri": demo.FREE_LARGE_FRIES.image_url}] and offer["is_redeemable"] is True


@pytest.mark.parametrize(
    ("culture", "expected"),
    [("fr-FR", "fr-FR"), ("es", "es-ES"), ("en-GB", "en-US"), ("", "pt-BR"), ("de", "pt-BR"), ("xx-YY", "pt-BR")],
)
def test_the_culture_parameter_picks_the_language(amanda, culture, expected):
    # A language the program does not speak answers 200 in the customer's language: Braze renders an error
    # answer as an empty string in the message.
    issue(amanda)

    response = braze_client().get(wallet_url(amanda.sessionm_user_id, culture=culture))

    assert response.status_code == 200
    payload = response.json()["payload"]
    assert payload["culture"] == expected
    assert payload["user_offers"][0]["name"] == demo.FREE_LARGE_FRIES.texts[expected].name


def test_every_offer_is_listed_not_only_a_first_page(amanda):
    issue(amanda, times=23)

    response = braze_client().get(wallet_url(amanda.sessionm_user_id))

    payload = response.json()["payload"]
    assert len(payload["user_offers"]) == payload["total_records"] == 23
    assert len(response.content) < 1024 * 1024


def test_it_never_writes(amanda):
    issue(amanda)
    notifications_before = Notification.objects.count()

    braze_client().get(wallet_url(amanda.sessionm_user_id))

    assert not WalletItem.objects.exists()
    assert Notification.objects.count() == notifications_before


@pytest.mark.parametrize(
    "authorization",
    [
        None,
        "Basic " + base64.b64encode(b"braze:wrong").decode(),
        "Basic " + base64.b64encode(b"someone:sandbox-connected-content").decode(),
        "Basic not-base64!",
        "Bearer sandbox-connected-content",
    ],
)
def test_without_the_right_credentials_it_is_a_401(amanda, authorization):
    client = APIClient()
    if authorization:
        client.credentials(HTTP_AUTHORIZATION=authorization)

    response = client.get(wallet_url(amanda.sessionm_user_id))

    assert response.status_code == 401
    assert response["WWW-Authenticate"].startswith("Basic ")
    assert response["Cache-Control"] == "no-store"
    body = response.json()
    assert body["ok"] is False
    assert body["error"]["code"] in {"not_authenticated", "authentication_failed"}
    assert "sandbox-connected-content" not in response.content.decode()


def test_an_unknown_user_is_a_404():
    response = braze_client().get(wallet_url("0b6f2c1e-0000-4b7e-9a51-3c1f0e2d4a77"))

    assert response.status_code == 404
    assert response.json() == {
        "ok": False,
        "error": {"code": "customer_not_found", "message": "No customer account.", "details": {}},
    }
    assert response["Cache-Control"] == "no-store"


def test_a_forgotten_customer_is_a_404():
    customer = CustomerFactory(status="forgotten")

    assert braze_client().get(wallet_url(customer.sessionm_user_id)).status_code == 404


def test_a_customer_sessionm_does_not_know_is_a_404():
    customer = CustomerFactory()  # made-up SessionM user id, unknown to the sandbox

    assert braze_client().get(wallet_url(customer.sessionm_user_id)).status_code == 404


@pytest.fixture
def fake_sessionm(monkeypatch, settings):
    client = SessionMClient(
        core_url="https://core.sessionm.test",
        connect_url=FAKE_CONNECT,
        pos_url="https://pos.sessionm.test",
        api_key="k",
        api_secret="s",
        connect_key="ck",
        connect_secret="cs",
        retailer_id="r",
        pos_key="pk",
        pos_secret="ps",
        pos_store_id="st",
        pos_client_id="c",
        external_id_type="fancyfries",
        timeout=connected_content.SESSIONM_TIMEOUT,
        retries=0,
        session=build_session(),
    )
    monkeypatch.setattr(connected_content, "connected_content_sessionm_client", lambda: client)
    with responses.RequestsMock(assert_all_requests_are_fired=False) as mock:
        yield mock


@pytest.mark.parametrize(
    ("answer", "status", "code"),
    [
        ({"body": requests.ReadTimeout("slow")}, 504, "loyalty_timeout"),
        ({"body": requests.ConnectionError("down")}, 503, "loyalty_unavailable"),
        ({"status": 500, "json": {}}, 503, "loyalty_unavailable"),
        ({"status": 200, "body": "<html>"}, 502, "loyalty_bad_gateway"),
    ],
)
def test_sessionm_failures_answer_json_braze_can_abort_on(fake_sessionm, answer, status, code):
    customer = CustomerFactory()
    fake_sessionm.post(USER_OFFERS_URL, **answer)

    response = braze_client().get(wallet_url(customer.sessionm_user_id))

    assert response.status_code == status
    assert response.json()["ok"] is False
    assert response.json()["error"]["code"] == code
    assert response["Cache-Control"] == "no-store"
    assert len(fake_sessionm.calls) == 1  # no retry: Braze's 2 s would be gone


def _offers_page(ids, total, points=7):
    return {
        "status": "ok",
        "payload": {
            "user_offers": [{"id": i, "offer_id": "o", "name": i} for i in ids],
            "total_records": total,
            "available_points": points,
            "total_points": 9,
        },
    }


def test_sessionm_is_asked_with_the_short_deadline(fake_sessionm):
    customer = CustomerFactory(language="es")
    fake_sessionm.post(USER_OFFERS_URL, json=_offers_page([], 0))

    body = braze_client().get(wallet_url(customer.sessionm_user_id)).json()

    [call] = fake_sessionm.calls
    assert call.request.req_kwargs["timeout"] == connected_content.SESSIONM_TIMEOUT
    assert sum(connected_content.SESSIONM_TIMEOUT) <= 1.2
    sent = json.loads(call.request.body)
    assert (sent["user_id"], sent["culture"], sent["take"], sent["skip"]) == (
        customer.sessionm_user_id,
        "es-ES",
        connected_content.MAX_OFFERS,
        0,
    )
    payload = body["payload"]
    assert (payload["available_points"], payload["total_points"], payload["user_offers"]) == (7, 9, [])


def test_a_short_answer_is_followed_by_the_next_page(fake_sessionm):
    # A tenant answering fewer offers than it has (a lower take limit): the rest is read, not dropped.
    customer = CustomerFactory()
    fake_sessionm.post(USER_OFFERS_URL, json=_offers_page(["a", "b"], 3))
    fake_sessionm.post(USER_OFFERS_URL, json=_offers_page(["c"], 3))

    payload = braze_client().get(wallet_url(customer.sessionm_user_id)).json()["payload"]

    assert [offer["id"] for offer in payload["user_offers"]] == ["a", "b", "c"]
    assert [json.loads(call.request.body)["skip"] for call in fake_sessionm.calls] == [0, 2]
