"""The one place SessionM's refusals become domain errors (apps.core.errors), so the API and the web wallet
read the same error whatever SessionM answered. Failures of the call itself (down, slow, an answer we cannot
use) go through core's one mapping, as every other upstream call's do."""

import logging
from collections.abc import Iterator
from contextlib import contextmanager

from apps.core.errors import (
    DomainError,
    InsufficientPoints,
    LoyaltyBadGateway,
    LoyaltyRejected,
    OfferNotRedeemable,
    PromoCodeAlreadyClaimed,
    PromoCodeInvalid,
    TransactionPending,
    UnknownEvent,
    upstream_failures_as_errors,
)
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

logger = logging.getLogger(__name__)


@contextmanager
def sessionm_errors(*, not_found: DomainError | None = None) -> Iterator[None]:
    """Translate SessionM failures raised inside the block: refusals into the customer-facing errors of
    apps.core.errors, and any other failure through core's one mapping (unreachable 503, slow 504, anything
    else 502).

    `not_found`: what a missing resource means for this call (e.g. "no such offer in your wallet"); without
    it a not-found is a bad gateway. So is a missing SessionM *user* always: that is our data out of step with
    SessionM, not something the customer asked for.
    """
    with upstream_failures_as_errors():
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
