"""The loyalty screens of the app API: validate, call one selector or service, serialize."""

import functools

from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import status
from rest_framework.response import Response
from rest_framework.utils.urls import replace_query_param
from rest_framework.views import APIView

from apps.accounts.selectors import customer_get_for_user
from apps.api.idempotency import idempotent
from apps.api.pagination import PageParamsSerializer, paginated_response
from apps.api.schema import UPSTREAM_ERRORS, error_responses
from apps.api.throttles import CustomerThrottle

from . import selectors, services
from .member_codes import member_code_issue
from .serializers import (
    ID_PATTERN,
    ActivityPageSerializer,
    ActivityQuerySerializer,
    CampaignSerializer,
    EventInputSerializer,
    EventReportSerializer,
    HomeSerializer,
    MemberCodeSerializer,
    OptInSerializer,
    PointHistoryEntrySerializer,
    PointsSerializer,
    PromoCodeClaimSerializer,
    PromoCodeInputSerializer,
    PurchaseSerializer,
    RedemptionSerializer,
    RewardItemSerializer,
    WalletItemSerializer,
    page_of,
)

# Every screen: 401 without a valid token, 404 for a user without a customer account, and the upstream ones.
READ_ERRORS = error_responses(400, 404, *UPSTREAM_ERRORS)
# Writes add 409 (business conflicts, idempotency_in_progress) and 422 (refusals, idempotency_key_reused).
WRITE_ERRORS = error_responses(400, 404, 409, 422, *UPSTREAM_ERRORS)


def _path_id(name: str, description: str) -> OpenApiParameter:
    return OpenApiParameter(name, str, OpenApiParameter.PATH, description=description, pattern=f"^{ID_PATTERN}$")


def _validated(serializer_class, data) -> dict:
    if not data and (defaults := _defaults(serializer_class)) is not None:
        return dict(defaults)
    serializer = serializer_class(data=data)
    serializer.is_valid(raise_exception=True)
    return serializer.validated_data


@functools.cache
def _defaults(serializer_class) -> dict | None:
    """What `serializer_class` makes of no parameter at all (the usual first page), validated once per class:
    building and running the serializer was about 5% of a list screen's CPU (bench/profile_screens.py)."""
    serializer = serializer_class(data={})
    return dict(serializer.validated_data) if serializer.is_valid() else None


def _page_params(request) -> dict:
    return _validated(PageParamsSerializer, request.query_params)


class _LoyaltyApi(APIView):
    throttle_classes = (CustomerThrottle,)

    @staticmethod
    def customer(request):
        return customer_get_for_user(user=request.user)


class HomeApi(_LoyaltyApi):
    @extend_schema(
        tags=["home"],
        summary="Home screen",
        description="Points, a few ready-to-redeem offers and featured campaigns in one call. SessionM is asked "
        "for all three at once; `wallet` and `campaigns` are null when SessionM could not give them in time, "
        "while points are required (503/504 without them).",
        responses={200: HomeSerializer, **error_responses(404, *UPSTREAM_ERRORS)},
    )
    def get(self, request):
        return Response(HomeSerializer(selectors.home_get(customer=self.customer(request))).data)


class CampaignsApi(_LoyaltyApi):
    @extend_schema(
        tags=["campaigns"],
        summary="Campaigns",
        description="Campaigns the customer is eligible for, with progress and opt-in state.",
        parameters=[PageParamsSerializer],
        responses={200: page_of(CampaignSerializer(many=True), name="CampaignPage"), **READ_ERRORS},
    )
    def get(self, request):
        page = selectors.campaigns_list(customer=self.customer(request), **_page_params(request))
        return paginated_response(request, page, CampaignSerializer)


class CampaignOptInApi(_LoyaltyApi):
    @extend_schema(
        tags=["campaigns"],
        summary="Opt in to a campaign",
        description="Opting in again changes nothing. 404 when there is no such campaign.",
        parameters=[_path_id("campaign_id", "The campaign's id.")],
        request=None,
        responses={200: OptInSerializer, **WRITE_ERRORS},
    )
    @idempotent
    def post(self, request, campaign_id):
        result = services.campaign_opt_in(customer=self.customer(request), campaign_id=campaign_id)
        return Response(OptInSerializer(result).data)


class WalletApi(_LoyaltyApi):
    @extend_schema(
        tags=["wallet"],
        summary="Ready to Redeem",
        description="The customer's issued offers, in their language.",
        parameters=[PageParamsSerializer],
        responses={200: page_of(WalletItemSerializer(many=True), name="WalletPage"), **READ_ERRORS},
    )
    def get(self, request):
        customer = self.customer(request)
        page = selectors.wallet_get(customer=customer, **_page_params(request))
        services.wallet_read_record(customer=customer, read=page.read)
        return paginated_response(request, page, WalletItemSerializer)


class OfferRedeemApi(_LoyaltyApi):
    @extend_schema(
        tags=["wallet"],
        summary="Redeem a wallet offer",
        description="404 when the offer is not in this customer's wallet; 409 `offer_not_redeemable` when it "
        "was already redeemed or has expired.",
        parameters=[_path_id("user_offer_id", "The wallet item's id.")],
        request=None,
        responses={200: RedemptionSerializer, **WRITE_ERRORS},
    )
    @idempotent
    def post(self, request, user_offer_id):
        result = services.offer_redeem(customer=self.customer(request), user_offer_id=user_offer_id)
        return Response(RedemptionSerializer(result).data)


class RewardsStoreApi(_LoyaltyApi):
    @extend_schema(
        tags=["rewards store"],
        summary="Rewards Store",
        description="Offers purchasable with points, with their price and whether the customer can afford them.",
        parameters=[PageParamsSerializer],
        responses={200: page_of(RewardItemSerializer(many=True), name="RewardsStorePage"), **READ_ERRORS},
    )
    def get(self, request):
        page = selectors.rewards_store_get(customer=self.customer(request), **_page_params(request))
        return paginated_response(request, page, RewardItemSerializer)


class RewardPurchaseApi(_LoyaltyApi):
    @extend_schema(
        tags=["rewards store"],
        summary="Buy a reward with points",
        description="Answers the new wallet item and the balance left. 409 `insufficient_points` when the "
        "customer cannot afford it (nothing is spent).",
        parameters=[_path_id("offer_id", "The Rewards Store offer's id.")],
        request=None,
        responses={201: PurchaseSerializer, **WRITE_ERRORS},
    )
    @idempotent
    def post(self, request, offer_id):
        result = services.reward_purchase(customer=self.customer(request), offer_id=offer_id)
        return Response(PurchaseSerializer(result).data, status=status.HTTP_201_CREATED)


class PointsApi(_LoyaltyApi):
    @extend_schema(
        tags=["points"],
        summary="Points and tier",
        description="Balances (total, available, per account) and the tier with progress to the next one.",
        responses={200: PointsSerializer, **error_responses(404, *UPSTREAM_ERRORS)},
    )
    def get(self, request):
        return Response(PointsSerializer(selectors.points_get(customer=self.customer(request))).data)


class PointsHistoryApi(_LoyaltyApi):
    @extend_schema(
        tags=["points"],
        summary="Point history",
        description="The point audit log, newest first. There is no `count`: SessionM gives no total.",
        parameters=[PageParamsSerializer],
        responses={
            200: page_of(PointHistoryEntrySerializer(many=True), name="PointHistoryPage", counted=False),
            **READ_ERRORS,
        },
    )
    def get(self, request):
        page = selectors.points_history_get(customer=self.customer(request), **_page_params(request))
        return paginated_response(request, page, PointHistoryEntrySerializer)


class ActivityApi(_LoyaltyApi):
    @extend_schema(
        tags=["activity"],
        summary="Activity log",
        description="Newest first. Follow `next` (or pass `next_cursor` as `cursor`) for older events; a cursor "
        "that was not given to this customer is a 400.",
        parameters=[ActivityQuerySerializer],
        responses={200: ActivityPageSerializer, **READ_ERRORS},
    )
    def get(self, request):
        params = _validated(ActivityQuerySerializer, request.query_params)
        page = selectors.activity_get(customer=self.customer(request), **params)
        next_url = None
        if page.next_cursor is not None:
            next_url = replace_query_param(request.build_absolute_uri(), "cursor", page.next_cursor)
        body = {"next_cursor": page.next_cursor, "next": next_url, "previous": None, "results": page.results}
        return Response(ActivityPageSerializer(body).data)


class MemberCodeApi(_LoyaltyApi):
    @extend_schema(
        tags=["member code"],
        summary="Member code for the till",
        description="A new short-lived code the app shows as a QR code at the counter: a till sends it with the "
        "purchase (`POST /integrations/pos/transactions`) and the points land in this account. Valid for "
        "`ttl_seconds` (a few minutes) and for one purchase; it names no one by itself. Each call issues a new "
        "one. A customer never reports a purchase: this code is how a till, which took the money, does.",
        responses={200: MemberCodeSerializer, **error_responses(401, 404, 429)},
    )
    def get(self, request):
        issued = member_code_issue(customer=self.customer(request))
        response = Response(MemberCodeSerializer(issued).data)
        # A bearer credential for a few minutes: no cache may keep it.
        response["Cache-Control"] = "no-store"
        return response


class PromoCodesApi(_LoyaltyApi):
    @extend_schema(
        tags=["wallet"],
        summary="Claim a promo code",
        description="The offer it grants lands in the wallet. 422 `promo_code_invalid` or "
        "`promo_code_already_claimed` when SessionM refuses it.",
        request=PromoCodeInputSerializer,
        responses={201: PromoCodeClaimSerializer, **WRITE_ERRORS},
    )
    @idempotent
    def post(self, request):
        data = _validated(PromoCodeInputSerializer, request.data)
        result = services.promo_code_claim(customer=self.customer(request), code=data["code"])
        return Response(PromoCodeClaimSerializer(result).data, status=status.HTTP_201_CREATED)


class EventsApi(_LoyaltyApi):
    @extend_schema(
        tags=["events"],
        summary="Report a behaviour",
        description="For campaign rules, e.g. `survey_completed` or `app_review`. 422 `unknown_event` when the "
        "program does not know the event. It awards only what SessionM's campaign rules allow for that behaviour "
        "(and they cap how often); it is never a purchase and sets no price.",
        request=EventInputSerializer,
        responses={200: EventReportSerializer, **WRITE_ERRORS},
    )
    @idempotent
    def post(self, request):
        data = _validated(EventInputSerializer, request.data)
        result = services.event_report(customer=self.customer(request), event=data["event"])
        return Response(EventReportSerializer(result).data)
