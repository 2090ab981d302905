"""JWT authentication that loads the customer with the user: every app screen needs both, and one query
instead of two is a measurable share of the BFF's per-request cost (bench/screens.py)."""

from drf_spectacular.contrib.rest_framework_simplejwt import SimpleJWTScheme
from rest_framework_simplejwt.authentication import JWTAuthentication
from rest_framework_simplejwt.exceptions import AuthenticationFailed, InvalidToken
from rest_framework_simplejwt.settings import api_settings

from apps.accounts.tokens import token_version_current


class CustomerJWTAuthentication(JWTAuthentication):
    def get_user(self, validated_token):
        try:
            user_id = validated_token[api_settings.USER_ID_CLAIM]
        except KeyError as exc:
            raise InvalidToken("Token contained no recognizable user identification") from exc
        user = (
            self.user_model.objects.select_related("customer").filter(**{api_settings.USER_ID_FIELD: user_id}).first()
        )
        if user is None:
            raise AuthenticationFailed("User not found", code="user_not_found")
        if not user.is_active:
            raise AuthenticationFailed("User is inactive", code="user_inactive")
        customer = getattr(user, "customer", None)
        if customer is not None and not token_version_current(validated_token, customer):
            # Issued before the password was changed or reset: that ends every session, access tokens too.
            raise AuthenticationFailed("Token was issued before a password change", code="token_not_valid")
        return user


class CustomerJWTScheme(SimpleJWTScheme):
    """Documents CustomerJWTAuthentication as the bearer JWT scheme it is (registered on import)."""

    target_class = "apps.api.authentication.CustomerJWTAuthentication"
