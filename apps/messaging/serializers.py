"""Input and output shapes of the partner endpoints under /integrations/."""

import json

from drf_spectacular.utils import PolymorphicProxySerializer, extend_schema_field, inline_serializer
from rest_framework import serializers

from apps.api.fields import QuerySerializer

from .webhooks import OFFER_ISSUED, OFFER_REDEEMED, POINTS_AWARDED, TIER_CHANGED

# --- SessionM webhook -----------------------------------------------------------------------------------------

MAX_CONTEXT_DATA_BYTES = 8 * 1024


class OfferIssuedEventDataSerializer(serializers.Serializer):
    user_offer_id = serializers.CharField(max_length=100)
    offer_id = serializers.CharField(max_length=100, required=False, allow_blank=True)
    name = serializers.CharField(max_length=300, required=False, allow_blank=True, help_text="The offer's title.")
    description = serializers.CharField(required=False, allow_blank=True)
    terms = serializers.CharField(required=False, allow_blank=True)
    image_url = serializers.CharField(max_length=1000, required=False, allow_blank=True)
    pos_discount_id = serializers.CharField(max_length=100, required=False, allow_blank=True)
    start_date = serializers.DateTimeField(required=False, help_text="When it was issued.")
    redemption_end_date = serializers.DateTimeField(required=False, help_text="When it expires.")
    culture = serializers.CharField(max_length=10, required=False, help_text="The language of the texts (en-US).")
    campaign_id = serializers.CharField(max_length=100, required=False, allow_blank=True)
    campaign_name = serializers.CharField(max_length=300, required=False, allow_blank=True)
    points_awarded = serializers.IntegerField(min_value=0, required=False)
    point_account_name = serializers.CharField(max_length=200, required=False, allow_blank=True)
    campaign_runtime = serializers.DictField(
        required=False, help_text="The issuing campaign's runtime, e.g. {start_date, end_date}."
    )
    campaign_custom_data = serializers.DictField(required=False, help_text="The campaign's custom data.")
    triggering_event_data = serializers.DictField(required=False, help_text="The event that triggered the offer.")

    def validate(self, attrs):
        # They travel on to Braze as trigger properties (at most 50 KB in all): keep each one small.
        for name in ("campaign_runtime", "campaign_custom_data", "triggering_event_data"):
            if name in attrs and len(json.dumps(attrs[name], default=str)) > MAX_CONTEXT_DATA_BYTES:
                raise serializers.ValidationError({name: f"At most {MAX_CONTEXT_DATA_BYTES} bytes of JSON."})
        return attrs


class OfferRedeemedEventDataSerializer(serializers.Serializer):
    user_offer_id = serializers.CharField(max_length=100)


class PointsAwardedEventDataSerializer(serializers.Serializer):
    points = serializers.IntegerField()
    point_account_name = serializers.CharField(max_length=200, required=False, allow_blank=True)
    user_offer_id = serializers.CharField(
        max_length=100, required=False, help_text="The offer the points came with, if any."
    )


class TierChangedEventDataSerializer(serializers.Serializer):
    tier = serializers.CharField(max_length=100)
    previous_tier = serializers.CharField(max_length=100, required=False, allow_blank=True)


EVENT_DATA_SERIALIZERS = {
    OFFER_ISSUED: OfferIssuedEventDataSerializer,
    OFFER_REDEEMED: OfferRedeemedEventDataSerializer,
    POINTS_AWARDED: PointsAwardedEventDataSerializer,
    TIER_CHANGED: TierChangedEventDataSerializer,
}


@extend_schema_field(
    PolymorphicProxySerializer(
        component_name="SessionMEventData",
        serializers=list(EVENT_DATA_SERIALIZERS.values()),
        resource_type_field_name=None,
    )
)
class EventDataField(serializers.DictField):
    """The event's `data`: its shape depends on the event type."""


class SessionMEventSerializer(serializers.Serializer):
    id = serializers.CharField(max_length=100, help_text="Unique event id; a redelivery with the same id is ignored.")
    type = serializers.CharField(
        max_length=50, help_text="offer_issued, offer_redeemed, points_awarded or tier_changed; others are ignored."
    )
    occurred_at = serializers.DateTimeField(help_text="When it happened in SessionM (ISO-8601 with zone).")
    user_id = serializers.CharField(max_length=64, help_text="The SessionM user id.")
    # Named like Serializer.data: DRF's metaclass takes declared fields out of the class, so it shadows nothing
    # at run time; only the stubs see a clash. (The name is SessionM's.)
    data = EventDataField(  # type: ignore[assignment]
        default=dict, help_text="Depends on `type`; other types may carry anything."
    )

    def validate(self, attrs):
        data_serializer = EVENT_DATA_SERIALIZERS.get(attrs["type"])
        if data_serializer is not None:
            checked = data_serializer(data=attrs["data"])
            if not checked.is_valid():
                raise serializers.ValidationError({"data": checked.errors})
        return attrs


class SessionMEventReceiptSerializer(serializers.Serializer):
    id = serializers.CharField(help_text="The event id.")
    status = serializers.ChoiceField(
        choices=["queued", "ignored", "duplicate"],
        help_text="queued: recorded, processing follows; ignored: a type we do not act on; duplicate: seen before.",
    )


# --- Braze Connected Content ----------------------------------------------------------------------------------


class BrazeWalletQuerySerializer(QuerySerializer):
    culture = serializers.CharField(
        required=False,
        allow_blank=True,
        max_length=20,
        help_text="e.g. pt-BR, or a language such as pt; default: the customer's language.",
    )


class BrazeWalletOfferSerializer(serializers.Serializer):
    """SessionM's `user_offers[]` names (Braze's SessionM partner page templates read them)."""

    id = serializers.CharField(help_text="The user offer id, as in SessionM's get_user_offers.")
    user_offer_id = serializers.CharField()
    offer_id = serializers.CharField(allow_null=True)
    name = serializers.CharField()
    description = serializers.CharField()
    terms = serializers.CharField()
    pos_discount_id = serializers.CharField(allow_null=True)
    offer_type = serializers.CharField(allow_null=True)
    is_redeemable = serializers.BooleanField()
    start_date = serializers.DateTimeField(allow_null=True)
    redemption_end_date = serializers.DateTimeField(allow_null=True)
    image_url = serializers.CharField()
    media = serializers.ListField(child=serializers.DictField())


class BrazeWalletPayloadSerializer(serializers.Serializer):
    user_id = serializers.CharField()
    culture = serializers.CharField()
    available_points = serializers.IntegerField()
    total_points = serializers.IntegerField()
    user_offers = BrazeWalletOfferSerializer(many=True)
    total_records = serializers.IntegerField(help_text="Issued offers in the wallet; all are listed.")


class BrazeWalletSerializer(serializers.Serializer):
    """`{"status":"ok","payload":{...}}`, as SessionM's get_user_offers answers."""

    ok = serializers.BooleanField(default=True, help_text="Always true here; false on every error body.")
    status = serializers.CharField(default="ok")
    payload = BrazeWalletPayloadSerializer(source="*")


class ConnectedContentErrorSerializer(serializers.Serializer):
    ok = serializers.BooleanField(help_text="Always false: a template tests it and calls abort_message().")
    error = inline_serializer(
        name="ConnectedContentErrorDetail",
        fields={
            "code": serializers.CharField(),
            "message": serializers.CharField(),
            "details": serializers.DictField(),
        },
    )
