"""Product → Meta catalog items: pure functions, no database or network.

One product becomes one item, or, when it has active variants with their own
SKUs, one item per variant grouped by `item_group_id` = the product's retailer id.
"""

import hashlib
import html
import json
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal
from urllib.parse import urljoin

from django.utils.html import strip_tags

from products_and_services.currencies import conversion, iso_currency_codes

# Meta's product-item field limits (Commerce Manager's catalog field reference): a longer
# title or description is refused, a shorter cap would cut text Meta would keep.
TITLE_LIMIT = 200
DESCRIPTION_LIMIT = 9999
BRAND_LIMIT = 100
_SPACES = re.compile(r"\s+")
_CENTS = Decimal("0.01")
# Meta wants both ends of a sale window; an open end is sent as one of these instants.
SALE_OPEN_START = datetime(1970, 1, 1, tzinfo=UTC)
SALE_OPEN_END = datetime(2099, 12, 31, 23, 59, tzinfo=UTC)
# Sent when there is no sale: Meta keeps fields an UPDATE leaves out, so a sale it holds from an
# earlier push is ended by a window that closed long ago rather than left running.
NO_SALE_WINDOW = "1970-01-01T00:00+00:00/1970-01-01T00:01+00:00"
_MINUTE = timedelta(minutes=1)


@dataclass(frozen=True)
class MappingContext:
    """What the mapping needs beyond the product: config and tenant facts."""

    default_currency: str
    default_link: str
    brand_fallback: str
    include_images: bool
    media_base_url: str
    # The config's `currency_mapping`: shop code → {"currency": ISO code, "rate": "10"}.
    currency_mapping: Mapping[str, Mapping[str, str]] = field(default_factory=dict)


@dataclass(frozen=True)
class ProductFacts:
    """The product fields the mapping reads (a plain snapshot of a Product row)."""

    sku: str
    name: str
    description: str
    short_description: str
    brand: str
    price: Decimal
    sale_price: Decimal | None
    currency: str
    stock_quantity: int | None
    is_active: bool
    website_url: str
    sale_starts_at: datetime | None = None
    sale_ends_at: datetime | None = None


@dataclass(frozen=True)
class VariantFacts:
    sku: str
    name: str
    price: Decimal | None
    sale_price: Decimal | None
    stock_quantity: int | None
    options: dict[str, str]
    is_active: bool
    sale_starts_at: datetime | None = None
    sale_ends_at: datetime | None = None


@dataclass(frozen=True)
class ImageFacts:
    url: str
    file_name: str


class HeldBack(Exception):
    """This product cannot go to Meta as it stands (no image, no currency mapping, a clash).

    It is not sent and costs no attempt; the reason is shown on the product until fixed.
    """

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True)
class CatalogItem:
    retailer_id: str
    data: dict[str, str]


def plain_text(value: str) -> str:
    """Strip HTML tags and entities and fold whitespace (text without "<" has no tags: it
    skips strip_tags, whose lazy-text wrapper costs more than the check on plain text)."""
    text = str(value or "")
    if "<" in text:
        text = strip_tags(text)
    return _SPACES.sub(" ", html.unescape(text)).strip()


def truncate(text: str, limit: int) -> str:
    if len(text) <= limit:
        return text
    return text[: limit - 1].rstrip() + "…"


def format_price(amount: Decimal, currency: str) -> str:
    """Meta wants a string: amount with two decimals, a space, the ISO code."""
    quantized = amount.quantize(_CENTS, rounding=ROUND_HALF_UP)
    return f"{quantized:f} {currency.upper()}"


def availability(stock_quantity: int | None) -> str:
    return "in stock" if stock_quantity is None or stock_quantity > 0 else "out of stock"


def variant_attributes(options: dict[str, str]) -> str:
    """`Size:M,Color:Red`; separators inside names or values would break the format."""

    def clean(text: str) -> str:
        return plain_text(str(text)).replace(",", " ").replace(":", " ").strip()

    return ",".join(f"{clean(k)}:{clean(v)}" for k, v in options.items() if clean(k) and clean(v))


def image_link(images: Sequence[ImageFacts], context: MappingContext) -> str | None:
    if not context.include_images or not images:
        return None
    first = images[0]
    if first.url:
        return first.url
    if first.file_name:
        return urljoin(context.media_base_url.rstrip("/") + "/", first.file_name)
    return None


NO_IMAGE_REASON = (
    "Held back from Meta: it has no image, and Meta refuses a new item without one. "
    "Add an image (an upload or a URL) to this product."
)


def eligible_variants(
    product: ProductFacts, variants: Iterable[VariantFacts]
) -> list[VariantFacts]:
    """Active variants with their own SKU (a default variant sharing the parent SKU is not one)."""
    return [v for v in variants if v.is_active and v.sku and v.sku != product.sku]


def _base_fields(product: ProductFacts, context: MappingContext) -> dict[str, str]:
    title = truncate(plain_text(product.name) or product.sku, TITLE_LIMIT)
    description = plain_text(product.description) or plain_text(product.short_description) or title
    return {
        "title": title,
        "description": truncate(description, DESCRIPTION_LIMIT),
        "condition": "new",
        "link": product.website_url or context.default_link,
        "brand": truncate(plain_text(product.brand) or context.brand_fallback, BRAND_LIMIT),
    }


@dataclass(frozen=True)
class MetaCurrency:
    """The ISO code Meta sees and what a shop price is multiplied by to get there."""

    code: str
    rate: Decimal = Decimal(1)


def meta_currency(code: str, context: MappingContext) -> MetaCurrency:
    """A mapped currency converts; an ISO one goes as it is; anything else is held back."""
    mapped = conversion(dict(context.currency_mapping), code)
    if mapped is not None:
        return MetaCurrency(code=mapped[0], rate=mapped[1])
    if code in iso_currency_codes():
        return MetaCurrency(code=code)
    raise HeldBack(
        f"Not sent to Meta: Meta takes ISO 4217 prices and this catalog has no currency "
        f"mapping for {code} (add one in the Meta config, e.g. IRT → IRR at rate 10)."
    )


def _meta_instant(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M+00:00")


def sale_effective_date(starts: datetime | None, ends: datetime | None) -> str | None:
    """Meta's `start/end` range (minutes, UTC), kept inside the window; None if it never opens.

    Meta counts in minutes, so the start is rounded up and the end down: the sale is never
    shown outside the merchant's window. An open end becomes a far-away instant.
    """
    start = SALE_OPEN_START
    if starts is not None:
        floor = starts.replace(second=0, microsecond=0)
        start = floor if floor == starts else floor + _MINUTE
    end = SALE_OPEN_END if ends is None else ends.replace(second=0, microsecond=0)
    if end <= start:
        return None
    return f"{_meta_instant(start)}/{_meta_instant(end)}"


def _price_fields(
    price: Decimal,
    sale_price: Decimal | None,
    currency: MetaCurrency,
    sale_starts_at: datetime | None = None,
    sale_ends_at: datetime | None = None,
) -> dict[str, str]:
    """The price, and the sale price with its window.

    Every item carries `sale_price_effective_date`, so Meta itself starts and ends a sale on
    time and a sale removed here ends there too (an undated sale gets an open window, no sale
    a window long closed); the payload depends only on stored data, never on the clock.
    """
    fields = {"price": format_price(price * currency.rate, currency.code)}
    window = None
    if sale_price is not None and sale_price < price:  # no window to format without a sale
        window = sale_effective_date(sale_starts_at, sale_ends_at)
    if window is None:
        fields["sale_price_effective_date"] = NO_SALE_WINDOW
        return fields
    fields["sale_price_effective_date"] = window
    fields["sale_price"] = format_price(sale_price * currency.rate, currency.code)
    return fields


def build_items(
    product: ProductFacts,
    variants: Sequence[VariantFacts],
    images: Sequence[ImageFacts],
    context: MappingContext,
) -> list[CatalogItem]:
    """The items Meta should hold for this product; empty when it must hold none."""
    if not product.is_active or not product.sku:
        return []
    currency = meta_currency(product.currency or context.default_currency, context)
    base = _base_fields(product, context)
    link = image_link(images, context)
    if link:
        base["image_link"] = link
    elif context.include_images:
        raise HeldBack(NO_IMAGE_REASON)
    grouped = eligible_variants(product, variants)
    if not grouped:
        data = {
            "id": product.sku,
            **base,
            **_price_fields(
                product.price,
                product.sale_price,
                currency,
                product.sale_starts_at,
                product.sale_ends_at,
            ),
            "availability": availability(product.stock_quantity),
        }
        return [CatalogItem(retailer_id=product.sku, data=data)]
    items = []
    for variant in grouped:
        # A variant with its own price has its own sale; otherwise it follows the product's.
        own = variant if variant.price is not None else product
        price = variant.price if variant.price is not None else product.price
        data = {
            "id": variant.sku,
            **base,
            **_price_fields(price, own.sale_price, currency, own.sale_starts_at, own.sale_ends_at),
            "availability": availability(variant.stock_quantity),
            "item_group_id": product.sku,
        }
        attributes = variant_attributes(variant.options)
        if attributes:
            data["additional_variant_attribute"] = attributes
        items.append(CatalogItem(retailer_id=variant.sku, data=data))
    return items


def payload_hash(items: Sequence[CatalogItem]) -> str:
    """Identical hash ⇒ identical items; such a product need not be sent again."""
    body = sorted((item.retailer_id, sorted(item.data.items())) for item in items)
    return hashlib.sha256(json.dumps(body).encode()).hexdigest()
