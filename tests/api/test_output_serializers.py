"""OutputSerializer (apps/api/serializers.py): fields built once per class answer exactly what DRF's own
per-instance fields answer, nested and listed too, and a field that needs its own instance is refused."""

from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal

import pytest
from django.utils import timezone
from rest_framework import serializers

from apps.api.serializers import OutputSerializer


@dataclass
class Line:
    name: str
    amount: Decimal | None
    at: datetime | None


@dataclass
class Order:
    id: str
    lines: list
    first: Line | None
    tags: list | None


def _declare(base):
    line = type(
        f"Line{base.__name__}",
        (base,),
        {
            "name": serializers.CharField(),
            "amount": serializers.DecimalField(max_digits=None, decimal_places=2, allow_null=True),
            "at": serializers.DateTimeField(allow_null=True),
        },
    )
    order = type(
        f"Order{base.__name__}",
        (base,),
        {
            "id": serializers.CharField(),
            "lines": line(many=True),
            "first": line(allow_null=True),
            "first_name": serializers.CharField(source="first.name", default=None),
            "tags": serializers.ListField(child=serializers.CharField(), allow_null=True),
        },
    )
    return order


ORDERS = [
    Order("o1", [Line("fries", Decimal("3.5"), datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC))], None, None),
    Order("o2", [], Line("shake", None, None), ["x", "y"]),
]


def test_the_output_is_what_drf_answers():
    fast, plain = _declare(OutputSerializer), _declare(serializers.Serializer)
    for order in ORDERS:
        assert fast(order).data == plain(order).data
    assert fast(ORDERS, many=True).data == plain(ORDERS, many=True).data
    with timezone.override("UTC"):
        assert fast(ORDERS[0]).data["lines"][0] == {"name": "fries", "amount": "3.50", "at": "2026-01-02T03:04:05Z"}


def test_a_field_built_once_still_follows_the_active_timezone():
    fast = _declare(OutputSerializer)
    with timezone.override("UTC"):
        assert fast(ORDERS[0]).data["lines"][0]["at"] == "2026-01-02T03:04:05Z"
    with timezone.override("America/Sao_Paulo"):
        assert fast(ORDERS[0]).data["lines"][0]["at"] == "2026-01-02T00:04:05-03:00"


def test_the_fields_are_built_once_per_class():
    order = _declare(OutputSerializer)
    first, second = order(ORDERS[0]), order(ORDERS[1])
    assert first._readable_fields is second._readable_fields
    assert first.fields is not second.fields  # DRF's own, per instance, for the schema and any input path


def test_a_field_that_needs_its_own_instance_is_refused():
    class WithMethod(OutputSerializer):
        id = serializers.CharField()
        shout = serializers.SerializerMethodField()

        def get_shout(self, order):
            return order.id.upper()

    with pytest.raises(TypeError, match="SerializerMethodField"):
        WithMethod(ORDERS[0]).data  # noqa: B018


def test_a_plain_serializer_nested_in_one_is_refused():
    class Inner(serializers.Serializer):
        name = serializers.CharField()

    class Outer(OutputSerializer):
        first = Inner(allow_null=True)

    with pytest.raises(TypeError, match="nest OutputSerializers only"):
        Outer(ORDERS[1]).data  # noqa: B018
