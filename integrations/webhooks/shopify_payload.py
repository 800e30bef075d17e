"""Shopify webhook product JSON (REST shape) → the GraphQL node shape the pull mapper reads.

Keys follow the pull: the product's `admin_graphql_api_id` (a gid) is its external id, and
variants are keyed by their gids too, so a webhook and a pull land on the same rows.
"""

from typing import Any

from integrations.engine.records import ProductRecord
from integrations.shopify.mapper import transform_product


def product_gid(product: dict[str, Any]) -> str:
    """Delete deliveries carry only `{id}`: the gid is rebuilt from it."""
    return str(product.get("admin_graphql_api_id") or f"gid://shopify/Product/{product['id']}")


def _variant_node(variant: dict[str, Any], option_names: list[str]) -> dict[str, Any]:
    selected = [
        {"name": name, "value": variant.get(f"option{position}")}
        for position, name in enumerate(option_names, start=1)
        if variant.get(f"option{position}") is not None
    ]
    return {
        "id": variant.get("admin_graphql_api_id")
        or f"gid://shopify/ProductVariant/{variant['id']}",
        "sku": variant.get("sku") or "",
        "price": variant.get("price"),
        "compareAtPrice": variant.get("compare_at_price"),
        "inventoryQuantity": variant.get("inventory_quantity"),
        "inventoryPolicy": str(variant.get("inventory_policy") or "deny").upper(),
        # `inventory_management: null` means Shopify does not track this variant's stock.
        "inventoryItem": {"tracked": variant.get("inventory_management", "shopify") is not None},
        "selectedOptions": selected,
    }


def as_graphql_node(
    product: dict[str, Any], *, online_store_url: str = ""
) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """The node and variant nodes; the webhook has no storefront URL, so the caller passes the
    one we hold (from the pull) and an unchanged product hashes the same."""
    option_names = [str(o.get("name")) for o in product.get("options") or [] if o.get("name")]
    tags = product.get("tags") or ""
    image = product.get("image") or {}
    node = {
        "id": product_gid(product),
        "legacyResourceId": str(product["id"]),
        "title": product.get("title") or "",
        "descriptionHtml": product.get("body_html") or "",
        "vendor": product.get("vendor") or "",
        "productType": product.get("product_type") or "",
        "status": str(product.get("status") or "").upper(),
        "tags": [t.strip() for t in tags.split(",") if t.strip()]
        if isinstance(tags, str)
        else list(tags),
        "updatedAt": product.get("updated_at"),
        "handle": product.get("handle") or "",
        "onlineStoreUrl": online_store_url or None,
        "featuredImage": {"url": image["src"]} if image.get("src") else None,
    }
    variants = [_variant_node(v, option_names) for v in product.get("variants") or []]
    return node, variants


def shopify_record(
    product: dict[str, Any], *, currency: str, online_store_url: str = ""
) -> ProductRecord:
    node, variants = as_graphql_node(product, online_store_url=online_store_url)
    return transform_product(node, variants, currency=currency)
