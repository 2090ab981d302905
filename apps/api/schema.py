"""OpenAPI helpers: the error envelope as a component, and the error statuses each endpoint documents.

@extend_schema(responses={200: WalletSerializer, **error_responses(401, 404, 503, 504)})
"""

from drf_spectacular.utils import OpenApiResponse, inline_serializer
from rest_framework import serializers

ErrorEnvelope = inline_serializer(
    name="ErrorEnvelope",
    fields={
        "error": inline_serializer(
            name="Error",
            fields={
                "code": serializers.CharField(help_text="Stable machine-readable code, e.g. insufficient_points."),
                "message": serializers.CharField(help_text="Human text, safe to show the customer."),
                "details": serializers.DictField(help_text="Field errors or extra facts; may be empty."),
            },
        )
    },
)

_DESCRIPTIONS = {
    400: "Invalid input (`invalid`, with field details) or malformed JSON (`malformed_request`).",
    401: "Missing, expired or revoked credentials (`not_authenticated`, `authentication_failed`).",
    403: "Authenticated but not allowed (`permission_denied`).",
    404: "No such resource for this customer (`not_found`).",
    409: (
        "Conflicts with the current state (e.g. `insufficient_points`, `email_taken`, `signup_in_progress`, "
        "`idempotency_in_progress`)."
    ),
    422: "Well-formed but cannot be applied (e.g. `idempotency_key_reused` with another body).",
    429: "Too many requests (`throttled`); see Retry-After.",
    502: "The loyalty platform answered something unusable (`loyalty_bad_gateway`).",
    503: "The loyalty platform is unavailable (`loyalty_unavailable`); safe to retry.",
    504: "The loyalty platform timed out (`loyalty_timeout`); safe to retry.",
}

# What every authenticated upstream-backed endpoint can answer besides its success.
UPSTREAM_ERRORS = (401, 429, 502, 503, 504)


def error_responses(*statuses: int) -> dict:
    return {status: OpenApiResponse(ErrorEnvelope, description=_DESCRIPTIONS[status]) for status in statuses}
