"""A WooCommerce store connection; a tenant may have several."""

from django.db import models

from common.encryption import EncryptedTextField
from products_and_services.currencies import CODE_MAX_LENGTH, validate_currency
from tenants.models import Tenant


class WooCommerceStore(models.Model):
    tenant = models.ForeignKey(Tenant, on_delete=models.CASCADE, related_name="woocommerce_stores")
    name = models.CharField(max_length=100, default="WooCommerce store")
    store_url = models.URLField(help_text="The site's address, e.g. https://shop.example.com")
    consumer_key = EncryptedTextField()
    consumer_secret = EncryptedTextField()
    query_string_auth = models.BooleanField(
        default=False,
        help_text="Send the keys as query parameters, for hosts that strip Authorization.",
    )
    verify_ssl = models.BooleanField(default=True)
    currency = models.CharField(
        max_length=CODE_MAX_LENGTH, default="USD", validators=[validate_currency]
    )
    webhook_secret = EncryptedTextField(
        blank=True, default="", help_text="Secret of the store's native webhooks."
    )
    is_active = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = "WooCommerce store"
        ordering = ["tenant", "pk"]

    def __str__(self) -> str:
        return f"{self.name} ({self.store_url})"

    @property
    def connection_key(self) -> str:
        return f"woocommerce:{self.pk}"

    @property
    def uses_https(self) -> bool:
        """WooCommerce takes consumer keys only over HTTPS; plain HTTP needs OAuth 1.0a."""
        return self.store_url.lower().startswith("https://")

    HTTP_WARNING = (
        "This store is on plain HTTP: WooCommerce will only accept OAuth 1.0a signed requests "
        "(which Catalog Sync sends), and the keys and catalog travel unencrypted. Use HTTPS."
    )

    @property
    def api_base(self) -> str:
        return f"{self.store_url.rstrip('/')}/wp-json/wc/v3"
