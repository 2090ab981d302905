"""The browser's middleware, skipped on the machine-facing paths (app API, partner integrations, health).

Sessions, the language negotiation, Django's auth user, messages, static files and the policies that only a
browser rendering a page obeys (Content-Security-Policy, Permissions-Policy) are for pages. The app API
authenticates with a bearer token, speaks English and answers JSON no browser renders as a document, partners
sign their calls, and each of these layers cost the API's every request a little (bench/profile_screens.py:
the CSP header alone, built per response, was about 5% of an app request's CPU). Each class here is the Django
(or WhiteNoise, django-csp) middleware it subclasses, so the system checks that look for them still find
them; on the machine paths it only passes the request on.

What stays on every path is in settings.MIDDLEWARE: SecurityMiddleware (HTTPS redirect, HSTS, nosniff),
X-Frame-Options (one header; `check --deploy` looks for that very class) and the API's own middleware.
"""

from typing import TYPE_CHECKING

from csp.middleware import CSPMiddleware
from django.conf import settings
from django.contrib.auth.middleware import AuthenticationMiddleware
from django.contrib.messages.middleware import MessageMiddleware
from django.contrib.sessions.middleware import SessionMiddleware
from django.middleware.locale import LocaleMiddleware
from django.utils import translation
from whitenoise.middleware import WhiteNoiseMiddleware

from apps.web.middleware import CustomerLanguageMiddleware

# The app API (not its HTML docs), partner integrations and the probes.
MACHINE_PATH_PREFIXES = ("/api/v1/", "/integrations/", "/healthz", "/readyz")


def is_machine_path(request) -> bool:
    return request.path_info.startswith(MACHINE_PATH_PREFIXES)


if TYPE_CHECKING:
    # What _PagesOnly is mixed into (before it in the bases): a Django middleware, whose get_response it calls
    # and whose __call__ comes next in the MRO. At run time the real class is that next base.
    from django.utils.deprecation import MiddlewareMixin as _Middleware
else:
    _Middleware = object


class _PagesOnly(_Middleware):
    def __call__(self, request):
        if is_machine_path(request):
            return self.get_response(request)
        return super().__call__(request)


class PageWhiteNoiseMiddleware(_PagesOnly, WhiteNoiseMiddleware):
    pass


class PageSessionMiddleware(_PagesOnly, SessionMiddleware):
    pass


class PageLocaleMiddleware(LocaleMiddleware):
    def __call__(self, request):
        if is_machine_path(request):
            # A thread keeps the language it last activated: set the API's own, never a page's leftover.
            translation.activate(settings.LANGUAGE_CODE)
            request.LANGUAGE_CODE = settings.LANGUAGE_CODE
            return self.get_response(request)
        return super().__call__(request)


class PageAuthenticationMiddleware(_PagesOnly, AuthenticationMiddleware):
    pass


class PageCustomerLanguageMiddleware(_PagesOnly, CustomerLanguageMiddleware):
    pass


class PageMessageMiddleware(_PagesOnly, MessageMiddleware):
    pass


class PageCSPMiddleware(_PagesOnly, CSPMiddleware):
    pass


class PagePermissionsPolicyMiddleware:
    """Permissions-Policy on every page (settings.PERMISSIONS_POLICY): Django has no setting for it."""

    def __init__(self, get_response):
        self.policy = settings.PERMISSIONS_POLICY
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if self.policy and not is_machine_path(request):
            response.setdefault("Permissions-Policy", self.policy)
        return response
