"""POST promo-codes: the offer a code grants lands in the wallet."""

import pytest

from apps.core.errors import PromoCodeInvalid
from apps.loyalty import services
from apps.loyalty.promo_codes import promo_code_normalize
from apps.sessionm import get_sessionm_client

from .conftest import url

pytestmark = pytest.mark.django_db


def test_claim(api):
    response = api.post(url("promo-codes"), {"code": "TUESDAY20"}, format="json")

    assert response.status_code == 201, response.content
    body = response.json()
    assert body["code"] == "TUESDAY20"
    assert [item["id"] for item in api.get(url("wallet")).json()["results"]] == [body["user_offer_id"]]


def test_a_code_is_claimed_in_any_case_as_the_web_wallet_does(api):
    # One rule for every front end (apps/loyalty/promo_codes.py): codes are compared in upper case.
    response = api.post(url("promo-codes"), {"code": "tuesday20"}, format="json")

    assert response.status_code == 201, response.content
    assert response.json()["code"] == "TUESDAY20"
    again = api.post(url("promo-codes"), {"code": "TuesDay20"}, format="json")
    assert again.json()["error"]["code"] == "promo_code_already_claimed"


def test_the_service_refuses_what_cannot_be_a_code_without_asking_sessionm(customer, monkeypatch):
    client = get_sessionm_client()
    monkeypatch.setattr(client, "claim_promo_code", lambda *args: pytest.fail("SessionM was asked"))

    with pytest.raises(PromoCodeInvalid):
        services.promo_code_claim(customer=customer, code="TUESDAY 20")


@pytest.mark.parametrize(
    ("code", "normalized"),
    [("TUESDAY20", "TUESDAY20"), ("tuesday20", "TUESDAY20"), (" Fry_Day-2 ", "FRY_DAY-2"), ("x" * 64, "X" * 64)],
)
def test_normalize(code, normalized):
    assert promo_code_normalize(code) == normalized


@pytest.mark.parametrize("code", ["", "   ", "TUESDAY 20", "x" * 65, "ÉTÉ20", "20%"])
def test_normalize_refuses_what_cannot_be_a_code(code):
    assert promo_code_normalize(code) is None


def test_claiming_twice_is_a_422(api):
    api.post(url("promo-codes"), {"code": "TUESDAY20"}, format="json")

    response = api.post(url("promo-codes"), {"code": "TUESDAY20"}, format="json")

    assert response.status_code == 422
    assert response.json()["error"]["code"] == "promo_code_already_claimed"
    assert len(api.get(url("wallet")).json()["results"]) == 1


def test_a_replay_is_not_a_second_claim(api):
    headers = {"Idempotency-Key": "claim-1"}
    first = api.post(url("promo-codes"), {"code": "TUESDAY20"}, format="json", headers=headers)

    again = api.post(url("promo-codes"), {"code": "TUESDAY20"}, format="json", headers=headers)

    assert again.status_code == 201
    assert again.json() == first.json()


def test_an_unknown_code_is_a_422(api):
    response = api.post(url("promo-codes"), {"code": "FREEFRIES"}, format="json")

    assert response.status_code == 422
    assert response.json()["error"]["code"] == "promo_code_invalid"


@pytest.mark.parametrize("body", [{}, {"code": ""}, {"code": "TUESDAY 20"}, {"code": "x" * 65}])
def test_a_malformed_code_is_a_400(api, body):
    response = api.post(url("promo-codes"), body, format="json")

    assert response.status_code == 400
    assert "code" in response.json()["error"]["details"]
