"""Product → catalog item mapping: exact payloads, and properties over many inputs."""

import re
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from meta_integration.mapping import (
    DESCRIPTION_LIMIT,
    NO_IMAGE_REASON,
    NO_SALE_WINDOW,
    TITLE_LIMIT,
    HeldBack,
    ImageFacts,
    MappingContext,
    ProductFacts,
    VariantFacts,
    build_items,
    format_price,
    payload_hash,
    plain_text,
)
from products_and_services.currencies import iso_currency_codes

CONTEXT = MappingContext(
    default_currency="USD",
    default_link="https://shop.example.com/",
    brand_fallback="Acme Outdoor",
    include_images=False,
    media_base_url="https://cdn.example.com/media/",
)
PRICE_FORMAT = re.compile(r"^\d+\.\d{2} [A-Z]{3}$")


def facts(**overrides: object) -> ProductFacts:
    values: dict[str, object] = {
        "sku": "TENT-2P",
        "name": "Trail Tent",
        "description": "<p>Light &amp; <b>dry</b></p>",
        "short_description": "",
        "brand": "",
        "price": Decimal("189.5"),
        "sale_price": None,
        "currency": "EUR",
        "stock_quantity": 3,
        "is_active": True,
        "website_url": "",
    }
    values.update(overrides)
    return ProductFacts(**values)  # type: ignore[arg-type]


def variant(sku: str, **overrides: object) -> VariantFacts:
    values: dict[str, object] = {
        "sku": sku,
        "name": "",
        "price": None,
        "sale_price": None,
        "stock_quantity": 1,
        "options": {"Size": "M"},
        "is_active": True,
    }
    values.update(overrides)
    return VariantFacts(**values)  # type: ignore[arg-type]


def test_simple_product_maps_every_required_field() -> None:
    [item] = build_items(facts(), [], [], CONTEXT)
    assert item.retailer_id == "TENT-2P"
    assert item.data == {
        "id": "TENT-2P",
        "title": "Trail Tent",
        "description": "Light & dry",
        "condition": "new",
        "link": "https://shop.example.com/",
        "brand": "Acme Outdoor",
        "price": "189.50 EUR",
        "availability": "in stock",
        "sale_price_effective_date": NO_SALE_WINDOW,
    }


def test_sale_price_only_when_lower() -> None:
    [lower] = build_items(facts(sale_price=Decimal("150")), [], [], CONTEXT)
    [higher] = build_items(facts(sale_price=Decimal("200")), [], [], CONTEXT)
    assert lower.data["sale_price"] == "150.00 EUR"
    assert "sale_price" not in higher.data


def test_availability_from_stock() -> None:
    assert (
        build_items(facts(stock_quantity=None), [], [], CONTEXT)[0].data["availability"]
        == "in stock"
    )
    assert (
        build_items(facts(stock_quantity=0), [], [], CONTEXT)[0].data["availability"]
        == "out of stock"
    )
    assert (
        build_items(facts(stock_quantity=-2), [], [], CONTEXT)[0].data["availability"]
        == "out of stock"
    )


def test_inactive_or_skuless_products_map_to_nothing() -> None:
    assert build_items(facts(is_active=False), [], [], CONTEXT) == []
    assert build_items(facts(sku=""), [], [], CONTEXT) == []


def test_variants_become_grouped_items() -> None:
    items = build_items(
        facts(),
        [
            variant("TENT-2P-M", options={"Size": "M", "Color": "Red"}, price=Decimal("199")),
            variant("TENT-2P-L", options={"Size": "L"}, stock_quantity=0),
            variant("TENT-2P-OFF", is_active=False),
            variant(""),
            variant("TENT-2P"),
        ],
        [],
        CONTEXT,
    )
    assert [i.retailer_id for i in items] == ["TENT-2P-M", "TENT-2P-L"]
    assert {i.data["item_group_id"] for i in items} == {"TENT-2P"}
    assert items[0].data["additional_variant_attribute"] == "Size:M,Color:Red"
    assert items[0].data["price"] == "199.00 EUR"
    assert items[1].data["price"] == "189.50 EUR"
    assert items[1].data["availability"] == "out of stock"


def test_images_only_when_enabled_and_absolute() -> None:
    images = [ImageFacts(url="", file_name="product_images/tent.jpg")]
    assert "image_link" not in build_items(facts(), [], images, CONTEXT)[0].data
    enabled = MappingContext(**{**CONTEXT.__dict__, "include_images": True})
    [item] = build_items(facts(), [], images, enabled)
    assert item.data["image_link"] == "https://cdn.example.com/media/product_images/tent.jpg"
    [external] = build_items(
        facts(), [], [ImageFacts(url="https://img.example.com/a.png", file_name="")], enabled
    )
    assert external.data["image_link"] == "https://img.example.com/a.png"


def test_description_falls_back_to_short_description_then_title() -> None:
    assert (
        build_items(facts(description="", short_description="Short"), [], [], CONTEXT)[0].data[
            "description"
        ]
        == "Short"
    )
    assert (
        build_items(facts(description=""), [], [], CONTEXT)[0].data["description"] == "Trail Tent"
    )


def test_payload_hash_changes_with_content_only() -> None:
    a = build_items(facts(), [], [], CONTEXT)
    b = build_items(facts(), [], [], CONTEXT)
    c = build_items(facts(price=Decimal("190")), [], [], CONTEXT)
    assert payload_hash(a) == payload_hash(b)
    assert payload_hash(a) != payload_hash(c)


@given(
    amount=st.decimals(
        min_value=0, max_value=Decimal("999999999999.99"), places=2, allow_nan=False
    ),
    currency=st.sampled_from(sorted(iso_currency_codes())),
)
def test_prices_of_any_size_and_currency_format(amount: Decimal, currency: str) -> None:
    text = format_price(amount, currency)
    assert PRICE_FORMAT.match(text), text
    number, code = text.split(" ")
    assert code == currency
    assert Decimal(number) == amount


@given(name=st.text(min_size=1, max_size=400), description=st.text(max_size=12_000))
def test_long_text_stays_within_limits(name: str, description: str) -> None:
    [item] = build_items(facts(name=name, description=description), [], [], CONTEXT)
    title, text = item.data["title"], item.data["description"]
    assert 1 <= len(title) <= TITLE_LIMIT
    assert 1 <= len(text) <= DESCRIPTION_LIMIT
    expected_title = plain_text(name) or "TENT-2P"
    if len(expected_title) <= TITLE_LIMIT:
        assert title == expected_title
    else:
        assert title == expected_title[: TITLE_LIMIT - 1].rstrip() + "…"


def test_meta_text_limits_are_200_and_9999() -> None:
    """Regression (issue 11, finding 3b): Meta keeps titles up to 200 characters and
    descriptions up to 9,999 (Commerce Manager's product field reference); cutting at 100 and
    5,000 dropped text Meta would have kept."""
    assert (TITLE_LIMIT, DESCRIPTION_LIMIT) == (200, 9999)
    [item] = build_items(facts(name="t" * 200, description="d" * 9999), [], [], CONTEXT)
    assert (len(item.data["title"]), len(item.data["description"])) == (200, 9999)
    [cut] = build_items(facts(name="t" * 201, description="d" * 10_000), [], [], CONTEXT)
    assert cut.data["title"] == "t" * 199 + "…"
    assert cut.data["description"] == "d" * 9998 + "…"


def test_images_are_sent_by_default_and_a_product_without_one_is_held_back() -> None:
    """Regression (issue 11, finding 3): Meta requires an image on a new item, so images are on
    by default and a product with none is held back with its reason instead of sent to fail."""
    from django.conf import settings as django_settings

    assert django_settings.META_CATALOG_INCLUDE_IMAGES is True
    enabled = MappingContext(**{**CONTEXT.__dict__, "include_images": True})
    with pytest.raises(HeldBack) as held:
        build_items(facts(), [], [], enabled)
    assert held.value.reason == NO_IMAGE_REASON
    assert build_items(facts(is_active=False), [], [], enabled) == []  # nothing to hold
