"""Typed errors of the SessionM client, and the SessionM error codes they stand for.

The code constants are shared with the sandbox, which emits them: keep their names stable. SessionM may send
codes in upper case; they are compared lower-cased. Exception messages name the route and the code only:
SessionM's own message can echo personal data (an email address), so it is kept on `.upstream_message` and
never put in the text that reaches logs.
"""

from typing import Unpack

from apps.upstream.errors import ErrorFields, UpstreamBadResponse, UpstreamError, UpstreamTimeout, UpstreamUnavailable

# --- Error codes --------------------------------------------------------------------------------------------
# Our credentials or tenant configuration are wrong.
INVALID_API_KEY = "invalid_api_key"
ACCESS_DENIED = "access_denied"
UNAUTHORIZED = "unauthorized"  # Connect's {"errors": {"error": "unauthorized"}} on HTTP 401
# Something the call names does not exist.
USER_NOT_FOUND = "user_not_found"
NOT_FOUND = "not_found"
USER_OFFER_NOT_FOUND = "user_offer_not_found"
OFFER_NOT_FOUND = "offer_not_found"
REWARD_STORE_OFFER_NOT_FOUND = "reward_store_offer_not_found"
# The request itself is wrong.
VALIDATION = "validation"
MISSING_DATA = "missing_data"
ARGUMENT_ERROR = "argument_error"
UNKNOWN_EVENT = "unknown_event"
# Business refusals.
INSUFFICIENT_POINTS = "insufficient_points"
OFFER_ALREADY_REDEEMED = "offer_already_redeemed"
OFFER_EXPIRED = "offer_expired"
OFFER_NOT_REDEEMABLE = "offer_not_redeemable"
PROMO_CODE_INVALID = "promo_code_invalid"
PROMO_CODE_ALREADY_CLAIMED = "promo_code_already_claimed"
NO_ACTIVE_CAMPAIGN_FOUND = "no_active_campaign_found"  # the client reads it as "no campaigns"
REQUIRES_REGISTERED_USER = "requires_registered_user"
NOT_AVAILABLE = "not_available"
# Cloud POS: a repeat of a request_id whose first call is still being processed. SessionM spells it with a
# space ("pending processing"); codes are normalised to lower case with underscores before comparing.
PENDING_PROCESSING = "pending_processing"


class SessionMError(UpstreamError):
    """SessionM could not do what was asked."""

    upstream = "sessionm"

    def __init__(self, message: str = "", *, upstream_message: str = "", **fields: Unpack[ErrorFields]):
        super().__init__(message, **fields)
        self.upstream_message = upstream_message


class SessionMUnavailable(SessionMError, UpstreamUnavailable):
    """SessionM could not be reached, failed (5xx) or is throttling us (429)."""


class SessionMTimeout(SessionMError, UpstreamTimeout):
    """SessionM did not answer in time."""


class SessionMPendingProcessing(SessionMUnavailable):
    """Cloud POS is still processing an earlier call with the same request_id: send the SAME request id again
    later (a new one would record the purchase twice).
    https://docs.sessionm.com/developer/APIs/POS/general_dto_definitions.htm (request_id)"""


class SessionMBadResponse(SessionMError, UpstreamBadResponse):
    """SessionM answered something we cannot use: not JSON, an unexpected shape or an unexpected status."""


class SessionMAuthError(SessionMBadResponse):
    """SessionM refused our credentials: the SESSIONM_* configuration is wrong, not the customer's request."""


class SessionMNotFound(SessionMError):
    """The user, offer or reward store offer does not exist (or no longer does)."""


class SessionMValidationError(SessionMError):
    """SessionM rejected the request's data; `.field_errors` maps a field to its message."""

    @property
    def field_errors(self) -> dict[str, str]:
        return self.details


class SessionMRejected(SessionMError):
    """A business rule refused the request; `.code` says which."""


class SessionMInsufficientPoints(SessionMRejected):
    """Not enough points for the purchase; nothing was spent."""


class SessionMOfferNotRedeemable(SessionMRejected):
    """The offer was already redeemed, has expired or cannot be redeemed."""


class SessionMPromoCodeInvalid(SessionMRejected):
    """The promo code does not exist or this customer already claimed it."""


# The one map from an error code to the exception raised for it. Codes not listed are business refusals
# (SessionMRejected), or SessionMNotFound when they come with HTTP 404.
ERROR_CLASSES: dict[str, type[SessionMError]] = {
    INVALID_API_KEY: SessionMAuthError,
    ACCESS_DENIED: SessionMAuthError,
    UNAUTHORIZED: SessionMAuthError,
    USER_NOT_FOUND: SessionMNotFound,
    NOT_FOUND: SessionMNotFound,
    USER_OFFER_NOT_FOUND: SessionMNotFound,
    OFFER_NOT_FOUND: SessionMNotFound,
    REWARD_STORE_OFFER_NOT_FOUND: SessionMNotFound,
    VALIDATION: SessionMValidationError,
    MISSING_DATA: SessionMValidationError,
    ARGUMENT_ERROR: SessionMValidationError,
    UNKNOWN_EVENT: SessionMValidationError,
    INSUFFICIENT_POINTS: SessionMInsufficientPoints,
    OFFER_ALREADY_REDEEMED: SessionMOfferNotRedeemable,
    OFFER_EXPIRED: SessionMOfferNotRedeemable,
    OFFER_NOT_REDEEMABLE: SessionMOfferNotRedeemable,
    PROMO_CODE_INVALID: SessionMPromoCodeInvalid,
    PROMO_CODE_ALREADY_CLAIMED: SessionMPromoCodeInvalid,
    PENDING_PROCESSING: SessionMPendingProcessing,
}
