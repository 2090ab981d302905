"""The partner endpoints under /integrations/: SessionM's webhook and Braze's Connected Content wallet."""

from drf_spectacular.extensions import OpenApiAuthenticationExtension
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import status
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from apps.api.schema import ErrorEnvelope, error_responses

from .connected_content import CACHE_CONTROL, ConnectedContentAuthentication, braze_wallet_get, culture_from_param
from .serializers import (
    BrazeWalletQuerySerializer,
    BrazeWalletSerializer,
    ConnectedContentErrorSerializer,
    SessionMEventReceiptSerializer,
    SessionMEventSerializer,
)
from .webhooks import SIGNATURE_HEADER, TIMESTAMP_HEADER, SessionMSignatureAuthentication, sessionm_event_receive


class SessionMEventsApi(APIView):
    authentication_classes = [SessionMSignatureAuthentication]
    permission_classes = [IsAuthenticated]
    throttle_classes = []

    @extend_schema(
        operation_id="sessionm_event_receive",
        tags=["integrations"],
        summary="SessionM outbound webhook",
        description=(
            f"One SessionM event, signed: `{TIMESTAMP_HEADER}` (unix seconds, within 5 minutes of our clock) and "
            f'`{SIGNATURE_HEADER}: sha256=<hex>`, the HMAC-SHA256 of `"<timestamp>." + raw body` with the shared '
            "secret. The event is recorded and processed in the background: offer_issued records the wallet item, "
            "sends the offer-issued message and schedules the expiry reminder; offer_redeemed cancels the reminder; "
            "points_awarded records points that came with an offer; tier_changed updates the customer's Braze "
            "`loyalty_tier` attribute. Other types are acknowledged and ignored; a repeated event id is a no-op."
        ),
        request=SessionMEventSerializer,
        parameters=[
            OpenApiParameter(TIMESTAMP_HEADER, str, OpenApiParameter.HEADER, required=True),
            OpenApiParameter(SIGNATURE_HEADER, str, OpenApiParameter.HEADER, required=True),
        ],
        responses={
            202: SessionMEventReceiptSerializer,
            400: OpenApiResponse(
                ErrorEnvelope, description="Malformed JSON or event (`malformed_request`, `invalid`)."
            ),
            401: OpenApiResponse(
                ErrorEnvelope, description="Missing, stale or wrong signature (`authentication_failed`)."
            ),
        },
    )
    def post(self, request):
        event = SessionMEventSerializer(data=request.data)
        event.is_valid(raise_exception=True)
        values = event.validated_data
        _recorded, outcome = sessionm_event_receive(
            event_id=values["id"],
            event_type=values["type"],
            occurred_at=values["occurred_at"],
            user_id=values["user_id"],
            data=values["data"],
        )
        return Response({"id": values["id"], "status": outcome}, status=status.HTTP_202_ACCEPTED)


class BrazeWalletApi(APIView):
    authentication_classes = [ConnectedContentAuthentication]
    permission_classes = [IsAuthenticated]
    throttle_classes = []

    @extend_schema(
        operation_id="braze_wallet_get",
        tags=["integrations"],
        summary="Wallet for Braze Connected Content, in SessionM's get_user_offers shape",
        description=(
            "Points and every issued offer of one customer, for a message Braze is rendering, shaped like SessionM's "
            "`get_user_offers` so templates from Braze's SessionM partner page work unchanged "
            "(`{{wallet.payload.available_points}}`, `wallet.payload.user_offers`). `user_id` is the SessionM user "
            "id (Braze's external id); `culture` a culture or language, one we do not speak falling back to the "
            "customer's. Every body has `ok`, false on errors so a template can `abort_message()`. Successful "
            "answers may be cached for 5 minutes per URL."
        ),
        parameters=[BrazeWalletQuerySerializer],
        responses={
            200: BrazeWalletSerializer,
            **{
                code: OpenApiResponse(ConnectedContentErrorSerializer, description=response.description)
                for code, response in error_responses(400, 401, 404, 502, 503, 504).items()
            },
        },
    )
    def get(self, request, user_id: str):
        query = BrazeWalletQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        wallet = braze_wallet_get(user_id=user_id, culture=culture_from_param(query.validated_data.get("culture")))
        response = Response(BrazeWalletSerializer(wallet).data)
        response["Cache-Control"] = CACHE_CONTROL
        return response

    def handle_exception(self, exc):
        response = super().handle_exception(exc)
        if isinstance(response.data, dict) and "error" in response.data:
            response.data = {"ok": False, **response.data}
        # A failure must not sit in Braze's per-URL cache and spoil the next five minutes of sends.
        response["Cache-Control"] = "no-store"
        return response


class ConnectedContentAuthenticationScheme(OpenApiAuthenticationExtension):
    target_class = ConnectedContentAuthentication
    name = "brazeConnectedContentBasic"

    def get_security_definition(self, auto_schema):
        return {"type": "http", "scheme": "basic"}


class SessionMSignatureAuthenticationScheme(OpenApiAuthenticationExtension):
    target_class = SessionMSignatureAuthentication
    name = "sessionmWebhookSignature"

    def get_security_definition(self, auto_schema):
        return {
            "type": "apiKey",
            "in": "header",
            "name": SIGNATURE_HEADER,
            "description": f'sha256=<hex HMAC-SHA256 of "<{TIMESTAMP_HEADER}>." + raw body>',
        }
