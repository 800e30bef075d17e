"""Shopify product nodes → ProductRecord: pure functions over the GraphQL shapes we request."""

from collections.abc import Iterable
from datetime import datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from integrations.engine.records import ProductRecord, VariantRecord
from meta_integration.mapping import plain_text


class MappingError(ValueError):
    """The node cannot be mapped; the message names the field."""


CENT = Decimal("0.01")


def money(value: Any, field: str) -> Decimal | None:
    if value is None or value == "":
        return None
    try:
        return Decimal(value if isinstance(value, str) else str(value)).quantize(CENT)
    except InvalidOperation:
        raise MappingError(f"{field} is not a price: {value!r}") from None


def variant_stock(variant: dict[str, Any]) -> int | None:
    """Untracked inventory, or selling past zero (CONTINUE), is unlimited stock."""
    tracked = (variant.get("inventoryItem") or {}).get("tracked", True)
    if not tracked or variant.get("inventoryPolicy") == "CONTINUE":
        return None
    return int(variant.get("inventoryQuantity") or 0)


def transform_variants(variants: Iterable[dict[str, Any]]) -> tuple[VariantRecord, ...]:
    """Variants in the shop's order (`position`): an ungrouped bulk export lists them in any."""
    records = []
    for variant in sorted(variants, key=lambda v: int(v.get("position") or 0)):
        options = {
            str(o["name"]): str(o["value"])
            for o in variant.get("selectedOptions") or []
            if o.get("name")
        }
        price = money(variant.get("price"), "price")
        compare_at = money(variant.get("compareAtPrice"), "compareAtPrice")
        # compareAtPrice is the "was" price: regular = the higher one, sale = the current one.
        regular, sale = (
            (compare_at, price) if compare_at and price and compare_at > price else (price, None)
        )
        records.append(
            VariantRecord(
                external_id=str(variant["id"]),
                sku=str(variant.get("sku") or ""),
                name=" / ".join(options.values()),
                price=regular,
                sale_price=sale,
                stock_quantity=variant_stock(variant),
                options={k: v for k, v in options.items() if v != "Default Title"},
            )
        )
    return tuple(records)


def product_sku(node: dict[str, Any], variants: tuple[VariantRecord, ...]) -> str:
    """Shopify SKUs live on variants. A one-variant product takes its variant's; a product with
    several gets a stable `shopify-{id}`, which becomes the Meta item group of its variants."""
    if len(variants) == 1:
        return variants[0].sku
    legacy = node.get("legacyResourceId") or str(node["id"]).rsplit("/", 1)[-1]
    return f"shopify-{legacy}" if variants else ""


def transform_product(
    node: dict[str, Any], variants: Iterable[dict[str, Any]], *, currency: str
) -> ProductRecord:
    if not node.get("id"):
        raise MappingError("id is missing")
    variant_records = transform_variants(variants)
    first = variant_records[0] if variant_records else None
    stocks = [v.stock_quantity for v in variant_records]
    stock = (
        None
        if not stocks or any(s is None for s in stocks)
        else sum(s for s in stocks if s is not None)
    )
    image = (node.get("featuredImage") or {}).get("url")
    updated = node.get("updatedAt")
    return ProductRecord(
        external_id=str(node["id"]),
        name=str(node.get("title") or "").strip(),
        sku=product_sku(node, variant_records),
        description=plain_text(node.get("descriptionHtml") or ""),
        brand=str(node.get("vendor") or ""),
        product_type=str(node.get("productType") or ""),
        price=(first.price if first and first.price is not None else Decimal("0.00")),
        sale_price=first.sale_price if first else None,
        currency=currency,
        stock_quantity=stock,
        is_active=node.get("status") == "ACTIVE",
        website_url=str(node.get("onlineStoreUrl") or ""),
        tags=tuple(str(t) for t in node.get("tags") or []),
        images=(str(image),) if image else (),
        variants=variant_records if len(variant_records) > 1 else (),
        external_updated_at=datetime.fromisoformat(updated) if updated else None,
    )
