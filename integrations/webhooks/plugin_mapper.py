"""The plugin's product JSON → ProductRecord, through the WooCommerce pull mapper.

The plugin's shape is a flattened WooCommerce product, so it is rebuilt in the REST v3 shape
and mapped by the same function as the pull: a product pulled and then pushed by the plugin
hashes the same, and is not rewritten.
"""

import dataclasses
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from integrations.engine.records import ProductRecord
from integrations.woocommerce.mapper import transform_product, woo_external_id


def _money(value: Decimal | None) -> str:
    return "" if value is None else f"{value:f}"


def _gmt(value: datetime | None) -> str | None:
    """Back to WooCommerce's own `*_gmt` shape: UTC without an offset."""
    return None if value is None else value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S")


def _image_entries(product: dict[str, Any]) -> list[dict[str, str]]:
    urls = [product.get("image") or "", *(product.get("images") or [])]
    unique = [url for i, url in enumerate(urls) if url and url not in urls[:i]]
    return [{"src": url} for url in unique]


def as_rest_product(product: dict[str, Any]) -> dict[str, Any]:
    """A validated plugin `product` in WooCommerce REST v3 product shape (a simple product)."""
    stock_quantity = product.get("stock_quantity")
    return {
        "id": product["id"],
        "type": "simple",
        "name": product.get("name", ""),
        "sku": product.get("sku", ""),
        "description": product.get("description", ""),
        "short_description": product.get("short_description", ""),
        "regular_price": _money(product.get("price")),
        "sale_price": _money(product.get("sale_price")),
        "date_on_sale_from_gmt": _gmt(product.get("date_on_sale_from_gmt")),
        "date_on_sale_to_gmt": _gmt(product.get("date_on_sale_to_gmt")),
        "manage_stock": stock_quantity is not None,
        "stock_quantity": stock_quantity,
        "stock_status": product.get("stock_status") or "instock",
        "status": product.get("status") or "publish",
        "permalink": product.get("permalink") or "",
        "categories": [{"name": name} for name in product.get("categories", [])],
        "tags": [{"name": name} for name in product.get("tags", [])],
        "images": _image_entries(product),
    }


def plugin_record(
    product: dict[str, Any], *, currency: str, modified_at: datetime | None
) -> ProductRecord:
    """Map a validated plugin product; `modified_at` drives the stale-event check."""
    record = transform_product(
        as_rest_product(product),
        [],
        external_id=woo_external_id(product["id"]),
        currency=product.get("currency") or currency,
    )
    return dataclasses.replace(record, external_updated_at=modified_at)
