"""Product admin: variants and images inline, filters and search for staff."""

from typing import Any

from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import get_language, ngettext
from django.utils.translation import gettext_lazy as _

from products_and_services.currencies import format_shop_price
from products_and_services.models import Product, ProductImage, ProductVariant
from products_and_services.services import repair_double_encoded_text
from products_and_services.text_encoding import TextEncoding, inspect_product
from tenants.admin_scoping import TenantScopedAdmin


class ProductVariantInline(admin.TabularInline):
    model = ProductVariant
    extra = 0
    fields = (
        "sku",
        "name",
        "price",
        "sale_price",
        "sale_starts_at",
        "sale_ends_at",
        "stock_quantity",
        "options",
        "is_active",
        "position",
    )


class ProductImageInline(admin.TabularInline):
    model = ProductImage
    extra = 0
    fields = ("image", "url", "alt_text", "position")


@admin.register(Product)
class ProductAdmin(TenantScopedAdmin):
    list_display = (
        "name",
        "sku",
        "tenant",
        "external_source",
        "shop_price",
        "stock_quantity",
        "is_active",
        "updated_at",
    )
    list_filter = ("tenant", "external_source", "is_active", "currency", "text_encoding")
    search_fields = ("name", "sku")
    list_select_related = ("tenant",)
    list_per_page = 50
    show_full_result_count = False
    inlines = (ProductVariantInline, ProductImageInline)
    readonly_fields = (
        "content_hash",
        "created_at",
        "updated_at",
        "external_updated_at",
        "text_encoding",
        "text_encoding_fields",
    )
    actions = ("repair_text",)
    fieldsets = (
        (None, {"fields": ("tenant", "name", "sku", "is_active", "brand", "product_type")}),
        (
            _("Pricing & stock"),
            {
                "fields": (
                    "price",
                    "sale_price",
                    ("sale_starts_at", "sale_ends_at"),
                    "currency",
                    "stock_quantity",
                ),
                "description": _(
                    "The sale price applies between the sale dates (UTC); "
                    "an empty date leaves that end open."
                ),
            },
        ),
        (
            _("Content"),
            {
                "fields": (
                    "short_description",
                    "description",
                    "categories",
                    "tags",
                    "website_url",
                    ("text_encoding", "text_encoding_fields"),
                )
            },
        ),
        (
            _("Source"),
            {
                "fields": (
                    "external_source",
                    "external_id",
                    "external_updated_at",
                    "content_hash",
                    "created_at",
                    "updated_at",
                )
            },
        ),
    )

    def save_model(self, request: HttpRequest, obj: Product, form: Any, change: bool) -> None:
        """Text typed or pasted here is checked like every other writer's."""
        inspect_product(obj, repair=obj.tenant.repair_double_encoded_text)
        super().save_model(request, obj, form, change)

    @admin.display(description=_("Price"), ordering="price")
    def shop_price(self, obj: Product) -> str:
        """In the shop's currency format, for the admin's language (۸۵۰٬۰۰۰ تومان in Persian)."""
        return format_shop_price(obj.price, obj.currency, language=get_language() or "en")

    @admin.action(description=_("Repair double-encoded text (ftfy)"))
    def repair_text(self, request: HttpRequest, queryset: QuerySet[Product]) -> None:
        flagged = queryset.filter(text_encoding=TextEncoding.DOUBLE_ENCODED)
        repaired = [repair_double_encoded_text(product=p) for p in flagged]
        skipped = queryset.count() - len(repaired)
        self.message_user(
            request,
            ngettext(
                "Repaired the text of %(count)d product.",
                "Repaired the text of %(count)d products.",
                len(repaired),
            )
            % {"count": len(repaired)}
            + " "
            + ngettext(
                "%(count)d had nothing to repair.", "%(count)d had nothing to repair.", skipped
            )
            % {"count": skipped},
            messages.SUCCESS,
        )
