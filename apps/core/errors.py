"""The domain errors, and the one mapping of an upstream failure to them.

Services raise these (never DRF exceptions), so a rule reads the same in JSON and in HTML: the API renders an
error as its envelope (apps/api/exceptions.py), the web wallet as a sentence on the page (apps/web/views). Each
has a stable machine `code` (part of the API: apps check it), an HTTP `status`, and a message safe to show a
customer. A code has ONE text, translated in locale/: a front end shows `message`, never a text of its own.

An upstream call that fails in a way the service did not translate itself (SessionM down, Braze too slow...)
becomes, whichever vendor and whichever front end, the same 503 / 504 / 502 (`upstream_failure_as_error`).
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any, ClassVar

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

logger = logging.getLogger(__name__)

Message = str | Promise


class DomainError(Exception):
    """A request that cannot be done, with what to tell the customer. `details` names the fields or the reason
    (shown in the API envelope and on the web form's fields)."""

    status: ClassVar[int] = 400
    code: str = "bad_request"
    default_message: ClassVar[Message] = _("The request could not be processed.")

    def __init__(
        self, message: Message | None = None, *, details: dict[str, Any] | None = None, code: str | None = None
    ):
        self.message: Message = message or self.default_message
        self.details: dict[str, Any] = details or {}
        if code:
            self.code = code
        super().__init__(str(self.message))


class InvalidInput(DomainError):
    status = 400
    code = "invalid"
    default_message = _("Some fields are not valid.")


class NotFound(DomainError):
    status = 404
    code = "not_found"
    default_message = _("Not found.")


class Conflict(DomainError):
    status = 409
    code = "conflict"
    default_message = _("The request conflicts with the current state.")


class Unprocessable(DomainError):
    status = 422
    code = "unprocessable"
    default_message = _("The request is well-formed but cannot be applied.")


# --- Accounts ---------------------------------------------------------------------------------------------------


class CustomerNotFound(NotFound):
    """No active customer: a staff user, an unfinished signup, a forgotten customer, an unknown id."""

    code = "customer_not_found"
    default_message = _("No customer account.")


class SessionMProfileNotFound(NotFound):
    code = "sessionm_profile_not_found"
    default_message = _("This customer has no SessionM profile.")


class EmailTaken(Conflict):
    code = "email_taken"
    default_message = _("An account with this email already exists. Log in instead.")


class SignupInProgress(Conflict):
    code = "signup_in_progress"
    default_message = _("A signup with this email address is already under way. Please wait a moment and try again.")


class InvalidResetLink(InvalidInput):
    code = "invalid_reset_link"
    default_message = _("This password reset link is not valid any more. Please ask for a new one.")


# --- Loyalty refusals a customer can meet (apps/loyalty/errors.py maps SessionM's refusals to them) -----------
# What is missing keeps the API's code `not_found` (apps check it) and says in its text what it was.


class NoSuchCampaign(NotFound):
    default_message = _("This campaign is not open to you any more.")


class OfferNotInWallet(NotFound):
    default_message = _("This offer is not in your wallet.")


class NoSuchReward(NotFound):
    default_message = _("This reward is no longer in the Rewards Store.")


class InsufficientPoints(Conflict):
    code = "insufficient_points"
    default_message = _("You don't have enough points for this reward yet.")


class OfferNotRedeemable(Conflict):
    code = "offer_not_redeemable"
    default_message = _("This offer can't be redeemed: it was already used or it has expired.")


class PromoCodeInvalid(Unprocessable):
    code = "promo_code_invalid"
    default_message = _("This promo code is not valid.")


class PromoCodeAlreadyClaimed(Unprocessable):
    code = "promo_code_already_claimed"
    default_message = _("You have already claimed this promo code.")


class UnknownEvent(Unprocessable):
    code = "unknown_event"
    default_message = _("The loyalty program does not know this event.")


class LoyaltyRejected(Unprocessable):
    """SessionM refused the request's data or a business rule refused it; `details` says what it named."""

    code = "loyalty_rejected"
    default_message = _("The loyalty program could not accept this request.")


# --- The till's signed purchase intake (apps/loyalty/intake.py, member_codes.py, pos_auth.py) ----------------


class StoreNotAllowed(DomainError):
    status = 403
    code = "store_not_allowed"
    default_message = _("This POS client may not report purchases for this store.")


class RequestIdReused(Unprocessable):
    code = "request_id_reused"
    default_message = _("This request_id was already used for a different purchase.")


class CustomerUnknown(Unprocessable):
    code = "customer_unknown"
    default_message = _("No active customer has this external id.")


class PaymentsExceedSubtotal(Unprocessable):
    code = "payments_exceed_subtotal"
    default_message = _("The payments add up to more than the lines.")


class MemberCodeInvalid(Unprocessable):
    code = "member_code_invalid"
    default_message = _("This member code is not one we issued. Ask the customer to show their card again.")


class MemberCodeExpired(Unprocessable):
    code = "member_code_expired"
    default_message = _("This member code has expired. Ask the customer to refresh their card.")


class MemberCodeUsed(Unprocessable):
    code = "member_code_used"
    default_message = _("This member code was already used for a purchase. Ask the customer to refresh their card.")


class RequestReplayed(Conflict):
    code = "request_replayed"
    default_message = _("This signed request was already received. Sign every sending with a new nonce.")


# --- Idempotency keys of retried writes (apps/api/idempotency.py) ----------------------------------------------


class IdempotencyKeyReused(Unprocessable):
    code = "idempotency_key_reused"
    default_message = _("This Idempotency-Key was already used for a different request.")


class IdempotencyInProgress(Conflict):
    code = "idempotency_in_progress"
    default_message = _("A request with this Idempotency-Key is still being processed. Retry shortly.")


# --- An upstream that failed: 503 / 504 / 502 -------------------------------------------------------------------


class LoyaltyUnavailable(DomainError):
    """The loyalty platform is down or failing; the request is safe to retry (the API adds Retry-After)."""

    status = 503
    code = "loyalty_unavailable"
    default_message = _("The loyalty service is unavailable right now. Please try again in a moment.")


class TransactionPending(LoyaltyUnavailable):
    """Cloud POS is still processing the first call of this request: send the same request again (same
    idempotency key, so the same POS request_id) in a moment; a new one would record the purchase twice."""

    code = "transaction_pending"
    default_message = _("This purchase is still being processed. Send the same request again in a moment.")


class LoyaltyTimeout(DomainError):
    status = 504
    code = "loyalty_timeout"
    default_message = _("The loyalty service took too long to answer. Please try again.")


class LoyaltyBadGateway(DomainError):
    status = 502
    code = "loyalty_bad_gateway"
    default_message = _("The loyalty service is having trouble. Please try again later.")


# --- The one mapping of an upstream failure ---------------------------------------------------------------------
# The transport's errors (apps/upstream/errors.py, which every vendor's errors subclass) derive from these
# kinds. They are declared here, not imported, because core is the bottom layer: it imports no app.


class UpstreamFailure(Exception):
    """A call to another system failed (base of apps.upstream.errors.UpstreamError)."""


class UpstreamTimedOut(UpstreamFailure):
    """No answer in time: the call may or may not have been done. 504."""


class UpstreamDown(UpstreamFailure):
    """Could not be reached, failed (5xx) or throttled us: nothing was done, try again later. 503."""


class UpstreamUnusable(UpstreamFailure):
    """Answered something we cannot use (or refused our credentials). 502."""


def upstream_failure_as_error(exc: UpstreamFailure) -> DomainError:
    """The domain error for an upstream failure a service did not translate itself: a timeout is 504, an
    outage 503, anything else (an answer we cannot use, a refusal nobody expected) 502 — the same on every
    path, in the API and on the web pages."""
    logger.warning("upstream failure: %s (code %s): %s", exc.__class__.__name__, getattr(exc, "code", None), exc)
    if isinstance(exc, UpstreamTimedOut):
        return LoyaltyTimeout()
    if isinstance(exc, UpstreamDown):
        return LoyaltyUnavailable()
    return LoyaltyBadGateway()


@contextmanager
def upstream_failures_as_errors() -> Iterator[None]:
    """Raise any upstream failure from the block as the domain error of `upstream_failure_as_error`. Services
    translate their own refusals (not found, not enough points...) inside the block, before this."""
    try:
        yield
    except UpstreamFailure as exc:
        raise upstream_failure_as_error(exc) from exc
