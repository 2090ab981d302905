"""JWT authentication that gives the views the user with its customer: every app screen needs both. They come
from the process's snapshot, checked against the user's version in the shared cache, so the hot path makes
no database query (apps/accounts/auth_cache.py says why that stays correct)."""

from drf_spectacular.contrib.rest_framework_simplejwt import SimpleJWTScheme
from rest_framework_simplejwt.authentication import JWTAuthentication
from rest_framework_simplejwt.exceptions import AuthenticationFailed, InvalidToken, TokenError
from rest_framework_simplejwt.settings import api_settings
from rest_framework_simplejwt.tokens import Token
from rest_framework_simplejwt.utils import aware_utcnow, get_md5_hash_password

from apps.api.throttles import customer_hit_prefetch

from .auth_cache import auth_version_key, user_with_customer_get
from .tokens import token_version_current

# Access tokens this process has verified, by their exact bytes: an app sends the same token with every
# request for its lifetime, and checking the signature again each time was a measurable share of the
# request (bench/screens.py). Only expiry is checked again. Bounded; emptied when full.
_VERIFIED_MAX = 10_000
_verified: dict[bytes, Token] = {}


class CustomerJWTAuthentication(JWTAuthentication):
    # DRF makes one authenticator per request: the request being authenticated, for get_user.
    _request = None

    def authenticate(self, request):
        self._request = request
        return super().authenticate(request)

    def get_validated_token(self, raw_token):
        token = _verified.get(raw_token)
        if token is not None:
            try:
                token.check_exp(current_time=aware_utcnow())  # the token's own clock is its first use
            except TokenError:
                _verified.pop(raw_token, None)
            else:
                return token
        token = super().get_validated_token(raw_token)
        if len(_verified) >= _VERIFIED_MAX:
            _verified.clear()
        _verified[raw_token] = token
        return token

    def get_user(self, validated_token):
        try:
            user_id = validated_token[api_settings.USER_ID_CLAIM]
        except KeyError as exc:
            raise InvalidToken("Token contained no recognizable user identification") from exc
        # The auth version read with the view's throttle hit, one Redis round trip for both (apps/api/throttles.py).
        version = None
        if self._request is not None:
            version = customer_hit_prefetch(self._request, user_id=user_id, get_key=auth_version_key(user_id))
        user = user_with_customer_get(user_id=user_id, version=version)
        if user is None:
            raise AuthenticationFailed("User not found", code="user_not_found")
        if not user.is_active:
            raise AuthenticationFailed("User is inactive", code="user_inactive")
        customer = getattr(user, "customer", None)
        if customer is not None and not token_version_current(validated_token, customer):
            # Issued before the password was changed or reset: that ends every session, access tokens too.
            raise AuthenticationFailed("Token was issued before a password change", code="token_not_valid")
        # What simplejwt's own get_user checks, kept for when CHECK_REVOKE_TOKEN is turned on.
        if api_settings.CHECK_REVOKE_TOKEN and validated_token.get(
            api_settings.REVOKE_TOKEN_CLAIM
        ) != get_md5_hash_password(user.password):
            raise AuthenticationFailed("The user's password has been changed.", code="password_changed")
        return user


class CustomerJWTScheme(SimpleJWTScheme):
    """Documents CustomerJWTAuthentication as the bearer JWT scheme it is (registered on import)."""

    target_class = "apps.accounts.authentication.CustomerJWTAuthentication"
