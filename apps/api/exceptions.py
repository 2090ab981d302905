"""One error shape for every JSON response:

    {"error": {"code": "insufficient_points", "message": "human text", "details": {...}}}

`exception_handler` is DRF's EXCEPTION_HANDLER: it renders the domain errors of apps.core.errors (code,
status and text are theirs; an upstream failure goes through core's one mapping) and DRF's own;
`json_error_response` serves Django-level errors (404/500 outside DRF views) on the JSON paths.
"""

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import RequestDataTooBig, TooManyFieldsSent
from django.http import Http404, JsonResponse
from django.utils.translation import gettext as _
from rest_framework import exceptions as drf
from rest_framework.response import Response

from apps.core.errors import DomainError, InvalidInput, NotFound, UpstreamFailure, upstream_failure_as_error

from .middleware import current_request_id

# Path prefixes answered in JSON even when the error happens outside a DRF view.
JSON_PATH_PREFIXES = ("/api/", "/integrations/", "/healthz", "/readyz")

_DRF_CODES = {
    drf.ParseError: "malformed_request",
    drf.AuthenticationFailed: "authentication_failed",
    drf.NotAuthenticated: "not_authenticated",
    drf.PermissionDenied: "permission_denied",
    drf.NotFound: "not_found",
    drf.MethodNotAllowed: "method_not_allowed",
    drf.NotAcceptable: "not_acceptable",
    drf.UnsupportedMediaType: "unsupported_media_type",
    drf.Throttled: "throttled",
}


def envelope(code: str, message, details=None) -> dict:
    return {"error": {"code": code, "message": str(message), "details": details or {}}}


def exception_handler(exc, context):
    # A view that reads request.body (the webhook's signature check) meets Django's own limit.
    if isinstance(exc, RequestDataTooBig):
        return Response(envelope("request_too_large", _("The request body is too large.")), status=413)
    if isinstance(exc, TooManyFieldsSent):
        return Response(envelope("malformed_request", _("The request body could not be read.")), status=400)
    if isinstance(exc, Http404):
        exc = NotFound()
    elif isinstance(exc, DjangoPermissionDenied):
        exc = drf.PermissionDenied()
    if isinstance(exc, UpstreamFailure):
        exc = upstream_failure_as_error(exc)

    if isinstance(exc, DomainError):
        response = Response(envelope(exc.code, exc.message, exc.details), status=exc.status)
        if exc.status == 503:
            response["Retry-After"] = "5"
        return response

    if isinstance(exc, drf.ValidationError):
        details = exc.detail if isinstance(exc.detail, dict) else {"non_field_errors": exc.detail}
        return Response(envelope(InvalidInput.code, InvalidInput.default_message, details), status=InvalidInput.status)

    if isinstance(exc, drf.APIException):
        code = _DRF_CODES.get(type(exc)) or next(
            (c for cls, c in _DRF_CODES.items() if isinstance(exc, cls)), exc.default_code
        )
        # DRF sets these attributes on the instance (Throttled.wait; auth_header by APIView for 401s); the stubs
        # do not declare them.
        wait = getattr(exc, "wait", None) if isinstance(exc, drf.Throttled) else None
        retry: dict[str, int] = {} if wait is None else {"retry_after_seconds": int(wait)}
        message = exc.detail if isinstance(exc.detail, str) else exc.default_detail
        response = Response(envelope(code, message, retry), status=exc.status_code)
        auth_header = getattr(exc, "auth_header", None)
        if auth_header:
            response["WWW-Authenticate"] = auth_header
        if wait is not None:
            response["Retry-After"] = str(int(wait))
        return response

    return None  # DRF re-raises; the Django-level handler500 answers with the envelope


def json_error_response(status: int, code: str, message) -> JsonResponse:
    response = JsonResponse(envelope(code, message), status=status)
    response["X-Request-ID"] = current_request_id()
    return response
