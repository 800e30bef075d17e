"""Query filters that refuse what the OpenAPI schema says is invalid, instead of ignoring it.

django-filter reads a typed parameter leniently: `?is_active=null` or `?updated_since=` means
"no filter", `?woo_product_id=0.5` filters on a decimal, and a repeated parameter keeps its
last value. The schema documents a boolean, a date-time, an integer given once; a client
that sends anything else has a bug it should hear about (400), not a silently wider list.
Text and free-string parameters keep accepting "" (a string may be empty).
"""

from typing import Any

import django_filters
from django import forms
from django.db import models
from django_filters.rest_framework import DjangoFilterBackend


class StrictBooleanField(forms.Field):
    """`true` or `false`, as the schema's boolean is written in a query string."""

    widget = forms.TextInput

    def to_python(self, value: Any) -> bool | None:
        if value in (None, ""):
            return None
        if value in ("true", "false"):
            return value == "true"
        raise forms.ValidationError("Enter true or false.", code="invalid")


class StrictBooleanFilter(django_filters.BooleanFilter):
    field_class = StrictBooleanField


class IntegerFilter(django_filters.NumberFilter):
    """An integer column filtered by an integer (django-filter's default takes decimals)."""

    field_class = forms.IntegerField


class StrictQueryForm(forms.Form):
    """Each parameter at most once, and a typed one never empty."""

    def clean(self) -> dict[str, Any]:
        getlist = getattr(self.data, "getlist", None)
        for name, field in self.fields.items():
            values = getlist(name) if getlist else [self.data.get(name)]
            if len(values) > 1:
                self.add_error(name, "Give this parameter once.")
            elif values == [""] and not isinstance(field, forms.CharField):
                self.add_error(name, "Give a value, or leave the parameter out.")
        return super().clean()


_INTEGER_FIELDS = (
    models.AutoField,
    models.BigAutoField,
    models.IntegerField,
    models.BigIntegerField,
    models.SmallIntegerField,
    models.PositiveIntegerField,
    models.PositiveBigIntegerField,
    models.PositiveSmallIntegerField,
)


class StrictFilterSet(django_filters.FilterSet):
    """The base of every API filter set (also of those built from `filterset_fields`)."""

    FILTER_DEFAULTS = {
        **django_filters.FilterSet.FILTER_DEFAULTS,
        models.BooleanField: {"filter_class": StrictBooleanFilter},
        **{field: {"filter_class": IntegerFilter} for field in _INTEGER_FIELDS},
    }

    def get_form_class(self) -> type[forms.Form]:
        form_class = super().get_form_class()
        return type(form_class.__name__, (StrictQueryForm, form_class), {})


class StrictFilterBackend(DjangoFilterBackend):
    filterset_base = StrictFilterSet
