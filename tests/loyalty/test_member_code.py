"""GET /api/v1/me/member-code: what the app shows at the counter so a till knows who is buying."""

from datetime import datetime, timedelta

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from apps.loyalty.models import MemberCode
from tests.till import ring_up

from .conftest import url

pytestmark = pytest.mark.django_db


def test_a_short_lived_code_for_the_customer(api, customer):
    before = timezone.now()
    response = api.get(url("member-code"))

    assert response.status_code == 200, response.content
    assert response["Cache-Control"] == "no-store"
    body = response.json()
    assert body["ttl_seconds"] == 300
    expires_at = datetime.fromisoformat(body["expires_at"])
    assert before + timedelta(seconds=300) <= expires_at <= timezone.now() + timedelta(seconds=300)
    assert body["code"].startswith("FF") and len(body["code"]) == 26
    assert MemberCode.objects.get().customer == customer


def test_the_code_names_no_one_and_is_never_stored_as_is(api, customer):
    code = api.get(url("member-code")).json()["code"]

    for identifying in (customer.external_id, customer.sessionm_user_id, customer.user.email, str(customer.pk)):
        assert identifying.upper() not in code.upper()
    assert MemberCode.objects.get().code_hash != code


def test_every_call_gives_a_new_code(api):
    codes = {api.get(url("member-code")).json()["code"] for _ in range(5)}

    assert len(codes) == 5


def test_the_till_credits_the_customer_who_showed_it(api, customer, db):
    from tests.customers import signup

    other = signup(first_name="Bruno")
    code = api.get(url("member-code")).json()["code"]

    ring_up(other, [("FF-CURLY", 1, "8.00")], member_code=code)

    assert api.get(url("points")).json()["available"] == 180
    assert MemberCode.objects.get(customer=customer).used_at is not None


def test_only_for_a_signed_in_customer(db):
    response = APIClient().get(url("member-code"))

    assert response.status_code == 401
    assert response.json()["error"]["code"] == "not_authenticated"
