"""Django-level 404/500 handlers: the JSON envelope on API paths, the site's pages elsewhere."""

from django.utils.translation import gettext as _
from django.views import defaults

from apps.core.errors import NotFound

from .exceptions import JSON_PATH_PREFIXES, json_error_response


def _wants_json(request) -> bool:
    return request.path.startswith(JSON_PATH_PREFIXES)


def json_or_html_404(request, exception):
    if _wants_json(request):
        return json_error_response(NotFound.status, NotFound.code, NotFound.default_message)
    return defaults.page_not_found(request, exception)


def json_or_html_500(request):
    if _wants_json(request):
        return json_error_response(500, "internal_error", _("Something went wrong on our side. It has been logged."))
    return defaults.server_error(request)
