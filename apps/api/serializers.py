"""Output serializers whose fields are built once per class, not once per response.

DRF builds a serializer's fields anew for every instance: it deep-copies each declared field, which runs the
field's __init__ again (validators and all), then binds the copies. On the app's hottest reads that was most of
the serializer's cost: about 0.18 ms of a GET /api/v1/points and 0.4 ms of a 20-item wallet page, in a
request whose whole budget is about 1 ms (bench/profile_screens.py, issue 14).

An `OutputSerializer` only reads: what DRF's `to_representation` iterates (`_readable_fields`) comes from
one instance of the class built once per process, and DRF's own `to_representation` does the rest, unchanged.
That is safe because a plain field's `to_representation` depends on nothing but its own arguments, never on
the instance it is bound to or its context; the fields that do (a method field, a related or hyperlinked
field, a hidden one) are refused when the class is first used. `fields`, which the schema generator and any
input path read, stays DRF's own, per instance.
"""

import threading

from rest_framework import serializers
from rest_framework.relations import RelatedField

# Fields whose output depends on the serializer instance they are bound to (its parent, its context).
_INSTANCE_BOUND = (serializers.SerializerMethodField, serializers.HiddenField, RelatedField)
_lock = threading.Lock()


class OutputSerializer(serializers.Serializer):
    _readable_by_class: dict[type, tuple] = {}

    @property
    def _readable_fields(self):
        readable = OutputSerializer._readable_by_class.get(type(self))
        if readable is None:
            readable = self._build_readable_fields()
        return readable

    @classmethod
    def _build_readable_fields(cls) -> tuple:
        prototype = cls()
        readable = tuple(field for field in prototype.fields.values() if not field.write_only)
        for field in readable:
            inner = getattr(field, "child", None)
            if isinstance(field, _INSTANCE_BOUND) or isinstance(inner, _INSTANCE_BOUND):
                raise TypeError(f"{cls.__name__}.{field.field_name}: {type(field).__name__} needs its own instance")
            if isinstance(field, serializers.BaseSerializer | serializers.ListField) and not _is_output(field):
                raise TypeError(f"{cls.__name__}.{field.field_name}: nest OutputSerializers only")
        with _lock:
            return OutputSerializer._readable_by_class.setdefault(cls, readable)


def _is_output(field) -> bool:
    inner = getattr(field, "child", field)
    return isinstance(inner, OutputSerializer) or not isinstance(inner, serializers.BaseSerializer)
