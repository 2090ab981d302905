"""Errors every vendor client raises for transport-level failures. Vendor packages subclass these, and these
derive from apps.core's failure kinds, so the one mapping (apps.core.errors.upstream_failure_as_error) turns any
upstream failure into 502/503/504 without knowing which vendor it was."""

from typing import Any, TypedDict

from apps.core.errors import UpstreamDown, UpstreamFailure, UpstreamTimedOut, UpstreamUnusable


class ErrorFields(TypedDict, total=False):
    """What any upstream error carries beside its message: a vendor's error class adds its own keyword
    arguments and passes these through (`**fields: Unpack[ErrorFields]`) instead of repeating them."""

    status_code: int | None
    code: str | None
    details: dict[str, Any] | None


class UpstreamError(UpstreamFailure):
    """An upstream call failed. `upstream` names the vendor ("sessionm", "braze")."""

    upstream: str = "upstream"

    def __init__(
        self,
        message: str = "",
        *,
        status_code: int | None = None,
        code: str | None = None,
        details: dict[str, Any] | None = None,
    ) -> None:
        super().__init__(message or self.__class__.__doc__)
        self.status_code = status_code
        self.code = code
        self.details = details or {}


class UpstreamUnavailable(UpstreamError, UpstreamDown):
    """The upstream could not be reached or answered 5xx."""


class UpstreamTimeout(UpstreamError, UpstreamTimedOut):
    """The upstream did not answer in time."""


class UpstreamBadResponse(UpstreamError, UpstreamUnusable):
    """The upstream answered something we cannot use (not JSON, unexpected shape, or refused our credentials)."""
