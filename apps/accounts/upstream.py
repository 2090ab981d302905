"""How SessionM failures read to the callers of the accounts services (the API and the web pages alike)."""

import logging
from collections.abc import Iterator
from contextlib import contextmanager

from apps.api.errors import LoyaltyBadGateway, LoyaltyTimeout, LoyaltyUnavailable
from apps.sessionm.errors import SessionMError, SessionMTimeout, SessionMUnavailable

logger = logging.getLogger(__name__)


@contextmanager
def sessionm_errors_as_domain_errors() -> Iterator[None]:
    """Turn SessionM failures the caller did not handle itself into 503 / 504 / 502 domain errors."""
    try:
        yield
    except SessionMTimeout as exc:
        raise LoyaltyTimeout() from exc
    except SessionMUnavailable as exc:
        raise LoyaltyUnavailable() from exc
    except SessionMError as exc:
        logger.warning("sessionm refused an accounts call: %s (code %s)", exc.__class__.__name__, exc.code)
        raise LoyaltyBadGateway() from exc
