"""Bounded request parsing: one JSON reader for every JSON body the BFF accepts, and body size limits per route.

A JSON body is refused before it reaches `json.loads` when it nests deeper than MAX_JSON_DEPTH (a 2 KB body of
1,000 nested arrays used to blow Python's recursion limit: a 500 on every JSON endpoint) or is larger than its
route allows. No request body the BFF takes comes close: its deepest (a SessionM event) nests 3 levels.

    json_loads_bounded(raw, max_bytes=...)   # any non-DRF view, the webhook, Connected Content
    BoundedJSONParser                        # DRF's parser (settings.REST_FRAMEWORK["DEFAULT_PARSER_CLASSES"])
    request_body_limit(path)                 # the byte limit of a path (settings.REQUEST_BODY_LIMITS)
"""

import json
import re

from django.conf import settings
from django.utils.translation import gettext_lazy as _
from rest_framework import exceptions
from rest_framework.parsers import JSONParser

MAX_JSON_DEPTH = 32

# Strings are skipped whole (brackets inside them do not nest); everything else that matters is a bracket.
_TOKENS = re.compile(rb'"(?:[^"\\]|\\.)*"|[\[\]{}]')


class BodyTooLarge(exceptions.APIException):
    status_code = 413
    default_code = "request_too_large"
    default_detail = _("The request body is too large.")


class BodyTooDeep(exceptions.ParseError):
    default_code = "malformed_request"
    default_detail = _("The JSON body nests too deeply.")


def request_body_limit(path: str) -> int:
    """Largest body (bytes) accepted on `path`: the first matching prefix of settings.REQUEST_BODY_LIMITS, else
    Django's DATA_UPLOAD_MAX_MEMORY_SIZE (the web forms and the admin)."""
    for prefix, limit in settings.REQUEST_BODY_LIMITS:
        if path.startswith(prefix):
            return limit
    return settings.DATA_UPLOAD_MAX_MEMORY_SIZE


def json_depth_exceeds(raw: bytes, limit: int = MAX_JSON_DEPTH) -> bool:
    """True when `raw` opens more than `limit` arrays/objects at once. Linear, no recursion, at most the body."""
    depth = 0
    for match in _TOKENS.finditer(raw):
        token = match.group()
        if token in (b"[", b"{"):
            depth += 1
            if depth > limit:
                return True
        elif token in (b"]", b"}"):
            depth -= 1
    return False


def json_loads_bounded(raw: bytes, *, max_bytes: int, max_depth: int = MAX_JSON_DEPTH):
    """Parse a JSON body, refusing one larger than `max_bytes` (BodyTooLarge, 413) or nested deeper than
    `max_depth` (BodyTooDeep, 400). Malformed JSON is a ParseError (400)."""
    if len(raw) > max_bytes:
        raise BodyTooLarge()
    if json_depth_exceeds(raw, max_depth):
        raise BodyTooDeep()
    try:
        return json.loads(raw, parse_constant=_refuse_constant)
    except (ValueError, RecursionError) as exc:  # RecursionError cannot happen under the depth limit; belt only
        raise exceptions.ParseError(_("The request body is not valid JSON.")) from exc


def _refuse_constant(name: str):
    # NaN and Infinity are not JSON (RFC 8259); Python's reader would take them.
    raise ValueError(f"{name} is not valid JSON")


class BoundedJSONParser(JSONParser):
    """DRF's JSON parser through `json_loads_bounded`, reading at most the route's limit plus one byte."""

    def parse(self, stream, media_type=None, parser_context=None):
        request = (parser_context or {}).get("request")
        limit = request_body_limit(request.path if request is not None else "/api/")
        if stream is None:
            return {}
        raw = stream.read(limit + 1)
        return json_loads_bounded(raw, max_bytes=limit)
