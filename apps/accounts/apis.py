"""The accounts endpoints of the app API: signup, tokens, logout and the customer's own profile."""

from dataclasses import asdict

from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import exceptions, status
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView
from rest_framework_simplejwt.exceptions import InvalidToken, TokenError

from apps.api.schema import UPSTREAM_ERRORS, error_responses
from apps.api.throttles import (
    CustomerThrottle,
    LoginThrottle,
    PasswordResetThrottle,
    SignupThrottle,
    login_failure_record,
)

from .passwords import password_change, password_reset_confirm, password_reset_request
from .selectors import customer_get_for_user
from .serializers import (
    PasswordChangeInputSerializer,
    PasswordResetConfirmInputSerializer,
    PasswordResetInputSerializer,
    ProfileSerializer,
    ProfileUpdateInputSerializer,
    RefreshInputSerializer,
    SignupInputSerializer,
    SignupOutputSerializer,
    TokenInputSerializer,
    TokenPairSerializer,
)
from .services import customer_authenticate, customer_forget, customer_signup, customer_update
from .tokens import refresh_token_revoke, token_pair_issue, token_pair_refresh

_TAGS = ["accounts"]


class _CredentialsApi(APIView):
    # Endpoints that take credentials in the body. A stale bearer header must not stop a login, so no
    # authentication runs; 401 answers still name the Bearer scheme.

    authentication_classes = ()
    permission_classes = (AllowAny,)

    def get_authenticate_header(self, request):
        return 'Bearer realm="api"'


class SignupApi(_CredentialsApi):
    throttle_classes = (SignupThrottle,)

    @extend_schema(
        tags=_TAGS,
        summary="Sign up",
        description="Creates the customer here and in SessionM and queues the welcome message. After a 503/504 "
        "the same request can be sent again: it completes the same account.",
        request=SignupInputSerializer,
        responses={201: SignupOutputSerializer, **error_responses(400, 409, 429, 502, 503, 504)},
    )
    def post(self, request):
        data = SignupInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        customer = customer_signup(**data.validated_data)
        tokens = token_pair_issue(customer=customer)
        body = SignupOutputSerializer({"profile": customer, **asdict(tokens)}).data
        return Response(body, status=status.HTTP_201_CREATED)


class TokenApi(_CredentialsApi):
    throttle_classes = (LoginThrottle,)

    @extend_schema(
        tags=_TAGS,
        summary="Log in",
        description="Email and password of an active customer; both wrong email and wrong password are 401.",
        request=TokenInputSerializer,
        responses={200: TokenPairSerializer, **error_responses(400, 401, 429)},
    )
    def post(self, request):
        data = TokenInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        customer = customer_authenticate(**data.validated_data)
        if customer is None:
            login_failure_record(account=data.validated_data["email"])
            raise exceptions.AuthenticationFailed(_("The email or password is not correct."))
        return Response(TokenPairSerializer(token_pair_issue(customer=customer)).data)


class TokenRefreshApi(_CredentialsApi):
    @extend_schema(
        tags=_TAGS,
        summary="Refresh tokens",
        description="Returns a new pair; the refresh token sent is revoked and cannot be used again.",
        request=RefreshInputSerializer,
        responses={200: TokenPairSerializer, **error_responses(400, 401)},
    )
    def post(self, request):
        data = RefreshInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        try:
            tokens = token_pair_refresh(**data.validated_data)
        except TokenError as exc:
            raise InvalidToken(str(exc)) from exc
        return Response(TokenPairSerializer(tokens).data)


class LogoutApi(_CredentialsApi):
    @extend_schema(
        tags=_TAGS,
        summary="Log out",
        description="Revokes the refresh token (holding it is the credential). Repeating it is a success.",
        request=RefreshInputSerializer,
        responses={204: OpenApiResponse(description="Revoked."), **error_responses(400, 401)},
    )
    def post(self, request):
        data = RefreshInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        try:
            refresh_token_revoke(**data.validated_data)
        except TokenError as exc:
            raise InvalidToken(str(exc)) from exc
        return Response(status=status.HTTP_204_NO_CONTENT)


class MeApi(APIView):
    throttle_classes = (CustomerThrottle,)

    @extend_schema(
        tags=_TAGS, summary="My profile", responses={200: ProfileSerializer, **error_responses(401, 404, 429)}
    )
    def get(self, request):
        return Response(ProfileSerializer(customer_get_for_user(user=request.user)).data)

    @extend_schema(
        tags=_TAGS,
        summary="Change my profile",
        description="SessionM is updated first; if it is unavailable (503/504) nothing changes.",
        request=ProfileUpdateInputSerializer,
        responses={200: ProfileSerializer, **error_responses(400, 404, 409, *UPSTREAM_ERRORS)},
    )
    def patch(self, request):
        customer = customer_get_for_user(user=request.user)
        data = ProfileUpdateInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        customer = customer_update(customer=customer, **data.validated_data)
        return Response(ProfileSerializer(customer).data)

    @extend_schema(
        tags=_TAGS,
        summary="Forget me",
        description="Deletes the SessionM profile and the Braze user, cancels queued messages, erases personal "
        "data and revokes every token. After a 503 the request can be sent again.",
        responses={204: OpenApiResponse(description="Forgotten."), **error_responses(401, 404, 429, 503)},
    )
    def delete(self, request):
        customer_forget(customer=customer_get_for_user(user=request.user))
        return Response(status=status.HTTP_204_NO_CONTENT)


class PasswordResetApi(_CredentialsApi):
    throttle_classes = (PasswordResetThrottle,)

    @extend_schema(
        tags=_TAGS,
        summary="Ask for a password reset",
        description="Queues a message with a reset link to the address when it belongs to a customer. The answer "
        "is the same 202 whether or not it does. The link works once, for PASSWORD_RESET_TIMEOUT_SECONDS (an "
        "hour by default); a few messages per address per hour at most, the rest are dropped silently.",
        request=PasswordResetInputSerializer,
        responses={
            202: OpenApiResponse(description="Accepted (whether or not the address has an account)."),
            **error_responses(400, 429),
        },
    )
    def post(self, request):
        data = PasswordResetInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        password_reset_request(email=data.validated_data["email"], base_url=request.build_absolute_uri("/"))
        return Response(status=status.HTTP_202_ACCEPTED)


class PasswordResetConfirmApi(_CredentialsApi):
    throttle_classes = (LoginThrottle,)

    @extend_schema(
        tags=_TAGS,
        summary="Set a new password from a reset link",
        description="`uid` and `token` come from the link (`/password-reset/{uid}/{token}/`). Ends every session "
        "and token of the customer; log in again with the new password. A used, expired or altered link is 400 "
        "`invalid_reset_link`; a weak password is 400 `invalid` with details on `new_password`.",
        request=PasswordResetConfirmInputSerializer,
        responses={204: OpenApiResponse(description="The password is changed."), **error_responses(400, 429)},
    )
    def post(self, request):
        data = PasswordResetConfirmInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        password_reset_confirm(
            uidb64=data.validated_data["uid"],
            token=data.validated_data["token"],
            new_password=data.validated_data["new_password"],
        )
        return Response(status=status.HTTP_204_NO_CONTENT)


class PasswordChangeApi(APIView):
    throttle_classes = (CustomerThrottle,)

    @extend_schema(
        tags=_TAGS,
        summary="Change my password",
        description="Needs the current password. Ends every other session: all refresh tokens are revoked and "
        "access tokens issued before stop working, so the answer is a new pair for this device.",
        request=PasswordChangeInputSerializer,
        responses={200: TokenPairSerializer, **error_responses(400, 401, 404, 429)},
    )
    def post(self, request):
        customer = customer_get_for_user(user=request.user)
        data = PasswordChangeInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        customer = password_change(customer=customer, **data.validated_data)
        return Response(TokenPairSerializer(token_pair_issue(customer=customer)).data)
