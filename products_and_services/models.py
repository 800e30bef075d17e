"""The catalog: one product table per tenant, with variants and images.

It knows nothing of external systems beyond the sync-tracking fields on Product.
"""

from decimal import Decimal

from django.core.exceptions import ValidationError
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from products_and_services.currencies import CODE_MAX_LENGTH, validate_currency
from products_and_services.hashing import compute_content_hash
from products_and_services.sale_windows import sale_window_problem
from products_and_services.text_encoding import TextEncoding
from tenants.models import Tenant

# The merchant-facing fields every writer (API, pulls, webhooks) may set.
CATALOG_FIELDS = (
    "name",
    "sku",
    "description",
    "short_description",
    "brand",
    "product_type",
    "price",
    "sale_price",
    "sale_starts_at",
    "sale_ends_at",
    "currency",
    "stock_quantity",
    "is_active",
    "website_url",
    "categories",
    "tags",
)
# Meta push state: only the push writes these, with targeted UPDATEs, so a full save of a
# stale instance (loaded before a push finished) can never erase what the push recorded.
TRACKING_FIELDS = frozenset(
    {
        "whatsapp_catalog_id",
        "meta_sync_attempts",
        "meta_sync_last_error",
        "meta_sync_last_attempt",
        "meta_sync_last_success",
        "meta_sync_next_attempt",
        "meta_retailer_id",
        "meta_payload_hash",
        "meta_pushed_ids",
    }
)
# The fields whose text the content hash covers (a change means re-indexing).
CONTENT_FIELDS = frozenset({"name", "short_description", "description", "categories", "tags"})


class ExternalSource(models.TextChoices):
    MANUAL = "manual", "Manual"
    ZOHO = "zoho", "Zoho Inventory"
    WOOCOMMERCE = "woocommerce", "WooCommerce"
    SHOPIFY = "shopify", "Shopify"


money = {"max_digits": 14, "decimal_places": 2, "validators": [MinValueValidator(Decimal("0"))]}


def sale_starts_field() -> models.DateTimeField:
    return models.DateTimeField(
        null=True, blank=True, help_text="The sale price applies from then on; empty: already."
    )


def sale_ends_field() -> models.DateTimeField:
    return models.DateTimeField(
        null=True, blank=True, help_text="The sale price applies until then; empty: no end."
    )


def check_sale_window(row: "Product | ProductVariant") -> None:
    """Model validation (admin forms): the sale must end after it starts."""
    problem = sale_window_problem(starts=row.sale_starts_at, ends=row.sale_ends_at)
    if problem:
        raise ValidationError({"sale_ends_at": problem})


class Product(models.Model):
    tenant = models.ForeignKey(Tenant, on_delete=models.CASCADE, related_name="products")
    name = models.CharField(_("name"), max_length=500)
    sku = models.CharField(
        _("SKU"), max_length=100, blank=True, default="", help_text="Retailer id in Meta."
    )
    description = models.TextField(_("description"), blank=True, default="")
    short_description = models.TextField(_("short description"), blank=True, default="")
    brand = models.CharField(_("brand"), max_length=200, blank=True, default="")
    product_type = models.CharField(max_length=200, blank=True, default="")
    price = models.DecimalField(_("price"), **money)
    sale_price = models.DecimalField(_("sale price"), null=True, blank=True, **money)
    sale_starts_at = sale_starts_field()
    sale_ends_at = sale_ends_field()
    currency = models.CharField(
        _("currency"),
        max_length=CODE_MAX_LENGTH,
        default="USD",
        validators=[validate_currency],
        help_text="As the shop states it (IRT for tomans); see the Meta config's currency mapping.",
    )
    stock_quantity = models.IntegerField(
        _("stock quantity"),
        null=True,
        blank=True,
        help_text="Empty means stock is not tracked (unlimited).",
    )
    is_active = models.BooleanField(_("active"), default=True)
    website_url = models.URLField(max_length=1000, blank=True, default="")
    categories = models.JSONField(_("categories"), default=list, blank=True)
    tags = models.JSONField(_("tags"), default=list, blank=True)

    external_source = models.CharField(
        max_length=20, choices=ExternalSource.choices, default=ExternalSource.MANUAL
    )
    external_id = models.CharField(max_length=255, blank=True, default="")
    external_connection = models.CharField(
        max_length=64,
        blank=True,
        default="",
        help_text="Which connection owns it, e.g. 'woocommerce:3'; part of the item's key.",
    )
    external_hash = models.CharField(
        max_length=64,
        blank=True,
        default="",
        help_text="Hash of the last record pulled; equal means unchanged.",
    )
    external_updated_at = models.DateTimeField(
        null=True, blank=True, help_text="The source's own modification time, to drop stale events."
    )
    content_hash = models.CharField(max_length=64, blank=True, default="", editable=False)
    text_encoding = models.CharField(
        max_length=20,
        choices=TextEncoding.choices,
        blank=True,
        default=TextEncoding.OK,
        editable=False,
        help_text="Text that arrived double-encoded (UTF-8 read as Latin-1), and whether it was "
        "repaired (the tenant's option).",
    )
    text_encoding_fields = models.JSONField(
        default=list, blank=True, editable=False, help_text="The fields it was found in."
    )

    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    # Meta catalog tracking. Written only through queryset.update(), never save().
    whatsapp_catalog_id = models.CharField(max_length=100, blank=True, default="")
    meta_sync_attempts = models.PositiveSmallIntegerField(default=0)
    meta_sync_last_error = models.TextField(blank=True, default="")
    meta_sync_last_attempt = models.DateTimeField(null=True, blank=True)
    meta_sync_last_success = models.DateTimeField(null=True, blank=True)
    meta_sync_next_attempt = models.DateTimeField(
        null=True, blank=True, help_text="When set, a push is pending and due at this time."
    )
    meta_retailer_id = models.CharField(
        max_length=100, blank=True, default="", help_text="The retailer id last pushed to Meta."
    )
    meta_payload_hash = models.CharField(max_length=64, blank=True, default="")
    meta_pushed_ids = models.JSONField(
        default=list,
        blank=True,
        help_text="Every retailer id (product and variants) Meta may hold.",
    )

    class Meta:
        verbose_name = _("product")
        verbose_name_plural = _("products")
        ordering = ["-updated_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["tenant", "sku"], condition=~Q(sku=""), name="uniq_product_sku_per_tenant"
            ),
            models.UniqueConstraint(
                fields=["tenant", "external_source", "external_connection", "external_id"],
                condition=~Q(external_id=""),
                name="uniq_product_external_key",
            ),
            models.CheckConstraint(condition=Q(price__gte=0), name="product_price_not_negative"),
        ]
        indexes = [
            models.Index(fields=["tenant", "is_active"], name="product_tenant_active"),
            models.Index(fields=["tenant", "external_source"], name="product_tenant_source"),
            models.Index(
                fields=["tenant", "external_connection"], name="product_tenant_connection"
            ),
            models.Index(fields=["tenant", "currency"], name="product_tenant_currency"),
            models.Index(fields=["tenant", "-updated_at", "-id"], name="product_tenant_updated"),
            models.Index(fields=["meta_sync_next_attempt"], name="product_meta_due"),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.sku})" if self.sku else self.name

    def save(self, *args: object, **kwargs: object) -> None:
        """A full save of an existing row writes every field except the push's tracking state."""
        update_fields = kwargs.get("update_fields")
        if update_fields is None:
            self.refresh_content_hash()
            if not self._state.adding and self.pk is not None and not kwargs.get("force_insert"):
                kwargs["update_fields"] = _saved_fields()
        elif set(update_fields) & CONTENT_FIELDS:
            self.refresh_content_hash()
            kwargs["update_fields"] = {*update_fields, "content_hash"}
        super().save(*args, **kwargs)

    def clean(self) -> None:
        super().clean()
        check_sale_window(self)

    def refresh_content_hash(self) -> str:
        self.content_hash = compute_content_hash(
            name=self.name,
            short_description=self.short_description,
            description=self.description,
            categories=self.categories or [],
            tags=self.tags or [],
        )
        return self.content_hash


def _saved_fields() -> list[str]:
    return [
        f.name
        for f in Product._meta.concrete_fields
        if not f.primary_key and f.name not in TRACKING_FIELDS
    ]


class ProductVariant(models.Model):
    """A purchasable option of a product; in Meta each becomes its own grouped item."""

    product = models.ForeignKey(Product, on_delete=models.CASCADE, related_name="variants")
    sku = models.CharField(max_length=100, blank=True, default="")
    name = models.CharField(max_length=500, blank=True, default="")
    price = models.DecimalField(
        null=True, blank=True, help_text="Empty uses the product price.", **money
    )
    sale_price = models.DecimalField(null=True, blank=True, **money)
    sale_starts_at = sale_starts_field()
    sale_ends_at = sale_ends_field()
    stock_quantity = models.IntegerField(null=True, blank=True)
    options = models.JSONField(default=dict, blank=True, help_text='e.g. {"Size": "M"}')
    external_id = models.CharField(max_length=255, blank=True, default="")
    is_active = models.BooleanField(default=True)
    position = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["position", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["product", "external_id"],
                condition=~Q(external_id=""),
                name="uniq_variant_external_ref",
            ),
        ]

    def __str__(self) -> str:
        return self.name or self.sku or f"Variant {self.pk}"

    def clean(self) -> None:
        super().clean()
        check_sale_window(self)


class ProductImage(models.Model):
    """An uploaded image or an external URL; `position` orders them, 0 first."""

    product = models.ForeignKey(Product, on_delete=models.CASCADE, related_name="images")
    image = models.ImageField(upload_to="product_images/", blank=True)
    url = models.URLField(max_length=1000, blank=True, default="")
    alt_text = models.CharField(max_length=300, blank=True, default="")
    position = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["position", "id"]
        constraints = [
            models.CheckConstraint(
                condition=~Q(image="") | ~Q(url=""), name="product_image_has_file_or_url"
            ),
        ]

    def __str__(self) -> str:
        return self.url or self.image.name


class CatalogIdentity(models.Model):
    """Who holds a retailer id (the id Meta knows an item by): one product or variant per tenant.

    The unique constraint is the guarantee; the catalog services keep these rows in step with
    the SKUs in the same transaction as the write (see `products_and_services.identity`).
    """

    tenant = models.ForeignKey(Tenant, on_delete=models.CASCADE, related_name="+")
    retailer_id = models.CharField(max_length=100)
    product = models.ForeignKey(Product, on_delete=models.CASCADE, related_name="identities")
    variant = models.ForeignKey(
        ProductVariant, null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )

    class Meta:
        verbose_name_plural = "catalog identities"
        constraints = [
            models.UniqueConstraint(
                fields=["tenant", "retailer_id"], name="uniq_retailer_id_per_tenant"
            ),
        ]

    def __str__(self) -> str:
        return self.retailer_id


class IdentityClash(models.Model):
    """A retailer id found on two items (data from before the identity table existed).

    The item listed here is not pushed to Meta until staff give it another SKU.
    """

    tenant = models.ForeignKey(Tenant, on_delete=models.CASCADE, related_name="+")
    retailer_id = models.CharField(max_length=100)
    product = models.ForeignKey(Product, on_delete=models.CASCADE, related_name="identity_clashes")
    variant = models.ForeignKey(
        ProductVariant, null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    held_by = models.CharField(max_length=600, help_text="The item that keeps the id.")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["tenant", "retailer_id"], name="identity_clash_lookup")]

    def __str__(self) -> str:
        return f"{self.retailer_id} (also on {self.held_by})"
