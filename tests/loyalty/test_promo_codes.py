"""POST promo-codes: the offer a code grants lands in the wallet."""

import pytest

from .conftest import url

pytestmark = pytest.mark.django_db


def test_claim(api):
    response = api.post(url("promo-codes"), {"code": "TUESDAY20"}, format="json")

    assert response.status_code == 201, response.content
    body = response.json()
    assert body["code"] == "TUESDAY20"
    assert [item["id"] for item in api.get(url("wallet")).json()["results"]] == [body["user_offer_id"]]


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
