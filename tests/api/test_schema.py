"""The OpenAPI schema validates, and the API keeps its word: schemathesis sends generated requests (valid and
invalid) to every operation, through the WSGI app as a signed-in customer, against the in-process sandbox.
No answer may be a 5xx, carry an undocumented status, differ from the documented body, or accept input the
schema says is invalid (negative data must be refused)."""

import io
import json
import os

import pytest
import schemathesis
from django.core.management import call_command
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    negative_data_rejection,
    response_schema_conformance,
    status_code_conformance,
)

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


# Examples per operation. The suite uses 40 to stay quick; the README's full run sets 100 or more:
#   SCHEMATHESIS_MAX_EXAMPLES=100 .venv/bin/pytest -q tests/api/test_schema.py
MAX_EXAMPLES = int(os.environ.get("SCHEMATHESIS_MAX_EXAMPLES", "40"))


@pytest.fixture
def customer_headers(settings):
    # Hundreds of requests a minute from one customer: the throttles are tested elsewhere and would hide the rest.
    rest = settings.REST_FRAMEWORK
    rates = {scope: "100000/min" for scope in rest["DEFAULT_THROTTLE_RATES"]}
    settings.REST_FRAMEWORK = {**rest, "DEFAULT_THROTTLE_RATES": rates}
    customer = customer_signup(email="schema@example.com", password="Crispy-Golden-42", first_name="Amanda")
    return {"Authorization": f"Bearer {token_pair_issue(customer=customer).access}"}


def _negates_authorization(case) -> bool:
    data = case.meta.phase.data if case.meta is not None else None
    names = {getattr(data, "parameter", None), *(m.parameter for m in getattr(data, "mutations", ()) or ())}
    return "Authorization" in names or "Authorization" in (getattr(data, "description", "") or "")


def negative_data_refused(ctx, response, case):
    """schemathesis' negative_data_rejection, except for cases whose only fault was a missing or malformed
    Authorization header: this test always sends a valid one (authentication has its own tests)."""
    if _negates_authorization(case):
        return None
    return negative_data_rejection(ctx, response, case)


# Committed data: the home screen reads SessionM from pool threads.
@pytest.mark.django_db(transaction=True)
@schema.parametrize()
@settings(
    max_examples=MAX_EXAMPLES,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow, HealthCheck.filter_too_much],
)
def test_the_api_honours_its_schema(case, customer_headers):
    case.call_and_validate(
        headers=customer_headers,
        checks=[not_a_server_error, status_code_conformance, response_schema_conformance, negative_data_refused],
    )
