"""API representations of products, with writable nested variants and images."""

from typing import Any

from django.db import IntegrityError
from drf_spectacular.extensions import OpenApiSerializerFieldExtension
from drf_spectacular.openapi import AutoSchema
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from common.serializer_fields import StrictCharField, StrictIntegerField, StrictModelSerializer
from products_and_services.currencies import (
    CODE_MAX_LENGTH,
    known_currency_codes,
    validate_currency,
)
from products_and_services.models import CATALOG_FIELDS, Product, ProductImage, ProductVariant
from products_and_services.rules import NEGATIVE_STOCK
from products_and_services.sale_windows import sale_window_problem
from products_and_services.services import (
    CatalogRuleError,
    create_product,
    identity_errors,
    update_product,
)

# The catalog rule (rules.py), stated where the schema can show it as a minimum.
NOT_NEGATIVE = {"min_value": 0, "error_messages": {"min_value": NEGATIVE_STOCK}}


class CurrencyCodeField(StrictCharField):
    """A currency code a client may send: one some supported shop uses (see currencies.py)."""


class CurrencyCodeFieldSchema(OpenApiSerializerFieldExtension):
    """Requests list the codes accepted; responses may hold a code a shop made up."""

    target_class = CurrencyCodeField
    priority = 1  # before StrictCharFieldSchema

    def map_serializer_field(self, auto_schema: AutoSchema, direction: str) -> dict[str, Any]:
        schema = auto_schema._map_serializer_field(self.target, direction, bypass_extensions=True)
        if direction == "request":
            schema.pop("minLength", None)
            schema.pop("maxLength", None)
            schema["enum"] = sorted(known_currency_codes())
        return schema


@extend_schema_field({"type": "object", "additionalProperties": {"type": "string"}})
class VariantOptionsField(serializers.JSONField):
    """Option names to values; checked by ProductVariantSerializer.validate_options."""


class ProductVariantSerializer(StrictModelSerializer):
    options = VariantOptionsField(required=False, help_text='e.g. {"Size": "M"}')
    id = StrictIntegerField(required=False, help_text="Send to update; omit to create.")

    class Meta:
        model = ProductVariant
        fields = (
            "id",
            "sku",
            "name",
            "price",
            "sale_price",
            "sale_starts_at",
            "sale_ends_at",
            "stock_quantity",
            "options",
            "external_id",
            "is_active",
            "position",
        )
        extra_kwargs = {"stock_quantity": NOT_NEGATIVE}

    def validate_options(self, value: Any) -> dict[str, str]:
        if not isinstance(value, dict) or not all(
            isinstance(k, str) and isinstance(v, str) for k, v in value.items()
        ):
            raise serializers.ValidationError(
                'Options must map names to values, e.g. {"Size": "M"}.'
            )
        return value

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        _check_sale_window(attrs, None)
        return attrs


class ProductImageSerializer(StrictModelSerializer):
    id = StrictIntegerField(required=False, help_text="Send to keep or update; omit to add.")
    image = serializers.ImageField(read_only=True, help_text="Uploaded file (upload in the admin).")
    url = serializers.URLField(max_length=1000, required=False, allow_blank=True)

    class Meta:
        model = ProductImage
        fields = ("id", "url", "image", "alt_text", "position")

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        if not attrs.get("url") and not attrs.get("id"):
            raise serializers.ValidationError({"url": "An image needs a URL."})
        return attrs


def _check_sale_window(attrs: dict[str, Any], instance: object | None) -> None:
    """A sale window must end after it starts (either end may be open).

    Checked only when the request sets a date: a window pulled from upstream as it stands
    never blocks an edit of another field.
    """
    if "sale_starts_at" not in attrs and "sale_ends_at" not in attrs:
        return
    starts = attrs.get("sale_starts_at", getattr(instance, "sale_starts_at", None))
    ends = attrs.get("sale_ends_at", getattr(instance, "sale_ends_at", None))
    problem = sale_window_problem(starts=starts, ends=ends)
    if problem:
        raise serializers.ValidationError({"sale_ends_at": problem})


def _validate_string_list(value: Any) -> list[str]:
    if not isinstance(value, list) or not all(isinstance(v, str) and v.strip() for v in value):
        raise serializers.ValidationError("Expected a list of non-empty strings.")
    return [v.strip() for v in value]


class ProductSerializer(StrictModelSerializer):
    currency = CurrencyCodeField(
        max_length=CODE_MAX_LENGTH,
        required=False,
        validators=[validate_currency],
        help_text="As the shop states it (IRT for tomans); see the Meta config's currency mapping.",
    )
    variants = ProductVariantSerializer(many=True, required=False)
    images = ProductImageSerializer(many=True, required=False)
    categories = serializers.ListField(child=StrictCharField(max_length=200), required=False)
    tags = serializers.ListField(child=StrictCharField(max_length=200), required=False)

    class Meta:
        model = Product
        fields = (
            "id",
            *CATALOG_FIELDS,
            "external_source",
            "external_id",
            "content_hash",
            "text_encoding",
            "text_encoding_fields",
            "created_at",
            "updated_at",
            "meta_sync_attempts",
            "meta_sync_last_error",
            "meta_sync_last_attempt",
            "meta_sync_last_success",
            "meta_sync_next_attempt",
            "variants",
            "images",
        )
        extra_kwargs = {"stock_quantity": NOT_NEGATIVE}
        read_only_fields = (
            "content_hash",
            "created_at",
            "updated_at",
            "meta_sync_attempts",
            "meta_sync_last_error",
            "meta_sync_last_attempt",
            "meta_sync_last_success",
            "meta_sync_next_attempt",
        )

    def validate_categories(self, value: Any) -> list[str]:
        return _validate_string_list(value)

    def validate_tags(self, value: Any) -> list[str]:
        return _validate_string_list(value)

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        """SKUs are checked here for readable errors; the database constraint decides races."""
        instance = self.instance
        sku = attrs.get("sku", getattr(instance, "sku", ""))
        if "variants" in attrs:
            variants = [(i, v.get("sku", "")) for i, v in enumerate(attrs["variants"])]
        elif instance is not None:
            variants = list(instance.variants.values_list("pk", "sku"))
        else:
            variants = []
        if "sku" in attrs or "variants" in attrs:
            errors = identity_errors(
                tenant_id=self.context["tenant"].pk,
                product_id=getattr(instance, "pk", None),
                sku=sku,
                variants=variants,
            )
            if errors:
                raise serializers.ValidationError(errors)
        _check_sale_window(attrs, self.instance)
        return attrs

    def _save(self, validated_data: dict[str, Any], instance: Product | None) -> Product:
        variants = validated_data.pop("variants", None)
        images = validated_data.pop("images", None)
        try:
            if instance is None:
                return create_product(
                    tenant=self.context["tenant"],
                    fields=validated_data,
                    variants=variants or [],
                    images=images or [],
                )
            return update_product(
                product=instance, fields=validated_data, variants=variants, images=images
            )
        except CatalogRuleError as exc:
            raise serializers.ValidationError(exc.errors) from exc
        except IntegrityError as exc:
            # A concurrent writer took the SKU or external id between validation and save.
            raise serializers.ValidationError(
                {"non_field_errors": ["Another product already uses this SKU or external id."]}
            ) from exc

    def create(self, validated_data: dict[str, Any]) -> Product:
        return self._save(validated_data, None)

    def update(self, instance: Product, validated_data: dict[str, Any]) -> Product:
        return self._save(validated_data, instance)
