"""Catalog rules, in one place for the API, the admin, pulls and webhooks.

Staff and API writes that break a rule are refused with the field and the reason. Upstream
data is what the shop says, so it is never refused for these rules: it is stored in the form
that keeps the catalog truthful, with a warning on the sync run (see docs/catalog-integrity.md):

- a sale price above the price is not a sale (WooCommerce itself only treats a sale price below
  the regular price as on sale), so the sale price is dropped;
- negative stock means the shop oversold; it is stored as 0, which Meta shows as out of stock.
"""

from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

SALE_ABOVE_PRICE = "The sale price cannot exceed the price."
NEGATIVE_STOCK = "Stock cannot be negative: use 0 for sold out, or leave it empty for untracked."


def price_errors(
    *, fields: dict[str, Any], current: Any = None, price_fallback: Decimal | None = None
) -> dict[str, str]:
    """Rule breaks in a write of a product's or a variant's fields.

    Only rules the write touches are checked, so a row stored with an upstream quirk never
    blocks an unrelated edit. `current` is the stored row (None on create).
    """
    errors: dict[str, str] = {}
    if {"price", "sale_price"} & fields.keys():
        price = fields.get("price", getattr(current, "price", None))
        if price is None:
            price = price_fallback
        sale = fields.get("sale_price", getattr(current, "sale_price", None))
        if price is not None and sale is not None and sale > price:
            errors["sale_price"] = SALE_ABOVE_PRICE
    stock = fields.get("stock_quantity")
    if stock is not None and stock < 0:
        errors["stock_quantity"] = NEGATIVE_STOCK
    return errors


@dataclass
class Normalized:
    """Upstream values made to fit the rules, and what was changed, in words."""

    values: dict[str, Any]
    warnings: list[str] = field(default_factory=list)


def normalize_upstream(values: dict[str, Any], *, label: str = "") -> Normalized:
    """Fit one upstream product's or variant's values to the rules without refusing them."""
    result = Normalized(values=dict(values))
    prefix = f"{label}: " if label else ""
    price, sale = values.get("price"), values.get("sale_price")
    if price is not None and sale is not None and sale > price:
        result.values["sale_price"] = None
        result.warnings.append(f"{prefix}sale price {sale} above price {price} ignored")
    stock = values.get("stock_quantity")
    if stock is not None and stock < 0:
        result.values["stock_quantity"] = 0
        result.warnings.append(f"{prefix}stock {stock} stored as 0 (oversold)")
    return result
