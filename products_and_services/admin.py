"""Product admin: variants and images inline, filters and search for staff."""

from django.contrib import admin

from products_and_services.models import Product, ProductImage, ProductVariant
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
        "price",
        "currency",
        "stock_quantity",
        "is_active",
        "updated_at",
    )
    list_filter = ("tenant", "external_source", "is_active", "currency")
    search_fields = ("name", "sku")
    list_select_related = ("tenant",)
    list_per_page = 50
    show_full_result_count = False
    inlines = (ProductVariantInline, ProductImageInline)
    readonly_fields = ("content_hash", "created_at", "updated_at", "external_updated_at")
    fieldsets = (
        (None, {"fields": ("tenant", "name", "sku", "is_active", "brand", "product_type")}),
        (
            "Pricing & stock",
            {
                "fields": (
                    "price",
                    "sale_price",
                    ("sale_starts_at", "sale_ends_at"),
                    "currency",
                    "stock_quantity",
                ),
                "description": "The sale price applies between the sale dates (UTC); "
                "an empty date leaves that end open.",
            },
        ),
        (
            "Content",
            {"fields": ("short_description", "description", "categories", "tags", "website_url")},
        ),
        (
            "Source",
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
