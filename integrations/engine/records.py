"""Typed records that provider mappers produce and the engine consumes."""

import hashlib
import json
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal


@dataclass(frozen=True)
class VariantRecord:
    external_id: str
    sku: str = ""
    name: str = ""
    price: Decimal | None = None
    sale_price: Decimal | None = None
    sale_starts_at: datetime | None = None
    sale_ends_at: datetime | None = None
    stock_quantity: int | None = None
    options: dict[str, str] = field(default_factory=dict)
    is_active: bool = True


@dataclass(frozen=True)
class ProductRecord:
    """One upstream product, already mapped to our vocabulary."""

    external_id: str
    name: str
    price: Decimal
    sku: str = ""
    description: str = ""
    short_description: str = ""
    brand: str = ""
    product_type: str = ""
    sale_price: Decimal | None = None
    sale_starts_at: datetime | None = None
    sale_ends_at: datetime | None = None
    currency: str = ""
    stock_quantity: int | None = None
    is_active: bool = True
    website_url: str = ""
    categories: tuple[str, ...] = ()
    tags: tuple[str, ...] = ()
    images: tuple[str, ...] = ()
    variants: tuple[VariantRecord, ...] = ()
    external_updated_at: datetime | None = None


def _plain(value: object) -> object:
    if isinstance(value, Decimal):
        return f"{value:f}"
    if isinstance(value, datetime):
        return value.isoformat()
    return value


def _variant_key(variant: VariantRecord) -> tuple[object, ...]:
    return (
        variant.external_id,
        variant.sku,
        variant.name,
        _plain(variant.price),
        _plain(variant.sale_price),
        _plain(variant.sale_starts_at),
        _plain(variant.sale_ends_at),
        variant.stock_quantity,
        sorted(variant.options.items()),
        variant.is_active,
    )


def record_hash(record: ProductRecord) -> str:
    """Equal hash ⇒ nothing upstream changed, so the row is not written at all.

    The upstream modification time is left out: a touch without a change is no change.
    Built field by field (not with `asdict`, which deep-copies) because it runs for every item.
    """
    key = (
        record.external_id,
        record.name,
        _plain(record.price),
        record.sku,
        record.description,
        record.short_description,
        record.brand,
        record.product_type,
        _plain(record.sale_price),
        _plain(record.sale_starts_at),
        _plain(record.sale_ends_at),
        record.currency,
        record.stock_quantity,
        record.is_active,
        record.website_url,
        record.categories,
        record.tags,
        record.images,
        [_variant_key(v) for v in record.variants],
    )
    return hashlib.sha256(json.dumps(key, ensure_ascii=False).encode()).hexdigest()
