"""The Shopify connection test used by the admin."""

from integrations.http import ApiError
from integrations.shopify.client import ShopifyClient
from integrations.shopify.models import ShopifyStore


def test_shopify_connection(store: ShopifyStore) -> tuple[bool, str]:
    """Count the store's products with the stored token; say what happened in plain words."""
    try:
        counted = ShopifyClient(store, max_retries=1).products_count()
    except ApiError as exc:
        return False, exc.message
    amount = f"{counted.count:,}" if counted.exact else f"at least {counted.count:,}"
    return True, f"Connected to {store.shop_domain}: {amount} products readable."
