"""The plugin's event body, validated field by field so a bad one gets precise errors."""

import re
from collections.abc import Callable
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


# One instance for every event: building a serializer costs about a millisecond (DRF
# deep-copies each declared field, nested ones included), five times what validating an event
# costs, and the webhook validates every event it receives.
_EVENT = PluginEventSerializer()


def validated_event(data: Any) -> dict[str, Any]:
    """What `PluginEventSerializer(data=data)` validates to; a refusal raises ValidationError
    whose detail is what its `.errors` would hold.

    `run_validation` keeps nothing on the serializer (only `is_valid` stores data and
    errors), so one shared instance gives the same answers as a new one per event.
    """
    return _EVENT.run_validation(data)


def event_to_store(data: dict[str, Any]) -> dict[str, Any]:
    """What the webhook stores of a valid event (event_id, event_type, occurred_at and the
    product's id, as `validated_event` gives them); a refusal raises its ValidationError.

    Most events are plainly valid, and `_plainly_valid` vouches for those in microseconds;
    whatever it does not vouch for goes to the serializer, so every refusal and its error
    body come from the serializer alone.
    """
    stored = _plainly_valid(data)
    return stored if stored is not None else validated_event(data)


# Refused by every DRF CharField (ProhibitNull/SurrogateCharactersValidator).
_UNSAFE_TEXT = re.compile("[\x00\ud800-\udfff]")
_SLUG = re.compile(r"[-a-zA-Z0-9_]{0,50}")  # a slug or blank, with no whitespace to trim
_PRICE = re.compile(r"\d{1,12}(?:\.\d{1,20})?")
_EVENT_TYPES = frozenset(WooEventType.values)


def _text(value: Any, max_length: int, *, blank: bool = True) -> bool:
    return (
        isinstance(value, str)
        and len(value) <= max_length
        and not _UNSAFE_TEXT.search(value)
        and (blank or bool(value.strip()))
    )


def _integer(value: Any, low: int, high: int) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and low <= value <= high


def _price(value: Any) -> bool:
    if isinstance(value, str):
        return not value.strip() or bool(_PRICE.fullmatch(value))
    return value is None or _integer(value, 0, PRICE_LIMIT - 1)


def _url(value: Any) -> bool:
    return value is None or _text(value, 10_000)


def _texts(value: Any, max_items: int, check: Callable[[Any], bool]) -> bool:
    return isinstance(value, list) and len(value) <= max_items and all(map(check, value))


def _gmt(value: Any) -> tuple[bool, datetime | None]:
    """(valid, value) for a `*_gmt` stamp, as GmtDateTimeField reads it."""
    if value is None:
        return True, None
    if not isinstance(value, str) or "T" not in value:
        return False, None
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        return False, None
    if parsed.tzinfo is None:
        return True, parsed.replace(tzinfo=UTC)
    # Aware: DRF converts it to the current time zone (the same instant), which overflows only
    # at the very ends of the calendar.
    return 1 < parsed.year < 9999, parsed


_PRODUCT_CHECKS: dict[str, Callable[[Any], bool]] = {
    "sku": lambda v: _text(v, 100),
    "name": lambda v: _text(v, 500),
    "short_description": lambda v: _text(v, MAX_TEXT),
    "description": lambda v: _text(v, MAX_TEXT),
    "price": _price,
    "sale_price": _price,
    "currency": lambda v: (
        _text(v, MAX_TEXT) and (not v.strip() or is_currency_code(v.strip().upper()))
    ),
    "stock_quantity": lambda v: v is None or _integer(v, -(10**9), MAX_STOCK),
    "stock_status": lambda v: isinstance(v, str) and bool(_SLUG.fullmatch(v)),
    "status": lambda v: isinstance(v, str) and bool(_SLUG.fullmatch(v)),
    "categories": lambda v: _texts(v, 200, lambda c: _text(c, 200, blank=False)),
    "tags": lambda v: _texts(v, 200, lambda c: _text(c, 200, blank=False)),
    "image": _url,
    "images": lambda v: _texts(v, 100, _url),
    "permalink": _url,
    "date_modified_gmt": lambda v: _gmt(v)[0],
    "date_on_sale_from_gmt": lambda v: v == "" or _gmt(v)[0],
    "date_on_sale_to_gmt": lambda v: v == "" or _gmt(v)[0],
}


def _plainly_valid(data: dict[str, Any]) -> dict[str, Any] | None:
    """The stored values when every field is one the serializer certainly accepts as it is;
    None when any is not, or when it is one this leaves to the serializer (a number as a
    price with a fraction, text with whitespace to trim in the event id, …)."""
    event_id, event_type, product = (
        data.get("event_id"),
        data.get("event_type"),
        data.get("product"),
    )
    if not (
        _text(event_id, 255, blank=False)
        and event_id == event_id.strip()
        and isinstance(event_type, str)
        and event_type in _EVENT_TYPES
        and isinstance(product, dict)
        and _integer(product.get("id"), 1, MAX_EXTERNAL_ID)
    ):
        return None
    occurred_ok, occurred_at = _gmt(data.get("occurred_at"))
    if not occurred_ok:
        return None
    for key, value in product.items():
        check = _PRODUCT_CHECKS.get(key)
        if check is not None and not check(value):
            return None
    name = product.get("name")
    if event_type != WooEventType.DELETED and not (isinstance(name, str) and name.strip()):
        return None
    stored: dict[str, Any] = {"event_id": event_id, "event_type": event_type}
    if "occurred_at" in data:
        stored["occurred_at"] = occurred_at
    stored["product"] = {"id": product["id"]}
    return stored


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
