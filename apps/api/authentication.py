"""JWT authentication that gives the views the user with its customer: every app screen needs both. They come
from the process's snapshot, checked against the user's version in the shared cache, so the hot path makes
no database query (apps/accounts/auth_cache.py says why that stays correct)."""

from drf_spectacular.contrib.rest_framework_simplejwt import SimpleJWTScheme
from rest_framework_simplejwt.authentication import JWTAuthentication
from rest_framework_simplejwt.exceptions import AuthenticationFailed, InvalidToken
from rest_framework_simplejwt.settings import api_settings
from rest_framework_simplejwt.utils import get_md5_hash_password

from apps.accounts.auth_cache import user_with_customer_get


class CustomerJWTAuthentication(JWTAuthentication):
    def get_user(self, validated_token):
        try:
            user_id = validated_token[api_settings.USER_ID_CLAIM]
        except KeyError as exc:
            raise InvalidToken("Token contained no recognizable user identification") from exc
        user = user_with_customer_get(user_id=user_id)
        if user is None:
            raise AuthenticationFailed("User not found", code="user_not_found")
        if not user.is_active:
            raise AuthenticationFailed("User is inactive", code="user_inactive")
        # What simplejwt's own get_user checks, kept for when CHECK_REVOKE_TOKEN is turned on.
        if api_settings.CHECK_REVOKE_TOKEN and validated_token.get(
            api_settings.REVOKE_TOKEN_CLAIM
        ) != get_md5_hash_password(user.password):
            raise AuthenticationFailed("The user's password has been changed.", code="password_changed")
        return user


class CustomerJWTScheme(SimpleJWTScheme):
    """Documents CustomerJWTAuthentication as the bearer JWT scheme it is (registered on import)."""

    target_class = "apps.api.authentication.CustomerJWTAuthentication"
