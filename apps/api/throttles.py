"""Throttles: credential endpoints per client address and per account, everything else per customer.

Rates live in settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"]; counts live in the shared cache
(apps/api/ratelimit.py), so a limit holds across every process. The same login check guards the API's token
endpoint, the web wallet's login form and the admin's login page (`login_attempt_wait`).
"""

from typing import Any

from django.conf import settings
from rest_framework.throttling import BaseThrottle

from .ratelimit import Rate, client_address, rate_limit_hit, rate_limit_hit_get, rate_limit_peek


def throttle_rate(scope: str) -> Rate:
    return Rate.parse(settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"][scope])


def _account(account) -> str | None:
    return account.strip().lower() if isinstance(account, str) and account.strip() else None


def login_attempt_wait(request, *, account) -> int | None:
    """Count one login attempt from this address, and check the account's failures. None when it may go
    ahead, else the seconds to wait.

    Per address, every attempt counts (THROTTLE_LOGIN_RATE). Per account, only failures count
    (THROTTLE_LOGIN_ACCOUNT_RATE, see `login_failure_record`): guesses spread over many addresses are stopped
    too, and the customer who types the right password is not locked out by their own successful logins."""
    address_wait = rate_limit_hit(scope="login", ident=client_address(request), rate=throttle_rate("login"))
    account = _account(account)
    account_wait = (
        rate_limit_peek(scope="login-account", ident=account, rate=throttle_rate("login_account")) if account else None
    )
    waits = [wait for wait in (address_wait, account_wait) if wait]
    return max(waits) if waits else None


def login_failure_record(*, account) -> None:
    """A login with this account name failed (wrong password, unknown or inactive account)."""
    account = _account(account)
    if account:
        rate_limit_hit(scope="login-account", ident=account, rate=throttle_rate("login_account"))


def signup_attempt_wait(request) -> int | None:
    return rate_limit_hit(scope="signup", ident=client_address(request), rate=throttle_rate("signup"))


class _SharedThrottle(BaseThrottle):
    """A DRF throttle over apps.api.ratelimit. Subclasses say what one attempt counts against."""

    _wait: int | None = None

    def attempt_wait(self, request) -> int | None:
        raise NotImplementedError

    def allow_request(self, request, view):
        self._wait = self.attempt_wait(request)
        return self._wait is None

    def wait(self):
        return self._wait


class LoginThrottle(_SharedThrottle):
    def attempt_wait(self, request):
        data = request.data if hasattr(request, "data") else {}
        email = data.get("email") if isinstance(data, dict) else None
        return login_attempt_wait(request, account=email)


class SignupThrottle(_SharedThrottle):
    def attempt_wait(self, request):
        return signup_attempt_wait(request)


def customer_hit_prefetch(request, *, user_id, get_key: str) -> Any:
    """For a view throttled per customer (CustomerThrottle), while authenticating `user_id`: count the request's
    hit now and read the shared cache's value at `get_key` in the same round trip (returned; None when absent or
    when the view has no CustomerThrottle, which then counts nothing here). The throttle later uses this hit
    instead of counting another: every app request then makes one Redis round trip where it made two.

    The one difference from counting in the throttle: a request whose authentication or permission check then
    fails has still counted against that customer, which only makes the limit stricter for them."""
    # Imported here: DRF's views module loads the authentication classes (this module's callers) as it loads.
    from rest_framework.views import APIView

    view = (getattr(request, "parser_context", None) or {}).get("view")
    if (
        view is None
        # A view that picks its throttles itself counts in them, as DRF does.
        or type(view).get_throttles is not APIView.get_throttles
        or not any(issubclass(cls, CustomerThrottle) for cls in view.throttle_classes)
    ):
        return None
    ident = str(user_id)
    wait, value = rate_limit_hit_get(scope="customer", ident=ident, rate=throttle_rate("customer"), get_key=get_key)
    request._customer_hit = (ident, wait)
    return value


class CustomerThrottle(_SharedThrottle):
    def attempt_wait(self, request):
        if request.user and request.user.is_authenticated:
            ident = str(request.user.pk)
            prefetched = getattr(request, "_customer_hit", None)
            if prefetched is not None and prefetched[0] == ident:
                request._customer_hit = None  # counted once: a second check counts again
                return prefetched[1]
            return rate_limit_hit(scope="customer", ident=ident, rate=throttle_rate("customer"))
        return rate_limit_hit(scope="anonymous", ident=client_address(request), rate=throttle_rate("customer"))


class PasswordResetThrottle(_SharedThrottle):
    """Reset requests per client address. The per-address cap is in apps/accounts/passwords.py: it drops the
    message silently, so the answer never tells whether an address has an account."""

    def attempt_wait(self, request):
        return rate_limit_hit(
            scope="password_reset", ident=client_address(request), rate=throttle_rate("password_reset")
        )
