"""One filter set for the product list, shared by the API (and later UI views)."""

import django_filters

from products_and_services.models import ExternalSource, Product


class ProductFilter(django_filters.FilterSet):
    active = django_filters.BooleanFilter(field_name="is_active")
    source = django_filters.ChoiceFilter(
        field_name="external_source", choices=ExternalSource.choices
    )
    sku = django_filters.CharFilter(field_name="sku")
    updated_since = django_filters.IsoDateTimeFilter(field_name="updated_at", lookup_expr="gte")
    currency = django_filters.CharFilter(field_name="currency")

    class Meta:
        model = Product
        fields = ("active", "source", "sku", "updated_since", "currency")
