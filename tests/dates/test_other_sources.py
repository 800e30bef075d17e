"""Shopify and Zoho have no sale dates: their sales (if any) are undated, publication is status."""

from decimal import Decimal

import pytest

from integrations.shopify.mapper import transform_product as shopify_product
from integrations.zoho.mapper import map_item

SHOPIFY_NODE = {
    "id": "gid://shopify/Product/7",
    "legacyResourceId": "7",
    "title": "Rain Jacket",
    "status": "ACTIVE",
    "updatedAt": "2026-02-01T10:00:00Z",
}
SHOPIFY_VARIANT = {
    "id": "gid://shopify/ProductVariant/1",
    "sku": "JACKET",
    "price": "80.00",
    "compareAtPrice": "100.00",
    "inventoryQuantity": 4,
    "inventoryPolicy": "DENY",
    "inventoryItem": {"tracked": True},
    "selectedOptions": [{"name": "Title", "value": "Default Title"}],
}


def test_shopify_compare_at_sale_is_undated() -> None:
    record = shopify_product(SHOPIFY_NODE, [SHOPIFY_VARIANT], currency="CAD")
    assert (record.price, record.sale_price) == (Decimal("100.00"), Decimal("80.00"))
    assert (record.sale_starts_at, record.sale_ends_at) == (None, None)


@pytest.mark.parametrize(("status", "active"), [("ACTIVE", True), ("DRAFT", False)])
def test_shopify_publication_is_the_status(status: str, active: bool) -> None:
    record = shopify_product({**SHOPIFY_NODE, "status": status}, [SHOPIFY_VARIANT], currency="CAD")
    assert record.is_active is active


def test_zoho_items_have_no_sale() -> None:
    record = map_item(
        {"item_id": "9", "name": "Stove", "sku": "ST", "rate": 45, "status": "active"},
        currency="EUR",
    )
    assert (record.sale_price, record.sale_starts_at, record.sale_ends_at) == (None, None, None)
