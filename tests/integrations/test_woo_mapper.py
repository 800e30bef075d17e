"""WooCommerce product and variation mapping."""

from datetime import UTC, datetime
from decimal import Decimal

import pytest

from integrations.engine.records import VariantRecord
from integrations.woocommerce.mapper import MappingError, transform_product, transform_variations

SIMPLE = {
    "id": 414,
    "name": "Trail Shoe",
    "slug": "trail-shoe",
    "type": "simple",
    "status": "publish",
    "sku": "SHOE-1",
    "price": "85.00",
    "regular_price": "85.00",
    "sale_price": "",
    "manage_stock": True,
    "stock_quantity": 12,
    "stock_status": "instock",
    "categories": [{"id": 1, "name": "Shoes"}],
    "tags": [{"id": 2, "name": "outdoor"}],
    "images": [{"id": 9, "src": "https://shop.test/shoe.jpg"}],
    "permalink": "https://shop.test/p/trail-shoe",
    "short_description": "<p>Light</p>",
    "description": "<p>Grippy sole</p>",
    "date_modified_gmt": "2026-03-01T10:00:00",
}


def test_simple_product_maps_fields_and_gets_one_default_variant() -> None:
    record = transform_product(SIMPLE, [], external_id="woo_414", currency="EUR")
    assert (record.external_id, record.name, record.sku, record.price, record.sale_price) == (
        "woo_414",
        "Trail Shoe",
        "SHOE-1",
        Decimal("85.00"),
        None,
    )
    assert (record.currency, record.stock_quantity, record.is_active) == ("EUR", 12, True)
    assert (record.categories, record.tags, record.images) == (
        ("Shoes",),
        ("outdoor",),
        ("https://shop.test/shoe.jpg",),
    )
    assert record.website_url == "https://shop.test/p/trail-shoe"
    assert record.external_updated_at == datetime(2026, 3, 1, 10, 0, tzinfo=UTC)
    assert record.variants == (
        VariantRecord(
            external_id="414",
            sku="SHOE-1",
            name="Trail Shoe",
            price=Decimal("85.00"),
            stock_quantity=12,
        ),
    )


def test_unmanaged_stock_is_unlimited_unless_out_of_stock() -> None:
    unmanaged = {**SIMPLE, "manage_stock": False, "stock_quantity": None}
    assert transform_product(unmanaged, [], external_id="x", currency="USD").stock_quantity is None
    sold_out = {**unmanaged, "stock_status": "outofstock"}
    assert transform_product(sold_out, [], external_id="x", currency="USD").stock_quantity == 0


def test_sale_price_and_status() -> None:
    record = transform_product(
        {**SIMPLE, "sale_price": "70", "status": "draft"}, [], external_id="x", currency="USD"
    )
    assert (record.sale_price, record.is_active) == (Decimal("70.00"), False)


def test_variable_product_gets_a_variant_per_variation() -> None:
    variations = [
        {
            "id": 501,
            "sku": "SHOE-1-40",
            "price": "90.00",
            "regular_price": "90.00",
            "sale_price": "",
            "manage_stock": True,
            "stock_quantity": 3,
            "status": "publish",
            "attributes": [{"name": "Size", "option": "40"}, {"name": "Color", "option": "Red"}],
        },
        {
            "id": 502,
            "sku": "SHOE-1-41",
            "price": "80.00",
            "regular_price": "80.00",
            "sale_price": "75.00",
            "manage_stock": False,
            "stock_status": "outofstock",
            "status": "private",
            "attributes": [{"name": "Size", "option": "41"}],
        },
    ]
    record = transform_product(
        {**SIMPLE, "type": "variable", "price": "", "regular_price": ""},
        variations,
        external_id="woo_414",
        currency="USD",
    )
    assert record.price == Decimal("80.00")
    assert record.variants == transform_variations(variations)
    assert [
        (v.external_id, v.options, v.stock_quantity, v.is_active, v.sale_price)
        for v in record.variants
    ] == [
        ("501", {"Size": "40", "Color": "Red"}, 3, True, None),
        ("502", {"Size": "41"}, 0, False, Decimal("75.00")),
    ]


def test_bad_price_is_a_mapping_error() -> None:
    with pytest.raises(MappingError, match="regular_price is not a price: 'abc'"):
        transform_product({**SIMPLE, "regular_price": "abc"}, [], external_id="x", currency="USD")


def test_variations_selling_from_the_parents_stock() -> None:
    """Regression (issue 11, finding 5): a variation reports `manage_stock: "parent"` when its
    parent manages one stock for all (WooCommerce REST API docs, product variation properties:
    manage_stock "true, false or parent"); it sells from that count, it is not unlimited."""
    parent = {**SIMPLE, "type": "variable", "price": "", "manage_stock": True, "stock_quantity": 7}
    variations = [
        {
            "id": 601,
            "sku": "V-1",
            "regular_price": "10.00",
            "manage_stock": "parent",
            "stock_quantity": 7,
            "attributes": [{"name": "Size", "option": "S"}],
        },
        # An older WooCommerce, or a _fields filter, may leave the quantity out: the parent's.
        {
            "id": 602,
            "sku": "V-2",
            "regular_price": "10.00",
            "manage_stock": "parent",
            "stock_status": "instock",
            "attributes": [{"name": "Size", "option": "M"}],
        },
    ]
    record = transform_product(parent, variations, external_id="woo_414", currency="USD")
    assert [v.stock_quantity for v in record.variants] == [7, 7]
    assert record.stock_quantity == 7
