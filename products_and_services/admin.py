"""Product admin: variants and images inline, filters and search for staff.

Saves and deletes go through the catalog services, so staff edits obey the same rules (SKU
identity, prices, stock) and reach Meta and the knowledge index the same way as API writes.
"""

from typing import Any

from django import forms
from django.contrib import admin, messages
from django.db.models import QuerySet
from django.forms.models import BaseInlineFormSet
from django.http import HttpRequest
from django.utils.translation import get_language, ngettext
from django.utils.translation import gettext_lazy as _

from products_and_services.admin_forms import CommaListField, OptionsField
from products_and_services.audit import (
    product_snapshot,
    record_product_change,
    record_product_deleted,
)
from products_and_services.currencies import format_shop_price
from products_and_services.models import IdentityClash, Product, ProductImage, ProductVariant
from products_and_services.rules import price_errors
from products_and_services.services import (
    catalog_written,
    delete_products,
    identity_errors,
    repair_double_encoded_text,
)
from products_and_services.text_encoding import TextEncoding, inspect_product
from tenants.admin_scoping import TenantScopedAdmin
from tenants.services import actor_for_user


class ProductVariantForm(forms.ModelForm):
    options = OptionsField(widget=forms.TextInput(attrs={"size": 18}))

    class Meta:
        model = ProductVariant
        fields = ("sku", "name", "options", "position")  # the inline lists the rest
        widgets = {
            "sku": forms.TextInput(attrs={"size": 12}),
            "name": forms.TextInput(attrs={"size": 16}),
            "position": forms.NumberInput(attrs={"style": "width:4.5em"}),
        }


class ProductForm(forms.ModelForm):
    categories = CommaListField()
    tags = CommaListField()

    class Meta:
        model = Product
        fields = ("categories", "tags")  # the admin's fieldsets name the rest

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        touched = {name: cleaned.get(name) for name in self.changed_data if name in cleaned}
        stored = Product.objects.filter(pk=self.instance.pk).first() if self.instance.pk else None
        for field, message in price_errors(fields=touched, current=stored).items():
            self.add_error(field, message)
        tenant = cleaned.get("tenant") or getattr(self.instance, "tenant", None)
        sku = (cleaned.get("sku") or "").strip()
        if tenant is not None and sku and "sku" in self.changed_data:
            errors = identity_errors(
                tenant_id=tenant.pk, product_id=self.instance.pk, sku=sku, variants=[]
            )
            for message in errors.get("sku", []):
                self.add_error("sku", message)
        return cleaned


class VariantFormSet(BaseInlineFormSet):
    """Variant SKUs must not repeat each other, the product's, or another item's."""

    def clean(self) -> None:
        super().clean()
        product = self.instance
        if product.tenant_id is None:
            return
        kept = [
            form
            for form in self.forms
            if form.cleaned_data and not form.cleaned_data.get("DELETE", False)
        ]
        for form in kept:
            for field, message in price_errors(
                fields=form.cleaned_data, price_fallback=product.price
            ).items():
                form.add_error(field, message)
        errors = identity_errors(
            tenant_id=product.tenant_id,
            product_id=product.pk,
            sku=product.sku,
            variants=[(index, form.cleaned_data.get("sku", "")) for index, form in enumerate(kept)],
        )
        if errors.get("variants"):
            raise forms.ValidationError(errors["variants"])


class ProductVariantInline(admin.TabularInline):
    """Compact: narrow inputs, and the inline scrolls inside its card on small screens."""

    model = ProductVariant
    formset = VariantFormSet
    form = ProductVariantForm
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
    form = ProductForm
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

    def save_model(self, request: HttpRequest, obj: Product, form: Any, change: bool) -> None:
        """Check the text like every other writer does, save, and audit who changed what."""
        inspect_product(obj, repair=obj.tenant.repair_double_encoded_text)
        before = None
        if change:
            before = product_snapshot(Product.objects.get(pk=obj.pk))
        super().save_model(request, obj, form, change)
        record_product_change(
            product=obj, actor=actor_for_user(request.user), before=before, via="admin"
        )

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

    def save_related(self, request: HttpRequest, form: Any, formsets: Any, change: bool) -> None:
        """After the product and its inlines are saved: identities and one catalog change."""
        super().save_related(request, form, formsets, change)
        product = form.instance
        catalog_written(tenant_id=product.tenant_id, product_ids=[product.pk], strict=True)

    def delete_model(self, request: HttpRequest, obj: Product) -> None:
        record_product_deleted(product=obj, actor=actor_for_user(request.user), via="admin")
        delete_products(tenant_id=obj.tenant_id, product_ids=[obj.pk])

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet[Product]) -> None:
        actor = actor_for_user(request.user)
        for product in queryset.select_related("tenant"):
            record_product_deleted(product=product, actor=actor, via="admin")
        by_tenant: dict[int, list[int]] = {}
        for pk, tenant_id in queryset.values_list("pk", "tenant_id"):
            by_tenant.setdefault(tenant_id, []).append(pk)
        for tenant_id, ids in by_tenant.items():
            delete_products(tenant_id=tenant_id, product_ids=ids)


@admin.register(IdentityClash)
class IdentityClashAdmin(TenantScopedAdmin):
    """SKUs found on two items before the identity rule existed: fix them by giving one item
    another SKU; the clash disappears on that save, and the item is pushed again."""

    list_display = ("retailer_id", "product", "variant", "held_by", "tenant", "created_at")
    list_filter = ("tenant",)
    search_fields = ("retailer_id", "product__name")
    list_select_related = ("tenant", "product", "variant")
    readonly_fields = ("tenant", "retailer_id", "product", "variant", "held_by", "created_at")

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False
