"""Throttles: credential endpoints per client IP (the caller is anonymous), everything else per customer.
Rates live in settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"]."""

from rest_framework.throttling import SimpleRateThrottle, UserRateThrottle


class _PerIpThrottle(SimpleRateThrottle):
    def get_cache_key(self, request, view):
        return self.cache_format % {"scope": self.scope, "ident": self.get_ident(request)}


class LoginThrottle(_PerIpThrottle):
    scope = "login"


class SignupThrottle(_PerIpThrottle):
    scope = "signup"


class CustomerThrottle(UserRateThrottle):
    scope = "customer"


class PasswordResetThrottle(_PerIpThrottle):
    """Reset requests per client IP. The per-address cap is in apps/accounts/passwords.py: it drops the message
    silently, so the answer never tells whether an address has an account."""

    scope = "password_reset"
