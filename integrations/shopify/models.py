"""A Shopify store connection (custom-app Admin API token)."""

from django.db import models

from common.encryption import EncryptedTextField
from products_and_services.currencies import CODE_MAX_LENGTH, validate_currency
from tenants.models import Tenant

DEFAULT_API_VERSION = "2025-07"


class ShopifyStore(models.Model):
    tenant = models.ForeignKey(Tenant, on_delete=models.CASCADE, related_name="shopify_stores")
    shop_domain = models.CharField(
        max_length=255,
        help_text="mystore.myshopify.com, or a full http(s)://host:port base URL (tests, demo).",
    )
    access_token = EncryptedTextField(
        help_text="Admin API access token (shpat_…) with read_products."
    )
    api_version = models.CharField(max_length=10, default=DEFAULT_API_VERSION)
    currency = models.CharField(
        max_length=CODE_MAX_LENGTH, default="USD", validators=[validate_currency]
    )
    webhook_secret = EncryptedTextField(
        blank=True, default="", help_text="The app's webhook signing secret."
    )
    is_active = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = "Shopify store"
        ordering = ["tenant", "pk"]

    def __str__(self) -> str:
        return self.shop_domain

    @property
    def connection_key(self) -> str:
        return f"shopify:{self.pk}"

    @property
    def graphql_url(self) -> str:
        base = (
            self.shop_domain
            if self.shop_domain.startswith(("http://", "https://"))
            else f"https://{self.shop_domain}"
        )
        return f"{base.rstrip('/')}/admin/api/{self.api_version}/graphql.json"
