"""What every wallet page shares: the customer guard, loyalty errors rendered in their own words (apps.core
owns the text of every error code), and the page shown when the loyalty platform can't answer (never a 500)."""

import time
from functools import wraps
from urllib.parse import urlsplit

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext_lazy as _
from django.views.decorators.cache import never_cache

from apps.core.errors import DomainError, UpstreamFailure, upstream_failure_as_error

# Deeper than any wallet goes; bounds the skip a hand-written URL can ask SessionM for.
MAX_PAGE_NUMBER = 1000

# Every failure a loyalty service or selector can raise that the page must explain instead of crashing.
LOYALTY_ERRORS = (DomainError, UpstreamFailure)


def as_domain_error(exc: DomainError | UpstreamFailure) -> DomainError:
    """The domain error a page renders: an upstream failure no service translated goes through core's one
    mapping, so a page answers with the same status and words as the API (a timeout is 504 on both)."""
    if isinstance(exc, UpstreamFailure):
        return upstream_failure_as_error(exc)
    return exc


def plain_words(exc: DomainError | UpstreamFailure) -> str:
    """The sentence a customer reads for a failed loyalty call: the error's own translated text (apps.core.errors
    has one per code; a not-found says what was missing), the same the API sends."""
    return str(as_domain_error(exc).message)


def safe_next_url(request) -> str | None:
    """The `next` the request carries when it points back into this site (never an open redirect)."""
    candidate = request.POST.get("next") or request.GET.get("next")
    if candidate and url_has_allowed_host_and_scheme(
        candidate, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return candidate
    return None


_SIGNED_IN_AT = "web:signed_in_at"


def mark_signed_in(request) -> None:
    """Call right after a login, a signup or a password reset: the customer just proved who they are."""
    request.session[_SIGNED_IN_AT] = int(time.time())


def recently_signed_in(request) -> bool:
    signed_in_at = request.session.get(_SIGNED_IN_AT)
    return isinstance(signed_in_at, int) and 0 <= time.time() - signed_in_at <= settings.RECENT_LOGIN_SECONDS


def customer_required(view):
    """The page belongs to a logged-in customer; `request.customer` is set by CustomerLanguageMiddleware.
    Never cached, so a shared computer's back button shows no one's wallet after logging out."""

    @never_cache
    @wraps(view)
    def guarded(request, *args, **kwargs):
        if request.customer is None:
            if request.user.is_authenticated:
                # Staff accounts and unfinished signups have no wallet.
                raise PermissionDenied
            return redirect_to_login(request.get_full_path())
        return view(request, *args, **kwargs)

    return guarded


def customer_action(page: str, anchor=None, *, asks_first: bool = False):
    """An action a page posts (Redeem, Buy, Opt in…). `page` is the URL name of the page its buttons are on;
    `anchor(**view_kwargs)` names the card acted on, which the page comes back to (`/wallet/#reward-…`).
    With `asks_first`, a GET is the action's own question ("Redeem now?"), shown to a signed-in customer.

    - With an expired session the action is not run: after logging in the customer is back on the page, at
      the card, told that nothing was changed (never a 405 from replaying the action's address as a GET).
    - A GET of the action's address (a bookmark, an old `next`) shows the page instead of a 405.
    - The view finds where to send the customer back in `request.back_url`.
    """

    def decorate(view):
        @never_cache
        @wraps(view)
        def guarded(request, *args, **kwargs):
            back = back_url(request, page, anchor(**kwargs) if anchor else "")
            if asks_first and request.method == "GET":
                if request.customer is None:
                    return redirect_to_login(request.get_full_path())
                request.back_url = back
                return view(request, *args, **kwargs)
            if request.method != "POST":
                return redirect(back)
            if request.customer is None:
                if request.user.is_authenticated:
                    raise PermissionDenied
                messages.warning(request, _("Please sign in again — nothing was changed."))
                return redirect_to_login(back)
            request.back_url = back
            return view(request, *args, **kwargs)

        return guarded

    return decorate


def back_url(request, page: str, anchor: str = "") -> str:
    """The page an action was posted from, with its query (which page of offers…) when the Referer shows it,
    and the card's anchor."""
    path = reverse(page)
    referer = request.META.get("HTTP_REFERER", "")
    if referer and url_has_allowed_host_and_scheme(referer, allowed_hosts={request.get_host()}):
        parts = urlsplit(referer)
        if parts.path == path and parts.query:
            path = f"{path}?{parts.query}"
    return f"{path}#{anchor}" if anchor else path


def render_load_error(request, template: str, exc: DomainError | UpstreamFailure, context: dict | None = None):
    """The page frame with the reason its loyalty data is missing, under the error's status (502/503/504
    when the loyalty platform failed)."""
    error = as_domain_error(exc)
    response = render(request, template, {**(context or {}), "load_error": plain_words(error)}, status=error.status)
    if error.status == 503:
        response["Retry-After"] = "5"
    return response


def page_number(request, name: str = "page") -> int:
    """A 1-based page number from the query string; anything else is the first page (links get mangled)."""
    try:
        number = int(request.GET.get(name, 1))
    except (TypeError, ValueError):
        return 1
    return number if 1 <= number <= MAX_PAGE_NUMBER else 1
