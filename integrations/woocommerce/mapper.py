"""WooCommerce product (+ variations) → ProductRecord: pure functions."""

from collections.abc import Iterable
from datetime import UTC, datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from integrations.engine.records import ProductRecord, VariantRecord


def woo_external_id(woo_product_id: object) -> str:
    """`woo_{id}` for every store: the store is the key's connection part, never its id.

    The same for the pull, the native webhooks and the plugin, so all three address one row.
    """
    return f"woo_{woo_product_id}"


def woo_product_id(external_id: str) -> str:
    """The WooCommerce product id inside an external id (`woo_123` → `123`)."""
    return external_id.rsplit("_", 1)[-1]


class MappingError(ValueError):
    """The product cannot be mapped; the message names the field."""


def money(value: Any, field: str) -> Decimal | None:
    """WooCommerce prices are strings; "" means none."""
    if value in (None, ""):
        return None
    try:
        amount = Decimal(str(value))
    except InvalidOperation:
        raise MappingError(f"{field} is not a price: {value!r}") from None
    return amount.quantize(Decimal("0.01"))


def stock(item: dict[str, Any], *, parent: dict[str, Any] | None = None) -> int | None:
    """Managed stock is a count; unmanaged is unlimited, unless the status says out of stock.

    A variation whose parent manages the stock says `manage_stock: "parent"`: it sells from
    the parent's count (which WooCommerce also reports as the variation's `stock_quantity`).
    """
    managed = item.get("manage_stock")
    if managed == "parent":
        quantity = item.get("stock_quantity")
        if quantity is None and parent is not None:
            quantity = parent.get("stock_quantity")
        managed, item = True, {**item, "stock_quantity": quantity}
    if managed is True:
        try:
            return int(item.get("stock_quantity") or 0)
        except (TypeError, ValueError):
            raise MappingError(
                f"stock_quantity is not a number: {item.get('stock_quantity')!r}"
            ) from None
    return 0 if item.get("stock_status") == "outofstock" else None


def modified_at(item: dict[str, Any]) -> datetime | None:
    value = item.get("date_modified_gmt")
    if not value:
        return None
    try:
        return datetime.fromisoformat(value).replace(tzinfo=UTC)
    except ValueError:
        return None


def gmt(item: dict[str, Any], field: str) -> datetime | None:
    """A WooCommerce `*_gmt` stamp (UTC, written without an offset); null or "" means none."""
    value = item.get(field)
    if value in (None, ""):
        return None
    try:
        parsed = datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    except ValueError:
        raise MappingError(f"{field} is not a date: {value!r}") from None
    return parsed.replace(tzinfo=UTC) if parsed.tzinfo is None else parsed.astimezone(UTC)


def sale_window(item: dict[str, Any]) -> dict[str, datetime | None]:
    """The scheduled sale of a product or variation; both empty means "no dates"."""
    return {
        "sale_starts_at": gmt(item, "date_on_sale_from_gmt"),
        "sale_ends_at": gmt(item, "date_on_sale_to_gmt"),
    }


def _names(entries: Iterable[dict[str, Any]] | None) -> tuple[str, ...]:
    return tuple(str(e["name"]) for e in entries or [] if e.get("name"))


def transform_variations(
    variations: Iterable[dict[str, Any]], parent: dict[str, Any] | None = None
) -> tuple[VariantRecord, ...]:
    variants = []
    for variation in variations:
        options = {
            str(a.get("name", "")): str(a.get("option", ""))
            for a in variation.get("attributes", [])
        }
        variants.append(
            VariantRecord(
                external_id=str(variation["id"]),
                sku=str(variation.get("sku") or ""),
                name=", ".join(v for v in options.values() if v),
                price=money(
                    variation.get("regular_price") or variation.get("price"), "regular_price"
                ),
                sale_price=money(variation.get("sale_price"), "sale_price"),
                **sale_window(variation),
                stock_quantity=stock(variation, parent=parent),
                options={k: v for k, v in options.items() if k and v},
                is_active=variation.get("status", "publish") == "publish",
            )
        )
    return tuple(variants)


def transform_product(
    product: dict[str, Any],
    variations: Iterable[dict[str, Any]],
    *,
    external_id: str,
    currency: str,
) -> ProductRecord:
    """Simple products get one default variant; variable ones a variant per variation.

    Only `publish` is active: a scheduled (`future`) product is stored inactive until it goes
    live; the incremental pull asks for products published since its bookmark to catch that.
    """
    if not product.get("id"):
        raise MappingError("id is missing")
    window = sale_window(product)
    if product.get("type") == "variable":
        variants = transform_variations(variations, parent=product)
        prices = [v.price for v in variants if v.price is not None]
        price = money(product.get("regular_price") or product.get("price"), "price") or (
            min(prices) if prices else None
        )
    else:
        price = money(product.get("regular_price") or product.get("price"), "regular_price")
        variants = (
            VariantRecord(
                external_id=str(product["id"]),
                sku=str(product.get("sku") or ""),
                name=str(product.get("name") or ""),
                price=price,
                sale_price=money(product.get("sale_price"), "sale_price"),
                **window,
                stock_quantity=stock(product),
            ),
        )
    return ProductRecord(
        external_id=external_id,
        name=str(product.get("name") or "").strip(),
        sku=str(product.get("sku") or "").strip(),
        description=str(product.get("description") or ""),
        short_description=str(product.get("short_description") or ""),
        price=price if price is not None else Decimal("0.00"),
        sale_price=money(product.get("sale_price"), "sale_price"),
        **window,
        currency=currency,
        stock_quantity=stock(product),
        is_active=product.get("status") == "publish",
        website_url=str(product.get("permalink") or ""),
        categories=_names(product.get("categories")),
        tags=_names(product.get("tags")),
        images=tuple(str(i["src"]) for i in product.get("images") or [] if i.get("src")),
        variants=variants,
        external_updated_at=modified_at(product),
    )
