"""The plugin's event body, validated field by field so a bad one gets precise errors."""

import re
from datetime import UTC, datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from django.core.exceptions import ValidationError as DjangoValidationError
from django.core.validators import URLValidator
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from common.serializer_fields import StrictCharField, StrictIntegerField, StrictSlugField
from integrations.webhooks.models import WooEventType
from products_and_services.currencies import is_currency_code

MAX_TEXT = 100_000
# Prices are stored with 14 digits, 2 of them decimals.
PRICE_LIMIT = 10**12
# Upstream ids are stored in 64-bit columns; stock counts in 32-bit ones.
MAX_EXTERNAL_ID = 2**63 - 1
MAX_STOCK = 2**31 - 1


# A plain decimal as WooCommerce writes it, spaces around allowed; "" means no price.
PRICE_TEXT = r"^\s*(?:0*\d{1,12}(?:\.\d*)?|\.\d+)?\s*$"


@extend_schema_field(
    {
        "oneOf": [
            {"type": "string", "pattern": PRICE_TEXT, "example": "12.50"},
            {"type": "number", "minimum": 0, "maximum": PRICE_LIMIT, "exclusiveMaximum": True},
        ],
        "nullable": True,
    }
)
class MoneyField(serializers.Field):
    """A price as the plugin sends it: a string ("12.50", "" for none) or a number."""

    default_error_messages = {"invalid": "Enter a price as a number or a numeric string."}

    def to_internal_value(self, data: Any) -> Decimal | None:
        if data is None or (isinstance(data, str) and not data.strip()):
            return None
        if isinstance(data, bool) or not isinstance(data, str | int | float):
            self.fail("invalid")
        try:
            amount = Decimal(str(data).strip())
        except InvalidOperation:
            self.fail("invalid")
        if not amount.is_finite() or amount < 0:
            raise serializers.ValidationError("Enter a price of zero or more.")
        if amount >= PRICE_LIMIT:
            raise serializers.ValidationError(f"Enter a price below {PRICE_LIMIT:,}.")
        if isinstance(data, str) and not re.match(PRICE_TEXT, data):
            self.fail("invalid")  # "1e2", "+5": numbers, but not as the schema writes them
        return amount.quantize(Decimal("0.01"))

    def to_representation(self, value: Decimal | None) -> str | None:
        return None if value is None else f"{value:f}"


class GmtDateTimeField(serializers.DateTimeField):
    """WooCommerce's `*_gmt` stamps carry no offset; they are UTC."""

    def to_internal_value(self, value: Any) -> datetime:
        if isinstance(value, str) and value and "T" in value:
            try:
                parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
            except ValueError:
                parsed = None
            if parsed is not None and parsed.tzinfo is None:
                return parsed.replace(tzinfo=UTC)
        return super().to_internal_value(value)


# Any string: one that is not a URL is dropped, not refused, so the schema cannot say `uri`.
@extend_schema_field({"type": "string", "nullable": True})
class ShopUrlField(StrictCharField):
    """A URL the shop sent: kept when it is one, dropped (not refused) when it is not.

    The shop produced it (the product notes' own sample has `"https://..."`), so a bad one
    costs the product its image or link, never the whole event.
    """

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(allow_blank=True, allow_null=True, max_length=10_000, **kwargs)

    def to_internal_value(self, data: Any) -> str:
        url = super().to_internal_value(data)
        # Checked here: DRF checks max_length after conversion, which drops a bad URL to "".
        if self.max_length is not None and len(url) > self.max_length:
            self.fail("max_length", max_length=self.max_length)
        url = url.strip()
        try:
            URLValidator()(url)
        except DjangoValidationError:
            return ""
        return url if len(url) <= 1000 else ""


@extend_schema_field(
    {
        "oneOf": [{"type": "string", "format": "date-time"}, {"type": "string", "maxLength": 0}],
        "nullable": True,
    }
)
class OptionalGmtDateTimeField(GmtDateTimeField):
    """A `*_gmt` stamp where WooCommerce writes "" (or null) for "no date"."""

    def to_internal_value(self, value: Any) -> datetime | None:  # type: ignore[override]
        if value == "":
            return None
        return super().to_internal_value(value)


# Blank, or a code in any case with any whitespace around it: exactly what the field takes.
@extend_schema_field({"type": "string", "pattern": r"^\s*(?:[A-Za-z0-9]{3,10})?\s*$"})
class ShopCurrencyField(StrictCharField):
    """Any code the shop states is kept (IRT, a custom one); Meta's boundary decides."""

    def to_internal_value(self, data: Any) -> str:
        value = super().to_internal_value(data)
        code = value.upper()
        if code and not is_currency_code(code):
            raise serializers.ValidationError(
                f"'{value}' is not a currency code (3 to 10 letters or digits)."
            )
        return code


def _text(**options: Any) -> serializers.CharField:
    return StrictCharField(
        required=False, allow_blank=True, trim_whitespace=False, max_length=MAX_TEXT, **options
    )


class PluginProductSerializer(serializers.Serializer):
    id = StrictIntegerField(min_value=1, max_value=MAX_EXTERNAL_ID)
    sku = StrictCharField(required=False, allow_blank=True, max_length=100)
    name = StrictCharField(required=False, allow_blank=True, max_length=500)
    short_description = _text()
    description = _text()
    price = MoneyField(required=False, allow_null=True)
    sale_price = MoneyField(required=False, allow_null=True)
    currency = ShopCurrencyField(
        required=False,
        allow_blank=True,
        help_text="As the shop states it (`get_woocommerce_currency()`), e.g. EUR or IRT.",
    )
    stock_quantity = StrictIntegerField(
        required=False, allow_null=True, min_value=-(10**9), max_value=MAX_STOCK
    )
    # Other plugins add stock and post statuses of their own: never a reason to lose the event.
    stock_status = StrictSlugField(
        required=False,
        allow_blank=True,
        max_length=50,
        help_text="instock, outofstock, onbackorder, or a status another plugin adds "
        "(counted as in stock when stock is not managed).",
    )
    status = StrictSlugField(
        required=False,
        allow_blank=True,
        max_length=50,
        help_text="publish (active), future (scheduled, stored inactive), draft, pending, "
        "private, trash, or a status another plugin adds (stored inactive).",
    )
    categories = serializers.ListField(
        child=StrictCharField(max_length=200), required=False, max_length=200
    )
    tags = serializers.ListField(
        child=StrictCharField(max_length=200), required=False, max_length=200
    )
    image = ShopUrlField(required=False)
    images = serializers.ListField(child=ShopUrlField(), required=False, max_length=100)
    permalink = ShopUrlField(required=False)
    date_modified_gmt = GmtDateTimeField(required=False, allow_null=True)
    date_on_sale_from_gmt = OptionalGmtDateTimeField(
        required=False, allow_null=True, help_text="Sale starts (UTC); empty: no start date."
    )
    date_on_sale_to_gmt = OptionalGmtDateTimeField(
        required=False, allow_null=True, help_text="Sale ends (UTC); empty: no end date."
    )

    def validate_images(self, value: list[str]) -> list[str]:
        return [url for url in value if url]


class PluginEventSerializer(serializers.Serializer):
    event_id = StrictCharField(max_length=255)
    event_type = serializers.ChoiceField(choices=WooEventType.choices)
    occurred_at = GmtDateTimeField(required=False, allow_null=True)
    product = PluginProductSerializer()

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        named = bool((attrs["product"].get("name") or "").strip())
        if attrs["event_type"] != WooEventType.DELETED and not named:
            raise serializers.ValidationError(
                {"product": {"name": ["This field is required for created and updated."]}}
            )
        return attrs


class _NamedPluginProductSerializer(PluginProductSerializer):
    name = StrictCharField(max_length=500)


class PluginUpsertEventSerializer(PluginEventSerializer):
    """The schema of a created or updated event: its product needs a name.

    OpenAPI 3.0 cannot make one field required depending on another, so the webhook's body is
    documented as one of this, a delete event, or a batch; PluginEventSerializer checks them.
    """

    event_type = serializers.ChoiceField(choices=[WooEventType.CREATED, WooEventType.UPDATED])
    product = _NamedPluginProductSerializer()


class PluginDeleteEventSerializer(PluginEventSerializer):
    """The schema of a delete event: the product's id is enough."""

    event_type = serializers.ChoiceField(choices=[WooEventType.DELETED])


MAX_BATCH_EVENTS = 100
MAX_VALIDATE_PRODUCTS = 20


class PluginBatchSerializer(serializers.Serializer):
    """Several events in one request; each is validated and answered on its own."""

    events = serializers.ListField(
        child=serializers.DictField(), min_length=1, max_length=MAX_BATCH_EVENTS
    )


class PluginEventResultSerializer(serializers.Serializer):
    event_id = serializers.CharField(allow_blank=True)
    status = serializers.ChoiceField(choices=["accepted", "duplicate", "refused"])
    errors = serializers.DictField(required=False, help_text="Why a refused event was refused.")


class PluginBatchResultSerializer(serializers.Serializer):
    accepted = serializers.IntegerField()
    duplicate = serializers.IntegerField()
    refused = serializers.IntegerField()
    results = PluginEventResultSerializer(many=True)


class PluginValidateSerializer(serializers.Serializer):
    """A sample of the shop's products, checked without storing anything."""

    products = serializers.ListField(
        child=serializers.DictField(), min_length=1, max_length=MAX_VALIDATE_PRODUCTS
    )


class PluginProductCheckSerializer(serializers.Serializer):
    id = serializers.JSONField(help_text="The product id as sent.")
    valid = serializers.BooleanField()
    errors = serializers.DictField(required=False)


class PluginValidateResultSerializer(serializers.Serializer):
    valid = serializers.IntegerField()
    invalid = serializers.IntegerField()
    results = PluginProductCheckSerializer(many=True)


class PluginAcceptedSerializer(serializers.Serializer):
    status = serializers.ChoiceField(choices=["accepted", "duplicate"])
    event_id = serializers.CharField()


class PluginHealthSerializer(serializers.Serializer):
    status = serializers.CharField()
    tenant = serializers.CharField()
    integration_type = serializers.CharField()
    store = serializers.CharField(help_text="The store this token's events land in.")
