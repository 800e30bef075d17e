"""Integration tokens (for the WordPress plugin) and the plugin's event log."""

from django.conf import settings
from django.db import models

from integrations.woocommerce.models import WooCommerceStore
from products_and_services.models import Product
from tenants.models import Tenant


class IntegrationType(models.TextChoices):
    WOOCOMMERCE = "woocommerce", "WooCommerce"
    SHOPIFY = "shopify", "Shopify"


class TokenEnvironment(models.TextChoices):
    LIVE = "live", "Live"
    TEST = "test", "Test"


class IntegrationToken(models.Model):
    """A bearer token a store-side plugin sends. Only its prefix and SHA-256 hash are stored."""

    tenant = models.ForeignKey(Tenant, on_delete=models.CASCADE, related_name="integration_tokens")
    integration_type = models.CharField(max_length=20, choices=IntegrationType.choices)
    name = models.CharField(max_length=100)
    environment = models.CharField(
        max_length=4, choices=TokenEnvironment.choices, default=TokenEnvironment.LIVE
    )
    prefix = models.CharField(
        max_length=32, db_index=True, editable=False, help_text="The token's first characters."
    )
    token_hash = models.CharField(max_length=64, unique=True, editable=False)
    store = models.ForeignKey(
        WooCommerceStore,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="integration_tokens",
        help_text="The WooCommerce store whose products this plugin's events are.",
    )
    is_active = models.BooleanField(default=True)
    last_used_at = models.DateTimeField(null=True, blank=True)
    usage_count = models.PositiveBigIntegerField(default=0)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = "integration token"

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"


class WooEventType(models.TextChoices):
    CREATED = "product.created", "Product created"
    UPDATED = "product.updated", "Product updated"
    DELETED = "product.deleted", "Product deleted"


class WooCommerceEventLog(models.Model):
    """One plugin event; `event_id` is the idempotency key within a tenant."""

    class Outcome(models.TextChoices):
        PENDING = "", "Pending"
        CREATED = "created", "Created"
        UPDATED = "updated", "Updated"
        UNCHANGED = "unchanged", "Unchanged"
        DEACTIVATED = "deactivated", "Deactivated"
        STALE = "stale", "Stale (older than what we hold)"
        NOT_FOUND = "not_found", "Nothing to delete"
        FAILED = "failed", "Failed"

    tenant = models.ForeignKey(Tenant, on_delete=models.CASCADE, related_name="woo_events")
    token = models.ForeignKey(
        IntegrationToken, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    event_id = models.CharField(max_length=255)
    event_type = models.CharField(max_length=20, choices=WooEventType.choices)
    woo_product_id = models.PositiveBigIntegerField(db_index=True)
    payload = models.JSONField(default=dict)
    occurred_at = models.DateTimeField(null=True, blank=True)
    received_at = models.DateTimeField(auto_now_add=True)
    processed_at = models.DateTimeField(null=True, blank=True)
    processed_successfully = models.BooleanField(default=False)
    outcome = models.CharField(max_length=20, choices=Outcome.choices, blank=True, default="")
    attempts = models.PositiveSmallIntegerField(default=0)
    error = models.TextField(blank=True, default="")
    product = models.ForeignKey(
        Product, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["-received_at"]
        verbose_name = "WooCommerce plugin event"
        constraints = [
            models.UniqueConstraint(fields=["tenant", "event_id"], name="uniq_woo_event_per_tenant")
        ]
        indexes = [
            models.Index(fields=["tenant", "-received_at"], name="wooevent_tenant_recent"),
            models.Index(fields=["processed_at", "received_at"], name="wooevent_pending"),
        ]

    def __str__(self) -> str:
        return f"{self.event_type} #{self.woo_product_id} ({self.event_id})"
