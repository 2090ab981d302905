"""Throttles: credential endpoints per client address and per account, everything else per customer.

Rates live in settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"]; counts live in the shared cache
(apps/api/ratelimit.py), so a limit holds across every process. The same login check guards the API's token
endpoint, the web wallet's login form and the admin's login page (`login_attempt_wait`).
"""

from django.conf import settings
from rest_framework.throttling import BaseThrottle

from .ratelimit import Rate, client_address, rate_limit_hit, rate_limit_peek


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


class CustomerThrottle(_SharedThrottle):
    def attempt_wait(self, request):
        if request.user and request.user.is_authenticated:
            return rate_limit_hit(scope="customer", ident=str(request.user.pk), rate=throttle_rate("customer"))
        return rate_limit_hit(scope="anonymous", ident=client_address(request), rate=throttle_rate("customer"))


class PasswordResetThrottle(_SharedThrottle):
    """Reset requests per client address. The per-address cap is in apps/accounts/passwords.py: it drops the
    message silently, so the answer never tells whether an address has an account."""

    def attempt_wait(self, request):
        return rate_limit_hit(
            scope="password_reset", ident=client_address(request), rate=throttle_rate("password_reset")
        )
