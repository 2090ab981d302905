"""The loyalty refusals a customer can meet, and the one place SessionM's failures become domain errors, so
the API and the web wallet read the same ApiError whatever went wrong upstream."""

import logging
from contextlib import contextmanager

from django.utils.translation import gettext_lazy as _

from apps.api.errors import ApiError, Conflict, LoyaltyBadGateway, LoyaltyUnavailable, Unprocessable
from apps.api.exceptions import upstream_to_api_error
from apps.sessionm.errors import (
    PROMO_CODE_ALREADY_CLAIMED,
    UNKNOWN_EVENT,
    USER_NOT_FOUND,
    SessionMInsufficientPoints,
    SessionMNotFound,
    SessionMOfferNotRedeemable,
    SessionMPendingProcessing,
    SessionMPromoCodeInvalid,
    SessionMRejected,
    SessionMValidationError,
)
from apps.upstream.errors import UpstreamError

logger = logging.getLogger(__name__)


class InsufficientPoints(Conflict):
    code = "insufficient_points"
    default_message = _("You do not have enough points for this reward yet.")


class OfferNotRedeemable(Conflict):
    code = "offer_not_redeemable"
    default_message = _("This offer can no longer be redeemed: it was already used or it has expired.")


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


class TransactionPending(LoyaltyUnavailable):
    """Cloud POS is still processing the first call of this request: send the same request again (same
    idempotency key, so the same POS request_id) in a moment; a new one would record the purchase twice."""

    code = "transaction_pending"
    default_message = _("This purchase is still being processed. Send the same request again in a moment.")


@contextmanager
def sessionm_errors(*, not_found: ApiError | None = None):
    """Translate SessionM failures raised inside the block: refusals into the customer-facing errors above,
    an unreachable or slow SessionM into LoyaltyUnavailable (503) / LoyaltyTimeout (504), anything else it
    answered into LoyaltyBadGateway (502).

    `not_found`: what a missing resource means for this call (e.g. "no such offer in your wallet"); without
    it a not-found is a bad gateway. So is a missing SessionM *user* always: that is our data out of step with
    SessionM, not something the customer asked for.
    """
    try:
        yield
    except SessionMNotFound as exc:
        if not_found is None or exc.code == USER_NOT_FOUND:
            logger.warning("sessionm answered not found: code %s", exc.code)
            raise LoyaltyBadGateway() from exc
        raise not_found from exc
    except SessionMInsufficientPoints as exc:
        raise InsufficientPoints() from exc
    except SessionMOfferNotRedeemable as exc:
        raise OfferNotRedeemable() from exc
    except SessionMPromoCodeInvalid as exc:
        if exc.code == PROMO_CODE_ALREADY_CLAIMED:
            raise PromoCodeAlreadyClaimed() from exc
        raise PromoCodeInvalid() from exc
    except SessionMValidationError as exc:
        if exc.code == UNKNOWN_EVENT:
            raise UnknownEvent() from exc
        raise LoyaltyRejected(details=dict(exc.field_errors)) from exc
    except SessionMRejected as exc:
        raise LoyaltyRejected(details={"reason": exc.code}) from exc
    except SessionMPendingProcessing as exc:
        raise TransactionPending() from exc
    except UpstreamError as exc:
        raise upstream_to_api_error(exc) from exc
