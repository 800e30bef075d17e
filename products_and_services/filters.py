"""One filter set for the product list, shared by the API (and later UI views)."""

from datetime import UTC, datetime, timedelta

import django_filters
from django import forms

from common.filters import StrictBooleanFilter, StrictFilterSet
from products_and_services.models import ExternalSource, Product

# Real time zones lie between UTC-12:00 and UTC+14:00; ISO 8601 allows up to ±23:59, which
# PostgreSQL refuses past ±15:59 (that was a 500).
MAX_UTC_OFFSET = timedelta(hours=14)


class UtcIsoDateTimeField(django_filters.fields.IsoDateTimeField):
    """An ISO 8601 time with an offset of at most ±14:00, handed to the database in UTC."""

    def to_python(self, value: object) -> datetime | None:
        parsed = super().to_python(value)
        if parsed is None:
            return None
        offset = parsed.utcoffset()
        if offset is not None and abs(offset) > MAX_UTC_OFFSET:
            raise forms.ValidationError(
                "The time-zone offset must be between -14:00 and +14:00.", code="invalid"
            )
        return parsed.astimezone(UTC)


class UtcIsoDateTimeFilter(django_filters.IsoDateTimeFilter):
    field_class = UtcIsoDateTimeField


class ProductFilter(StrictFilterSet):
    active = StrictBooleanFilter(field_name="is_active")
    source = django_filters.ChoiceFilter(
        field_name="external_source", choices=ExternalSource.choices
    )
    sku = django_filters.CharFilter(field_name="sku")
    updated_since = UtcIsoDateTimeFilter(field_name="updated_at", lookup_expr="gte")
    currency = django_filters.CharFilter(field_name="currency")

    class Meta:
        model = Product
        fields = ("active", "source", "sku", "updated_since", "currency")
