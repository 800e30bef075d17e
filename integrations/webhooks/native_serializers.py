"""Just enough validation of native webhook bodies to answer 400 with field errors at once;
the full mapping runs in the task with the pull's mappers."""

from typing import Any

from rest_framework import serializers

from integrations.webhooks.plugin_serializers import MAX_EXTERNAL_ID, MAX_STOCK, MoneyField


class _DeleteAware(serializers.Serializer):
    """Delete deliveries carry only `{id}`; the rest is required for the other topics."""

    content_fields: tuple[str, ...] = ()

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        if not self.context.get("is_delete"):
            missing = {
                name: ["This field is required."]
                for name in self.content_fields
                if name not in self.initial_data
            }
            if missing:
                raise serializers.ValidationError(missing)
        return attrs


class WooNativeProductSerializer(_DeleteAware):
    content_fields = ("name",)

    id = serializers.IntegerField(min_value=1, max_value=MAX_EXTERNAL_ID)
    name = serializers.CharField(required=False, allow_blank=True, max_length=500)
    type = serializers.CharField(required=False, allow_blank=True, max_length=50)
    sku = serializers.CharField(required=False, allow_blank=True, max_length=100)
    price = MoneyField(required=False, allow_null=True)
    regular_price = MoneyField(required=False, allow_null=True)
    sale_price = MoneyField(required=False, allow_null=True)
    stock_quantity = serializers.IntegerField(
        required=False, allow_null=True, min_value=-MAX_STOCK, max_value=MAX_STOCK
    )
    manage_stock = serializers.BooleanField(required=False)
    categories = serializers.ListField(child=serializers.DictField(), required=False)
    tags = serializers.ListField(child=serializers.DictField(), required=False)
    images = serializers.ListField(child=serializers.DictField(), required=False)


class ShopifyVariantSerializer(serializers.Serializer):
    id = serializers.IntegerField(min_value=1, max_value=MAX_EXTERNAL_ID)
    sku = serializers.CharField(required=False, allow_blank=True, allow_null=True, max_length=255)
    price = MoneyField(required=False, allow_null=True)
    compare_at_price = MoneyField(required=False, allow_null=True)
    inventory_quantity = serializers.IntegerField(
        required=False, allow_null=True, min_value=-MAX_STOCK, max_value=MAX_STOCK
    )


class ShopifyProductSerializer(_DeleteAware):
    content_fields = ("title", "updated_at")

    id = serializers.IntegerField(min_value=1, max_value=MAX_EXTERNAL_ID)
    title = serializers.CharField(required=False, allow_blank=True, max_length=500)
    updated_at = serializers.DateTimeField(required=False)
    status = serializers.CharField(required=False, allow_blank=True, max_length=20)
    variants = ShopifyVariantSerializer(many=True, required=False)
    tags = serializers.CharField(required=False, allow_blank=True)


class DeliveryAnswerSerializer(serializers.Serializer):
    status = serializers.ChoiceField(choices=["accepted", "duplicate", "ignored", "ok"])
    delivery = serializers.IntegerField(required=False)
