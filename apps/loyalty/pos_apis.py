"""The till's endpoint, /integrations/pos/transactions: signed by a POS client, never a customer."""

from drf_spectacular.extensions import OpenApiAuthenticationExtension
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from apps.api.idempotency import REPLAYED_HEADER
from apps.api.schema import ErrorEnvelope, error_responses

from .intake import ACCEPTED, body_fingerprint, pos_transaction_record
from .pos_auth import (
    KEY_ID_HEADER,
    NONCE_HEADER,
    SIGNATURE_HEADER,
    TIMESTAMP_HEADER,
    PosPrincipal,
    PosSignatureAuthentication,
)
from .serializers import PosTransactionInputSerializer, PosTransactionSerializer


class IsPosClient(IsAuthenticated):
    def has_permission(self, request, view):
        return isinstance(request.user, PosPrincipal)


class PosTransactionsApi(APIView):
    authentication_classes = [PosSignatureAuthentication]
    permission_classes = [IsPosClient]
    throttle_classes = []

    @extend_schema(
        operation_id="pos_transaction_record",
        tags=["till (POS intake)"],
        summary="A purchase rung up at a till",
        description=(
            "For tills and the ordering back end: each is a POS client (admin) with its own key and stores. "
            f"Sign every request: `{KEY_ID_HEADER}`, `{TIMESTAMP_HEADER}` (unix seconds, within 5 minutes), "
            f"`{NONCE_HEADER}` (16-64 of A-Za-z0-9_-, new for every sending) and "
            f"`{SIGNATURE_HEADER}: sha256=<hex>`, the HMAC-SHA256 with the client's key of "
            '`METHOD "\\n" PATH "\\n" TIMESTAMP "\\n" NONCE "\\n" hex(SHA-256(body))`. The README has a '
            "copy-paste example.\n\n"
            "The customer is named by the member code their app shows (one purchase per code) or by their "
            "external id. The purchase goes to SessionM's Cloud POS, which awards points and offers by its "
            "rules. `request_id` makes it idempotent: a repeat (also concurrent) answers the first response "
            f"with `{REPLAYED_HEADER}: true` and records nothing; the same request_id with another body is 422 "
            "`request_id_reused`. Nothing reaches SessionM when the request is refused."
        ),
        request=PosTransactionInputSerializer,
        parameters=[
            OpenApiParameter(name, str, OpenApiParameter.HEADER, required=True)
            for name in (KEY_ID_HEADER, TIMESTAMP_HEADER, NONCE_HEADER, SIGNATURE_HEADER)
        ],
        responses={
            202: PosTransactionSerializer,
            400: OpenApiResponse(
                ErrorEnvelope, description="Malformed JSON or fields (`malformed_request`, `invalid`)."
            ),
            401: OpenApiResponse(
                ErrorEnvelope,
                description="Not signed, stale timestamp, unknown or inactive client, or wrong signature "
                "(`not_authenticated`, `authentication_failed`).",
            ),
            403: OpenApiResponse(
                ErrorEnvelope, description="The client may not report for this store (`store_not_allowed`)."
            ),
            409: OpenApiResponse(
                ErrorEnvelope, description="This signed request (nonce) was already received (`request_replayed`)."
            ),
            422: OpenApiResponse(
                ErrorEnvelope,
                description="`member_code_invalid`, `member_code_expired`, `member_code_used`, `customer_unknown`, "
                "`request_id_reused`, `payments_exceed_subtotal`, `promo_code_invalid`, `loyalty_rejected`.",
            ),
            **error_responses(502, 503, 504),
        },
    )
    def post(self, request):
        serializer = PosTransactionInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        body, replayed = pos_transaction_record(
            client=request.user.client,
            request_id=data["request_id"],
            body_hash=body_fingerprint(request.data),
            store_id=data["store_id"],
            lines=data["lines"],
            payments=data["payments"],
            member_code=data.get("member_code"),
            external_id=data.get("external_id"),
            promo_code=data.get("promo_code"),
            render=lambda recorded: dict(PosTransactionSerializer(recorded).data),
        )
        response = Response(body, status=ACCEPTED)
        if replayed:
            response[REPLAYED_HEADER] = "true"
        return response


class PosSignatureAuthenticationScheme(OpenApiAuthenticationExtension):
    target_class = PosSignatureAuthentication
    name = "posClientSignature"

    def get_security_definition(self, auto_schema):
        return {
            "type": "apiKey",
            "in": "header",
            "name": SIGNATURE_HEADER,
            "description": f"sha256=<hex HMAC-SHA256 with the POS client's key>, with {KEY_ID_HEADER}, "
            f"{TIMESTAMP_HEADER} and {NONCE_HEADER} (see the operation).",
        }
