"""apps.core.errors: one text per error code, translated; and the one mapping of an upstream failure."""

import importlib

import pytest
from django.utils import translation

from apps.braze.errors import BrazeAuthError, BrazeRateLimited, BrazeRequestRejected, BrazeTimeout, BrazeUnavailable
from apps.core.errors import (
    DomainError,
    LoyaltyBadGateway,
    LoyaltyTimeout,
    LoyaltyUnavailable,
    NotFound,
    upstream_failure_as_error,
    upstream_failures_as_errors,
)
from apps.sessionm.errors import (
    SessionMAuthError,
    SessionMBadResponse,
    SessionMNotFound,
    SessionMPendingProcessing,
    SessionMRejected,
    SessionMTimeout,
    SessionMUnavailable,
)
from apps.upstream.errors import UpstreamBadResponse, UpstreamError, UpstreamTimeout, UpstreamUnavailable

# Modules that declare domain errors of their own (a code and its text) on top of apps.core's.
_DECLARING_MODULES = (
    "apps.api.idempotency",
    "apps.loyalty.intake",
    "apps.loyalty.member_codes",
    "apps.loyalty.pos_auth",
)


def _every_error_class() -> list[type[DomainError]]:
    for name in _DECLARING_MODULES:
        importlib.import_module(name)
    found, todo = [], [DomainError]
    while todo:
        cls = todo.pop()
        found.append(cls)
        todo.extend(cls.__subclasses__())
    return found


def test_every_error_code_has_one_text():
    texts: dict[str, set[str]] = {}
    for cls in _every_error_class():
        if cls.__module__.startswith("tests."):
            continue
        # What is missing shares the API's code `not_found`; each such class says in its text what it was.
        key = f"not_found:{cls.__name__}" if cls.code == NotFound.code else cls.code
        texts.setdefault(key, set()).add(str(cls.default_message))

    assert {code: found for code, found in texts.items() if len(found) > 1} == {}
    assert {"insufficient_points", "loyalty_timeout", "email_taken", "customer_not_found"} <= texts.keys()


@pytest.mark.parametrize("language", ["fr", "es", "pt-br"])
def test_every_error_text_is_translated(language):
    untranslated = []
    for cls in _every_error_class():
        if cls.__module__.startswith("tests."):
            continue
        with translation.override("en"):
            english = str(cls.default_message)
        with translation.override(language):
            if str(cls.default_message) == english:
                untranslated.append(cls.code)

    assert untranslated == []


@pytest.mark.parametrize(
    ("failure", "expected"),
    [
        (UpstreamTimeout(), LoyaltyTimeout),
        (SessionMTimeout(), LoyaltyTimeout),
        (BrazeTimeout(), LoyaltyTimeout),
        (UpstreamUnavailable(), LoyaltyUnavailable),
        (SessionMUnavailable(), LoyaltyUnavailable),
        (SessionMPendingProcessing(), LoyaltyUnavailable),
        (BrazeUnavailable(), LoyaltyUnavailable),
        # Braze's 429: nothing was done, try again later, as SessionM's 429 (SessionMUnavailable).
        (BrazeRateLimited(reset_at=None), LoyaltyUnavailable),
        (UpstreamBadResponse(), LoyaltyBadGateway),
        (SessionMBadResponse(), LoyaltyBadGateway),
        (SessionMAuthError(), LoyaltyBadGateway),
        (BrazeAuthError(), LoyaltyBadGateway),
        # A refusal no service translated is the upstream's answer we cannot use, not the customer's fault.
        (SessionMRejected(), LoyaltyBadGateway),
        (SessionMNotFound(), LoyaltyBadGateway),
        (BrazeRequestRejected(), LoyaltyBadGateway),
        (UpstreamError(), LoyaltyBadGateway),
    ],
)
def test_one_mapping_for_every_upstream_failure(failure, expected):
    assert type(upstream_failure_as_error(failure)) is expected

    with pytest.raises(expected) as raised, upstream_failures_as_errors():
        raise failure
    assert raised.value.__cause__ is failure


def test_the_statuses_of_an_upstream_failure():
    assert (LoyaltyTimeout.status, LoyaltyUnavailable.status, LoyaltyBadGateway.status) == (504, 503, 502)


def test_a_domain_error_passes_through_the_mapping_untouched():
    error = LoyaltyTimeout()

    with pytest.raises(LoyaltyTimeout) as raised, upstream_failures_as_errors():
        raise error
    assert raised.value is error
