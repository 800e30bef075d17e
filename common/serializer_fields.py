"""API fields that accept exactly what the OpenAPI schema says, and nothing more.

DRF is lenient by default: a CharField turns the number 0 into "0", a BooleanField takes
"yes" and 1, an IntegerField takes "7", a DecimalField takes 12.5, " 12 " and "1e2". The schema
documents a string, a boolean, an integer and a decimal string with a pattern, so clients and
schemathesis rightly expect those to be refused. These fields check the JSON type first and
then let DRF's own validation run; their schema comes from drf-spectacular as before, except
the decimal, whose pattern is the one it checks.
"""

import re
from decimal import Decimal
from typing import Any

from django.db import models
from drf_spectacular.extensions import OpenApiSerializerFieldExtension
from drf_spectacular.openapi import AutoSchema
from rest_framework import serializers


class _StringOnly(serializers.Field):
    def to_internal_value(self, data: Any) -> Any:
        if not isinstance(data, str):
            self.fail("invalid")
        # The schema's maxLength counts what was sent; DRF would count it after trimming.
        max_length = getattr(self, "max_length", None)
        if max_length is not None and len(data) > max_length:
            self.fail("max_length", max_length=max_length)
        return super().to_internal_value(data)


class StrictCharField(_StringOnly, serializers.CharField):
    pass


class StrictCharFieldSchema(OpenApiSerializerFieldExtension):
    """What DRF refuses in a text, stated as a `pattern`: the NUL character (always), and a
    required text that is trimmed must hold more than whitespace."""

    target_class = StrictCharField
    match_subclasses = True

    def map_serializer_field(self, auto_schema: AutoSchema, direction: str) -> dict[str, Any]:
        schema = auto_schema._map_serializer_field(self.target, direction, bypass_extensions=True)
        field = self.target
        if (
            direction == "request"
            and schema.get("type") == "string"
            and "pattern" not in schema
            and "format" not in schema
        ):
            needs_text = field.trim_whitespace and not field.allow_blank
            schema["pattern"] = r"^[^\x00]*[^\s\x00][^\x00]*$" if needs_text else r"^[^\x00]*$"
        return schema


class StrictSlugField(_StringOnly, serializers.SlugField):
    pass


class StrictBooleanField(serializers.BooleanField):
    def to_internal_value(self, data: Any) -> bool:
        if not isinstance(data, bool):
            self.fail("invalid", input=data)
        return data


class StrictIntegerField(serializers.IntegerField):
    def to_internal_value(self, data: Any) -> int:
        if isinstance(data, bool) or not isinstance(data, int):
            self.fail("invalid")
        return super().to_internal_value(data)


class StrictDecimalField(serializers.DecimalField):
    """A decimal as a plain string of digits: `"12"`, `"12.5"`, `"12.50"`."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        whole = (self.max_digits or 20) - (self.decimal_places or 0)
        sign = "" if self.min_value is not None and self.min_value >= 0 else "-?"
        fraction = rf"(?:\.\d{{1,{self.decimal_places}}})?" if self.decimal_places else ""
        self.pattern = rf"^{sign}\d{{1,{whole}}}{fraction}$"

    def to_internal_value(self, data: Any) -> Decimal:
        if not isinstance(data, str):
            self.fail("invalid")
        value = super().to_internal_value(data)  # DRF's messages for digits and places
        if not re.match(self.pattern, data):
            if self.min_value is not None and value < self.min_value:
                self.fail("min_value", min_value=self.min_value)
            self.fail("invalid")
        return value


class StrictDecimalFieldSchema(OpenApiSerializerFieldExtension):
    target_class = StrictDecimalField

    def map_serializer_field(self, auto_schema: AutoSchema, direction: str) -> dict[str, Any]:
        schema = auto_schema._map_serializer_field(self.target, direction, bypass_extensions=True)
        if direction == "request":
            schema["pattern"] = self.target.pattern
        return schema


# A ModelSerializer whose generated fields are the strict ones above. (A comment, not a
# docstring: drf-spectacular would show a docstring as every subclass's schema description.)
class StrictModelSerializer(serializers.ModelSerializer):
    serializer_field_mapping = {
        **serializers.ModelSerializer.serializer_field_mapping,
        models.CharField: StrictCharField,
        models.TextField: StrictCharField,
        models.BooleanField: StrictBooleanField,
        models.IntegerField: StrictIntegerField,
        models.BigIntegerField: StrictIntegerField,
        models.SmallIntegerField: StrictIntegerField,
        models.PositiveIntegerField: StrictIntegerField,
        models.PositiveBigIntegerField: StrictIntegerField,
        models.PositiveSmallIntegerField: StrictIntegerField,
        models.DecimalField: StrictDecimalField,
    }
