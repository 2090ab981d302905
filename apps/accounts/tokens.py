"""The app's JWT pairs (djangorestframework-simplejwt with its token blacklist).

Refresh tokens are single use: refreshing blacklists the presented token and issues a new pair, and a
token presented twice (a replay, or two refreshes racing) is refused. Failures raise simplejwt's
`TokenError`, which the API answers with 401.
"""

from dataclasses import dataclass
from typing import cast

from django.contrib.auth.models import update_last_login
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from rest_framework_simplejwt.exceptions import TokenError
from rest_framework_simplejwt.settings import api_settings
from rest_framework_simplejwt.token_blacklist.models import BlacklistedToken, OutstandingToken
from rest_framework_simplejwt.tokens import RefreshToken, UntypedToken

from .models import Customer, CustomerStatus


@dataclass(frozen=True)
class TokenPair:
    access: str
    refresh: str


# The customer's token version a JWT was issued under (Customer.token_version). The access token copies it
# from its refresh token; apps/accounts/authentication.py refuses a token whose version is not the current one.
TOKEN_VERSION_CLAIM = "tv"


def token_version_current(validated_token, customer: Customer) -> bool:
    """Whether a token was issued after the customer's last password change: one field comparison."""
    return validated_token.get(TOKEN_VERSION_CLAIM, 0) == customer.token_version


def _pair_for(customer: Customer) -> TokenPair:
    refresh = RefreshToken.for_user(customer.user)  # records it as outstanding, so forgetting can revoke it
    refresh[TOKEN_VERSION_CLAIM] = customer.token_version
    return TokenPair(access=str(refresh.access_token), refresh=str(refresh))


def token_pair_issue(*, customer: Customer) -> TokenPair:
    """A new pair after a signup or a login."""
    pair = _pair_for(customer)
    update_last_login(type(customer.user), customer.user)
    return pair


def token_pair_refresh(*, refresh: str) -> TokenPair:
    """Rotate: the presented refresh token is blacklisted and a new pair issued, for active customers only."""
    # Checks signature, expiry and the blacklist.
    token = RefreshToken(refresh)  # type: ignore[arg-type]  # simplejwt annotates the encoded token as a Token
    customer = (
        Customer.objects.select_related("user")
        .filter(user__pk=token.get(api_settings.USER_ID_CLAIM), user__is_active=True, status=CustomerStatus.ACTIVE)
        .first()
    )
    if customer is None:
        raise TokenError(_("No active account for this token."))
    if not token_version_current(token, customer):
        # Issued before a password change (which also blacklisted it; this holds even if that raced).
        raise TokenError(_("Token is blacklisted"))
    with transaction.atomic():
        # blacklist() answers get_or_create's (row, created); simplejwt annotates it as the row.
        _blacklisted, created = cast("tuple[BlacklistedToken, bool]", token.blacklist())
        if not created:
            raise TokenError(_("Token is blacklisted"))
        return _pair_for(customer)


def refresh_token_revoke(*, refresh: str) -> None:
    """Log out: blacklist the refresh token. Revoking a token that is already revoked is a success."""
    try:
        token = RefreshToken(refresh)  # type: ignore[arg-type]  # simplejwt annotates the encoded token as a Token
    except TokenError:
        if _is_revoked(refresh):
            return
        raise
    token.blacklist()


def _is_revoked(refresh: str) -> bool:
    try:
        # Signature and expiry still checked.
        jti = UntypedToken(refresh).get(api_settings.JTI_CLAIM)  # type: ignore[arg-type]  # simplejwt annotates the encoded token as a Token
    except TokenError:
        return False
    return BlacklistedToken.objects.filter(token__jti=jti).exists()


def tokens_revoke_all(*, user) -> int:
    """Blacklist every refresh token of `user` that has not expired yet; returns how many were revoked."""
    outstanding = OutstandingToken.objects.filter(
        user=user, expires_at__gt=timezone.now(), blacklistedtoken__isnull=True
    ).values_list("pk", flat=True)
    revoked = [BlacklistedToken(token_id=pk) for pk in outstanding]
    BlacklistedToken.objects.bulk_create(revoked, ignore_conflicts=True)
    return len(revoked)
