"""Which connection model and pull source belong to each provider (one table, no if-chains)."""

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.db import models

from integrations.engine.runs import PullSource
from integrations.models import Provider
from integrations.shopify.checks import test_shopify_connection
from integrations.shopify.models import ShopifyStore
from integrations.shopify.source import ShopifySource
from integrations.woocommerce.checks import test_woo_connection
from integrations.woocommerce.models import WooCommerceStore
from integrations.woocommerce.source import WooSource
from integrations.zoho.checks import test_zoho_connection
from integrations.zoho.models import ZohoCredential
from integrations.zoho.source import ZohoSource


@dataclass(frozen=True)
class ProviderSpec:
    connection_model: type[models.Model]
    source_class: type[Any]
    label: str
    identity_field: str
    identity_attr: str
    check: Callable[[Any], tuple[bool, str]]

    def source_for(self, connection: models.Model) -> PullSource:
        return self.source_class(connection)

    def identity(self, connection: models.Model) -> dict[str, str]:
        """How API answers and audit rows name the connection (store_url, shop_domain, …)."""
        return {self.identity_field: str(getattr(connection, self.identity_attr))}


PROVIDERS: dict[str, ProviderSpec] = {
    Provider.SHOPIFY: ProviderSpec(
        ShopifyStore,
        ShopifySource,
        "Shopify",
        "shop_domain",
        "shop_domain",
        test_shopify_connection,
    ),
    Provider.WOOCOMMERCE: ProviderSpec(
        WooCommerceStore, WooSource, "WooCommerce", "store_url", "store_url", test_woo_connection
    ),
    Provider.ZOHO: ProviderSpec(
        ZohoCredential,
        ZohoSource,
        "Zoho Inventory",
        "organization_id",
        "organization_id",
        test_zoho_connection,
    ),
}


def connection_for(provider: str, connection_id: int) -> models.Model:
    return (
        PROVIDERS[provider].connection_model.objects.select_related("tenant").get(pk=connection_id)
    )
