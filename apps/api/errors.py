"""Domain errors that services raise and the API and web layers present.

Services raise these (never DRF exceptions), so the same rule reads the same in JSON and in HTML. Each has
a stable machine `code`, an HTTP `status` for the API, and a human message safe to show a customer.
"""

from django.utils.translation import gettext_lazy as _


class ApiError(Exception):
    status = 400
    code = "bad_request"
    default_message = _("The request could not be processed.")

    def __init__(self, message=None, *, details: dict | None = None, code: str | None = None):
        self.message = message or self.default_message
        self.details = details or {}
        if code:
            self.code = code
        super().__init__(str(self.message))


class InvalidInput(ApiError):
    status = 400
    code = "invalid"
    default_message = _("Some fields are not valid.")


class NotFound(ApiError):
    status = 404
    code = "not_found"
    default_message = _("Not found.")


class Conflict(ApiError):
    status = 409
    code = "conflict"
    default_message = _("The request conflicts with the current state.")


class Unprocessable(ApiError):
    status = 422
    code = "unprocessable"
    default_message = _("The request is well-formed but cannot be applied.")


class LoyaltyUnavailable(ApiError):
    """The loyalty platform is down or failing; the request is safe to retry."""

    status = 503
    code = "loyalty_unavailable"
    default_message = _("The loyalty service is unavailable. Please try again in a moment.")


class LoyaltyTimeout(ApiError):
    status = 504
    code = "loyalty_timeout"
    default_message = _("The loyalty service took too long to answer. Please try again.")


class LoyaltyBadGateway(ApiError):
    status = 502
    code = "loyalty_bad_gateway"
    default_message = _("The loyalty service gave an answer we could not use. Please try again later.")
