"""Request ids: every request gets one (or keeps a sane one the caller sent), every response and log line
carries it, so a support ticket quoting it can be traced through our logs."""

import logging
import re
import uuid
from contextvars import ContextVar

REQUEST_ID_HEADER = "X-Request-ID"
_request_id: ContextVar[str] = ContextVar("request_id", default="-")
_SAFE_ID = re.compile(r"^[A-Za-z0-9._-]{8,64}$")


def current_request_id() -> str:
    return _request_id.get()


class RequestIdMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        incoming = request.headers.get(REQUEST_ID_HEADER, "")
        request_id = incoming if _SAFE_ID.match(incoming) else uuid.uuid4().hex
        request.request_id = request_id
        token = _request_id.set(request_id)
        try:
            response = self.get_response(request)
        finally:
            _request_id.reset(token)
        response[REQUEST_ID_HEADER] = request_id
        return response


class RequestIdLogFilter(logging.Filter):
    def filter(self, record):
        record.request_id = _request_id.get()
        return True


# Statuses Django or a non-DRF view may answer with its own body on a JSON path, and the envelope code for each.
_ENVELOPE_CODES = {
    400: "bad_request",
    403: "permission_denied",
    404: "not_found",
    405: "method_not_allowed",
    413: "request_too_large",
    500: "internal_error",
}


class BoundedBodyMiddleware:
    """Refuse a body larger than its route allows before anything reads it, and parse form posts here so that
    Django's RequestDataTooBig / TooManyFieldsSent become a 413/400 in the right shape (the JSON envelope under
    /api/ and /integrations/, the site's page elsewhere) rather than Django's plain-text error.

    JSON bodies are parsed (and their nesting bounded) by apps.api.parsing.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        from django.core.exceptions import RequestDataTooBig, TooManyFieldsSent, TooManyFilesSent

        from .parsing import request_body_limit

        try:
            length = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            return body_error_response(request, 400)
        if length > request_body_limit(request.path):
            return body_error_response(request, 413)
        if request.method == "POST" and request.content_type in (
            "application/x-www-form-urlencoded",
            "multipart/form-data",
        ):
            try:
                request.POST  # noqa: B018 - parse now, inside this guard, instead of in CSRF's middleware
            except RequestDataTooBig:
                return body_error_response(request, 413)
            except (TooManyFieldsSent, TooManyFilesSent):
                return body_error_response(request, 400)
        return self.get_response(request)


def body_error_response(request, status: int):
    from django.shortcuts import render
    from django.utils.translation import gettext as _

    from .exceptions import JSON_PATH_PREFIXES, json_error_response

    if request.path.startswith(JSON_PATH_PREFIXES):
        if status == 413:
            return json_error_response(413, "request_too_large", _("The request body is too large."))
        return json_error_response(400, "malformed_request", _("The request body could not be read."))
    return render(request, "request_too_large.html" if status == 413 else "400.html", status=status)


class JsonErrorEnvelopeMiddleware:
    """Under the JSON paths, an error answered in any other shape (Django's technical 404 page that lists every
    URL in DEBUG, a bare 405 from a function view, a DEBUG 500 traceback) becomes the envelope. DRF views already
    answer the envelope and pass through untouched."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        from .exceptions import JSON_PATH_PREFIXES, envelope

        response = self.get_response(request)
        if (
            response.status_code in _ENVELOPE_CODES
            and request.path.startswith(JSON_PATH_PREFIXES)
            and not response.get("Content-Type", "").startswith("application/json")
        ):
            from django.http import JsonResponse
            from django.utils.translation import gettext as _

            status = response.status_code
            messages = {
                400: _("The request could not be read."),
                403: _("You are not allowed to do this."),
                404: _("Not found."),
                405: _("This method is not allowed here."),
                413: _("The request body is too large."),
                500: _("Something went wrong on our side. It has been logged."),
            }
            replacement = JsonResponse(envelope(_ENVELOPE_CODES[status], messages[status]), status=status)
            if response.has_header("Allow"):
                replacement["Allow"] = response["Allow"]
            replacement[REQUEST_ID_HEADER] = current_request_id()
            return replacement
        return response


class UpstreamBudgetMiddleware:
    """Every request gets one upstream time budget (settings.UPSTREAM_REQUEST_BUDGET), spent by all the SessionM
    and Braze calls it makes, retries included (apps/upstream/budget.py)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        from django.conf import settings

        from apps.upstream.budget import upstream_budget

        with upstream_budget(settings.UPSTREAM_REQUEST_BUDGET):
            return self.get_response(request)
