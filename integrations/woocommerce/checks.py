"""The WooCommerce connection test used by the admin."""

from integrations.http import ApiError
from integrations.woocommerce.client import WooClient
from integrations.woocommerce.models import WooCommerceStore


def test_woo_connection(store: WooCommerceStore) -> tuple[bool, str]:
    """Read one product with the stored keys; say what happened in plain words."""
    try:
        response, _ = WooClient(store, max_retries=1).get("products", {"per_page": 1})
    except ApiError as exc:
        return False, exc.message
    total = response.headers.get("X-WP-Total", "?")
    message = f"Connected to {store.store_url}: {total} products readable."
    if not store.uses_https:
        message += " Warning: " + store.HTTP_WARNING
    return True, message
