"""Input and output serializers of the loyalty screens. Outputs read the dataclasses of apps/loyalty/types.py; the
screens' own are `OutputSerializer`s (apps/api/serializers.py: fields built once per class, not per response)."""

from decimal import Decimal

from drf_spectacular.utils import inline_serializer
from rest_framework import serializers

from apps.api.fields import InputSerializer, QuerySerializer
from apps.api.pagination import DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE
from apps.api.serializers import OutputSerializer
from apps.sessionm.types import TransactionLine, TransactionPayment

from .promo_codes import PROMO_CODE_PATTERN

# Ids SessionM hands out (UUIDs, some tenants integers); path parameters are matched against it.
ID_PATTERN = r"[A-Za-z0-9][A-Za-z0-9_.:-]{0,99}"
MAX_TRANSACTION_LINES = 100
MAX_PAYMENTS = 10


def page_of(item: serializers.Serializer, *, name: str, counted: bool = True):
    """The schema of a page of `item`s: {"count"?, "next", "previous", "results"}."""
    fields = {
        "next": serializers.URLField(allow_null=True, help_text="The next page, or null on the last one."),
        "previous": serializers.URLField(allow_null=True, help_text="The previous page, or null on the first one."),
        "results": item,
    }
    if counted:
        fields = {"count": serializers.IntegerField(min_value=0, help_text="Items in all pages."), **fields}
    return inline_serializer(name=name, fields=fields)


# --- Inputs ------------------------------------------------------------------------------------------------


class ActivityQuerySerializer(QuerySerializer):
    cursor = serializers.CharField(
        required=False, max_length=500, help_text="`next_cursor` of the previous page; omit for the newest events."
    )
    page_size = serializers.IntegerField(min_value=1, max_value=MAX_PAGE_SIZE, default=DEFAULT_PAGE_SIZE)


class TransactionLineInputSerializer(InputSerializer):
    sku = serializers.RegexField(rf"^{ID_PATTERN}$", help_text="Menu SKU, e.g. FF-CURLY.")
    quantity = serializers.IntegerField(min_value=1, max_value=999)
    unit_price = serializers.DecimalField(
        max_digits=9, decimal_places=2, min_value=0, help_text='Price of one as rung up, a decimal string: "8.00".'
    )


class PaymentInputSerializer(InputSerializer):
    type = serializers.RegexField(r"^[A-Z][A-Z0-9_]{0,29}$", help_text="As the till names it: CASH, CARD, ...")
    # A payment can cover the largest order: 100 lines of 999 at 9,999,999.99.
    amount = serializers.DecimalField(max_digits=14, decimal_places=2, min_value=Decimal("0.01"))


class PosTransactionInputSerializer(InputSerializer):
    request_id = serializers.RegexField(
        r"^[!-~]{1,100}$",
        help_text="The till's id of this purchase (1-100 visible ASCII characters). A repeat with the same "
        "request_id and body answers the first response and records nothing; with another body it is 422.",
    )
    store_id = serializers.RegexField(r"^[A-Za-z0-9_.:-]{1,40}$", help_text="The SessionM store it was rung up in.")
    member_code = serializers.CharField(
        required=False, max_length=64, help_text="The code the customer's app shows (GET /api/v1/me/member-code)."
    )
    external_id = serializers.RegexField(
        r"^[A-Za-z0-9_-]{1,64}$", required=False, help_text="Or: the customer's opaque external id (ordering back end)."
    )
    # many=True hands min_length/max_length to the ListSerializer it builds (DRF 3.14+); the stubs' Serializer()
    # does not know them.
    lines = TransactionLineInputSerializer(many=True, min_length=1, max_length=MAX_TRANSACTION_LINES)  # type: ignore[call-arg]
    payments = PaymentInputSerializer(many=True, min_length=1, max_length=MAX_PAYMENTS)  # type: ignore[call-arg]
    promo_code = serializers.RegexField(
        PROMO_CODE_PATTERN, required=False, help_text="A promo code to claim and apply, in any case, e.g. TUESDAY20."
    )

    def validate(self, data):
        if ("member_code" in data) == ("external_id" in data):
            raise serializers.ValidationError(
                {"member_code": ["Name the customer with exactly one of member_code and external_id."]}
            )
        data["lines"] = [TransactionLine(**line) for line in data["lines"]]
        data["payments"] = [TransactionPayment(**payment) for payment in data["payments"]]
        return data


class PromoCodeInputSerializer(InputSerializer):
    code = serializers.RegexField(PROMO_CODE_PATTERN, help_text="In any case, e.g. TUESDAY20 or tuesday20.")


class EventInputSerializer(InputSerializer):
    event = serializers.RegexField(
        r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$", help_text="The behaviour, e.g. survey_completed or app_review."
    )


# --- Outputs -----------------------------------------------------------------------------------------------


class WalletItemSerializer(OutputSerializer):
    id = serializers.CharField(help_text="The user_offer_id: redeem with it.")
    offer_id = serializers.CharField(allow_null=True)
    name = serializers.CharField()
    description = serializers.CharField()
    terms = serializers.CharField()
    image = serializers.CharField(allow_null=True, help_text="Image URL, as SessionM gives it.")
    expires_at = serializers.DateTimeField(allow_null=True)
    redeemable = serializers.BooleanField()


class RewardItemSerializer(OutputSerializer):
    id = serializers.CharField(help_text="The reward_store_offer_id: purchase with it.")
    name = serializers.CharField()
    description = serializers.CharField()
    terms = serializers.CharField()
    image = serializers.CharField(allow_null=True, help_text="Image URL, as SessionM gives it.")
    price = serializers.IntegerField(help_text="In points.")
    affordable = serializers.BooleanField(help_text="Whether the customer's available points cover the price.")


class CampaignSerializer(OutputSerializer):
    id = serializers.CharField()
    name = serializers.CharField()
    header = serializers.CharField()
    description = serializers.CharField()
    image = serializers.CharField(allow_null=True, help_text="Image URL, as SessionM gives it.")
    starts_at = serializers.DateTimeField(allow_null=True)
    ends_at = serializers.DateTimeField(allow_null=True)
    requires_opt_in = serializers.BooleanField()
    opted_in = serializers.BooleanField()
    state = serializers.CharField(allow_null=True, help_text="available, opted_in, in_progress or completed.")
    progress_percent = serializers.IntegerField(min_value=0, max_value=100)


class PointAccountSerializer(OutputSerializer):
    id = serializers.CharField(allow_null=True)
    name = serializers.CharField()
    available = serializers.IntegerField()
    lifetime = serializers.IntegerField()


class TierSerializer(OutputSerializer):
    name = serializers.CharField(allow_null=True)
    points = serializers.IntegerField(help_text="Tier points, which decide the tier.")
    next_name = serializers.CharField(allow_null=True, help_text="null at the top tier.")
    points_to_next = serializers.IntegerField(allow_null=True)
    progress_percent = serializers.IntegerField(min_value=0, max_value=100)


class PointsSerializer(OutputSerializer):
    available = serializers.IntegerField(help_text="Spendable now.")
    total = serializers.IntegerField(help_text="Balance of every point account.")
    lifetime = serializers.IntegerField(help_text="Ever earned.")
    accounts = PointAccountSerializer(many=True)
    tier = TierSerializer(allow_null=True)


class PointsSummarySerializer(OutputSerializer):
    available = serializers.IntegerField()
    lifetime = serializers.IntegerField()


class HomeSerializer(OutputSerializer):
    points = PointsSummarySerializer()
    wallet = serializers.ListField(
        child=WalletItemSerializer(), allow_null=True, help_text="A few ready-to-redeem offers; null if unavailable."
    )
    wallet_count = serializers.IntegerField(allow_null=True, help_text="Offers in the whole wallet.")
    campaigns = serializers.ListField(
        child=CampaignSerializer(), allow_null=True, help_text="Featured campaigns; null if unavailable."
    )


class PointHistoryEntrySerializer(OutputSerializer):
    id = serializers.CharField(allow_null=True)
    occurred_at = serializers.DateTimeField(allow_null=True)
    points = serializers.IntegerField(help_text="Signed: earned > 0, spent or expired < 0.")
    expired = serializers.IntegerField()
    kind = serializers.CharField(allow_null=True)
    # Fields named like Field's own attributes: DRF's metaclass takes declared fields out of the class, so they
    # shadow nothing at run time; only the stubs see a clash.
    source = serializers.CharField(  # type: ignore[assignment]
        allow_null=True, help_text="SessionM's point source name, as SessionM words it."
    )
    label = serializers.CharField(  # type: ignore[assignment]
        help_text="What the entry is, in the customer's language."
    )
    account = serializers.CharField(allow_null=True)
    transaction_id = serializers.CharField(allow_null=True)


class ActivityEntrySerializer(OutputSerializer):
    id = serializers.CharField(allow_null=True, help_text="SessionM's event id, when it gives one.")
    occurred_at = serializers.DateTimeField(allow_null=True)
    kind = serializers.CharField(allow_null=True, help_text="The event type's slug.")
    title = serializers.CharField(help_text="In the customer's language for the kinds the BFF knows.")
    points = serializers.IntegerField(allow_null=True)
    amount = serializers.DecimalField(max_digits=None, decimal_places=2, allow_null=True)
    offer_id = serializers.CharField(allow_null=True)
    user_offer_id = serializers.CharField(allow_null=True)


class ActivityPageSerializer(OutputSerializer):
    next_cursor = serializers.CharField(allow_null=True, help_text="Pass as `cursor` for older events.")
    next = serializers.URLField(allow_null=True)
    previous = serializers.URLField(allow_null=True, help_text="Always null: the log is read forward.")
    results = ActivityEntrySerializer(many=True)


class OptInSerializer(serializers.Serializer):
    campaign_id = serializers.CharField()
    opted_in = serializers.BooleanField()


class RedemptionSerializer(serializers.Serializer):
    """What the redemption screen shows the cashier (the web wallet draws the same)."""

    offer = WalletItemSerializer(source="item")
    offer_name = serializers.CharField(source="item.name")
    user_offer_id = serializers.CharField(source="item.id", help_text="What the cashier's QR code carries.")
    pos_discount_id = serializers.CharField(
        source="item.pos_discount_id",
        allow_null=True,
        help_text="The discount the till applies, when SessionM names one.",
    )
    redeemed_at = serializers.DateTimeField()


class PurchasedItemSerializer(WalletItemSerializer):
    id = serializers.CharField(
        allow_null=True,
        help_text="The user_offer_id; null when SessionM's answer did not name it yet (the wallet shows it).",
    )


class PurchaseSerializer(serializers.Serializer):
    wallet_item = PurchasedItemSerializer(source="item")
    points_spent = serializers.IntegerField()
    available_points = serializers.IntegerField(allow_null=True)


class TransactionLineSerializer(serializers.Serializer):
    sku = serializers.CharField()
    quantity = serializers.IntegerField()
    unit_price = serializers.DecimalField(max_digits=None, decimal_places=2)
    subtotal = serializers.DecimalField(max_digits=None, decimal_places=2)


class PaymentSerializer(serializers.Serializer):
    type = serializers.CharField()
    amount = serializers.DecimalField(max_digits=None, decimal_places=2)


class PosTransactionSerializer(serializers.Serializer):
    transaction_id = serializers.CharField()
    request_id = serializers.CharField(
        help_text="SessionM's idempotency key of this purchase (derived from the till's)."
    )
    state = serializers.CharField(allow_null=True, help_text="SessionM's state, e.g. accepted.")
    channel = serializers.CharField()
    store_id = serializers.CharField()
    opened_at = serializers.DateTimeField()
    lines = TransactionLineSerializer(many=True)
    subtotal = serializers.DecimalField(max_digits=None, decimal_places=2)
    payments = PaymentSerializer(many=True)
    promo_code = serializers.CharField(allow_null=True)


class MemberCodeSerializer(serializers.Serializer):
    code = serializers.CharField(help_text="Show it as a QR code; a till uses it once.")
    expires_at = serializers.DateTimeField()
    ttl_seconds = serializers.IntegerField(help_text="How long it was valid for when issued.")


class PromoCodeClaimSerializer(serializers.Serializer):
    code = serializers.CharField()
    offer_id = serializers.CharField(allow_null=True)
    user_offer_id = serializers.CharField(allow_null=True, help_text="The new wallet item.")


class EventReportSerializer(serializers.Serializer):
    event = serializers.CharField()
    recorded = serializers.BooleanField()
    points_awarded = serializers.IntegerField()
