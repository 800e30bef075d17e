"""Shopify product and variant mapping, and the query sizing rule."""

from datetime import UTC, datetime
from decimal import Decimal

from integrations.shopify.client import MAX_QUERY_COST, products_page_size, products_query_cost
from integrations.shopify.mapper import transform_product


def variant(n: int, **fields: object) -> dict[str, object]:
    values: dict[str, object] = {
        "id": f"gid://shopify/ProductVariant/{n}",
        "sku": f"SH-{n}",
        "price": "19.99",
        "compareAtPrice": None,
        "inventoryQuantity": 4,
        "inventoryPolicy": "DENY",
        "inventoryItem": {"tracked": True},
        "selectedOptions": [{"name": "Size", "value": f"S{n}"}],
    }
    values.update(fields)
    return values


NODE = {
    "id": "gid://shopify/Product/7",
    "legacyResourceId": "7",
    "title": "Rain Jacket",
    "descriptionHtml": "<p>Keeps you <b>dry</b></p>",
    "vendor": "Acme",
    "productType": "Jackets",
    "status": "ACTIVE",
    "tags": ["rain", "outdoor"],
    "updatedAt": "2026-02-01T10:00:00Z",
    "handle": "rain-jacket",
    "onlineStoreUrl": "https://shop.example.com/products/rain-jacket",
    "featuredImage": {"url": "https://cdn.example.com/jacket.jpg"},
}


def test_multi_variant_product_groups_under_a_stable_id() -> None:
    record = transform_product(
        NODE, [variant(1), variant(2, compareAtPrice="24.99")], currency="CAD"
    )
    assert (record.external_id, record.sku, record.name, record.brand, record.product_type) == (
        "gid://shopify/Product/7",
        "shopify-7",
        "Rain Jacket",
        "Acme",
        "Jackets",
    )
    assert (record.description, record.tags, record.currency, record.is_active) == (
        "Keeps you dry",
        ("rain", "outdoor"),
        "CAD",
        True,
    )
    assert record.external_updated_at == datetime(2026, 2, 1, 10, tzinfo=UTC)
    assert [(v.sku, v.price, v.sale_price, v.options) for v in record.variants] == [
        ("SH-1", Decimal("19.99"), None, {"Size": "S1"}),
        ("SH-2", Decimal("24.99"), Decimal("19.99"), {"Size": "S2"}),
    ]
    assert record.stock_quantity == 8


def test_single_variant_product_takes_its_sku_and_untracked_stock_is_unlimited() -> None:
    record = transform_product(
        {**NODE, "status": "DRAFT"}, [variant(1, inventoryPolicy="CONTINUE")], currency="USD"
    )
    assert (record.sku, record.variants, record.stock_quantity, record.is_active) == (
        "SH-1",
        (),
        None,
        False,
    )
    untracked = transform_product(
        NODE, [variant(1, inventoryItem={"tracked": False})], currency="USD"
    )
    assert untracked.stock_quantity is None


def test_page_size_keeps_every_query_under_the_cost_cap() -> None:
    for variants in (1, 5, 10, 15, 50, 100):
        first = products_page_size(variants)
        assert products_query_cost(first, variants) <= MAX_QUERY_COST
        assert products_query_cost(first + 1, variants) > MAX_QUERY_COST or first == 250
    assert products_query_cost(250, 100) > MAX_QUERY_COST
