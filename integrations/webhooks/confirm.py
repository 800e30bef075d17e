"""Proof for destructive webhooks: a delete is applied only when the store confirms it.

Delete deliveries carry nothing but the product id, and Shopify's only time for them is
an unsigned header, so a replayed (or forged-header) delete cannot be told from a fresh
one by its content. Before deactivating anything we ask the store itself: the product
is gone (404 / null) or no longer published. A store that still lists it as live refutes
the delete, which is then recorded as stale and changes nothing. A store that cannot be
reached raises a retryable error: the delivery waits and is tried again.
"""

from typing import Any

from integrations.http import ApiError
from integrations.shopify.client import ShopifyClient
from integrations.shopify.models import ShopifyStore
from integrations.woocommerce.client import WooClient
from integrations.woocommerce.models import WooCommerceStore

SHOPIFY_PRODUCT_STATUS_QUERY = "query($id: ID!) { product(id: $id) { id status } }"


def woo_product_live(store: WooCommerceStore, product_id: Any) -> bool:
    """True when the store still has this product published."""
    try:
        product = WooClient(store).fetch_product(str(int(product_id)))
    except ApiError as exc:
        if exc.status in (404, 410):
            return False
        raise
    return isinstance(product, dict) and product.get("status") == "publish"


def shopify_product_live(store: ShopifyStore, product_gid: str) -> bool:
    """True when the store still has this product, active."""
    data = ShopifyClient(store).graphql(SHOPIFY_PRODUCT_STATUS_QUERY, {"id": product_gid}, cost=1)
    product = data.get("product")
    return bool(product) and str(product.get("status") or "").upper() == "ACTIVE"
