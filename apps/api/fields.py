"""Input fields and serializers that take exactly what the OpenAPI schema says, nothing DRF would coerce.

DRF is lenient where the schema is not: a BooleanField takes 0, 1, "yes" and "on"; a query parameter sent empty
(`?cursor=`, `?page=`) counts as absent and gets its default. A client relying on either would break against
anything that follows the schema, and a fuzzer (schemathesis) rightly calls it accepting invalid input.
"""

from django.utils.translation import gettext_lazy as _
from rest_framework import serializers


class StrictBooleanField(serializers.BooleanField):
    """A JSON boolean: true or false, nothing else."""

    default_error_messages = {"invalid": _("Must be true or false.")}

    def to_internal_value(self, data):
        if data is True or data is False:
            return data
        self.fail("invalid")


class QuerySerializer(serializers.Serializer):
    """Query parameters: one sent empty is an error, not the default (`?page=` is not `page` left out)."""

    def to_internal_value(self, data):
        blank = {
            name: [_("This parameter may not be empty; leave it out instead.")]
            for name, field in self.fields.items()
            if data.get(name) == "" and not getattr(field, "allow_blank", False)
        }
        if blank:
            raise serializers.ValidationError(blank)
        return super().to_internal_value(data)


def _json_types(field) -> tuple[type, ...] | None:
    """The JSON types the schema allows for `field` (None: not checked here)."""
    if isinstance(field, serializers.BooleanField):
        return (bool,)
    if isinstance(field, serializers.IntegerField):
        return (int,)
    if isinstance(field, serializers.FloatField):
        return (int, float)
    if isinstance(field, serializers.DecimalField):
        return (str, int, float)
    if isinstance(field, serializers.CharField | serializers.ChoiceField | serializers.DateField):
        return (str,)
    if isinstance(field, serializers.DateTimeField | serializers.TimeField | serializers.DurationField):
        return (str,)
    if isinstance(field, serializers.ListField | serializers.ListSerializer):
        return (list,)
    if isinstance(field, serializers.DictField | serializers.Serializer):
        return (dict,)
    return None


class InputSerializer(serializers.Serializer):
    """A JSON request body checked against the JSON types of its fields before DRF's coercion: "last_name": 0 or
    "marketing_opt_in": 0 is a 400, as the schema says, not "0" or false."""

    def to_internal_value(self, data):
        if isinstance(data, dict):
            errors = {}
            for name, field in self.fields.items():
                if field.read_only or name not in data or data[name] is None:
                    continue  # absent and null are the field's own business (required, allow_null)
                value, expected = data[name], _json_types(field)
                if expected and (not isinstance(value, expected) or (isinstance(value, bool) and bool not in expected)):
                    errors[name] = [_("Incorrect type.")]
            if errors:
                raise serializers.ValidationError(errors)
        return super().to_internal_value(data)
