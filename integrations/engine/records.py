"""Typed records that provider mappers produce and the engine consumes."""

import hashlib
import json
from dataclasses import asdict, dataclass, field
from datetime import datetime
from decimal import Decimal


@dataclass(frozen=True)
class VariantRecord:
    external_id: str
    sku: str = ""
    name: str = ""
    price: Decimal | None = None
    sale_price: Decimal | None = None
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
    currency: str = ""
    stock_quantity: int | None = None
    is_active: bool = True
    website_url: str = ""
    categories: tuple[str, ...] = ()
    tags: tuple[str, ...] = ()
    images: tuple[str, ...] = ()
    variants: tuple[VariantRecord, ...] = ()
    external_updated_at: datetime | None = None


def _default(value: object) -> str:
    if isinstance(value, Decimal):
        return f"{value:f}"
    if isinstance(value, datetime):
        return value.isoformat()
    raise TypeError(type(value).__name__)


def record_hash(record: ProductRecord) -> str:
    """Equal hash ⇒ nothing upstream changed, so the row is not written at all.

    The upstream modification time is left out: a touch without a change is no change.
    """
    body = asdict(record)
    body.pop("external_updated_at")
    return hashlib.sha256(json.dumps(body, default=_default, sort_keys=True).encode()).hexdigest()
