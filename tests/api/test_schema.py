"""The OpenAPI schema validates, and the API keeps its word: schemathesis sends generated requests (valid and
invalid) to every operation, through the WSGI app as a signed-in customer, against the in-process sandbox.
No answer may be a 5xx, carry an undocumented status, or differ from the documented body."""

import io
import json

import pytest
import schemathesis
from django.core.management import call_command
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import response_schema_conformance, status_code_conformance

from apps.accounts.services import customer_signup
from apps.accounts.tokens import token_pair_issue
from loyalty_bff.wsgi import application


def test_the_schema_validates_without_warnings():
    out = io.StringIO()

    call_command("spectacular", "--validate", "--fail-on-warn", stdout=out)

    assert "/api/v1/rewards-store/{offer_id}/purchase:" in out.getvalue()


def test_writes_document_the_idempotency_key():
    out = io.StringIO()
    call_command("spectacular", "--format", "openapi-json", stdout=out)

    paths = json.loads(out.getvalue())["paths"]
    for path in (
        "/api/v1/campaigns/{campaign_id}/opt-in",
        "/api/v1/wallet/{user_offer_id}/redeem",
        "/api/v1/rewards-store/{offer_id}/purchase",
        "/api/v1/promo-codes",
        "/api/v1/events",
    ):
        operation = paths[path]["post"]
        assert "Idempotency-Key" in {p["name"] for p in operation["parameters"] if p["in"] == "header"}, path
        assert {"409", "422"} <= set(operation["responses"]), path


def test_the_till_intake_has_its_own_tag_and_the_customer_endpoint_is_gone():
    out = io.StringIO()
    call_command("spectacular", "--format", "openapi-json", stdout=out)
    document = json.loads(out.getvalue())

    assert "/api/v1/transactions" not in document["paths"]
    intake = document["paths"]["/integrations/pos/transactions"]["post"]
    assert intake["tags"] == ["till (POS intake)"]
    assert {"202", "401", "403", "409", "422"} <= set(intake["responses"])
    assert [next(iter(requirement)) for requirement in intake["security"]] == ["posClientSignature"]
    assert document["paths"]["/api/v1/me/member-code"]["get"]["tags"] == ["member code"]


schema = schemathesis.openapi.from_wsgi("/api/schema/", application)


@pytest.fixture
def customer_headers(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    customer = customer_signup(email="schema@example.com", password="Crispy-Golden-42", first_name="Amanda")
    return {"Authorization": f"Bearer {token_pair_issue(customer=customer).access}"}


# Committed data: the home screen reads SessionM from pool threads.
@pytest.mark.django_db(transaction=True)
@schema.parametrize()
@settings(
    max_examples=40,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow, HealthCheck.filter_too_much],
)
def test_the_api_honours_its_schema(case, customer_headers):
    case.call_and_validate(
        headers=customer_headers, checks=[not_a_server_error, status_code_conformance, response_schema_conformance]
    )
