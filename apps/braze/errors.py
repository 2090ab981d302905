"""Typed errors of the Braze client.

Every error carries the rate-limit headers of the answer that caused it (`.rate_limit`, None when there was no
answer), so a sender can pace itself on failures as well as on successes. Messages name the route and the
status only: a 401 body echoes the API key that was presented, so Braze's text for auth errors never reaches
an exception (and through it, a log).
"""

from datetime import datetime
from typing import Any, Unpack

from apps.core.errors import UpstreamDown
from apps.upstream.errors import ErrorFields, UpstreamBadResponse, UpstreamError, UpstreamTimeout, UpstreamUnavailable

from .types import RateLimit


class BrazeError(UpstreamError):
    """Braze could not do what was asked."""

    upstream = "braze"

    def __init__(self, message: str = "", *, rate_limit: RateLimit | None = None, **fields: Unpack[ErrorFields]):
        super().__init__(message, **fields)
        self.rate_limit = rate_limit


class BrazeUnavailable(BrazeError, UpstreamUnavailable):
    """Braze could not be reached or failed (5xx). Safe to send again later: nothing was accepted."""


class BrazeTimeout(BrazeError, UpstreamTimeout):
    """Braze did not answer in time. The call may or may not have been processed."""


class BrazeRateLimited(BrazeError, UpstreamDown):
    """Braze answered 429. Nothing was processed; wait until `reset_at` before calling again. To a customer
    waiting on it, that is an outage (503), as SessionM's 429 is (SessionMUnavailable)."""

    def __init__(self, message: str = "", *, reset_at: datetime, **kwargs: Any):
        super().__init__(message, **kwargs)
        self.reset_at = reset_at


class BrazeBadResponse(BrazeError, UpstreamBadResponse):
    """Braze answered something we cannot read (not JSON, not the success envelope, an unexpected status)."""


class BrazeAuthError(BrazeBadResponse):
    """Braze refused our credentials: a wrong key or REST cluster (401) or a key without the permission (403)."""


class BrazeRequestRejected(BrazeError):
    """Braze refused the request itself (400 bad body or too many ids, 404 bad URL...). Sending it again
    cannot succeed."""
