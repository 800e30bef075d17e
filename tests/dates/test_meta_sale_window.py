"""Sale windows in Meta: `sale_price_effective_date`, so Meta starts and ends a sale itself."""

from datetime import UTC, datetime, timedelta, timezone
from decimal import Decimal

import pytest
import time_machine

from meta_integration.mapping import (
    NO_SALE_WINDOW,
    ImageFacts,
    MappingContext,
    ProductFacts,
    VariantFacts,
    build_items,
    payload_hash,
    sale_effective_date,
)
from simulators.meta import MetaSimulator, sale_window, shown_price

CONTEXT = MappingContext(
    default_currency="USD",
    default_link="https://shop.example.com/",
    brand_fallback="Acme",
    include_images=False,
    media_base_url="https://cdn.example.com/",
)
START = datetime(2026, 12, 7, 0, 0, tzinfo=UTC)
END = datetime(2026, 12, 14, 23, 59, 59, tzinfo=UTC)


def facts(**overrides: object) -> ProductFacts:
    values: dict[str, object] = {
        "sku": "LAMP",
        "name": "Lamp",
        "description": "A lamp.",
        "short_description": "",
        "brand": "",
        "price": Decimal("40"),
        "sale_price": Decimal("30"),
        "currency": "EUR",
        "stock_quantity": None,
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
        "options": {"Color": sku},
        "is_active": True,
    }
    values.update(overrides)
    return VariantFacts(**values)  # type: ignore[arg-type]


OPEN = "1970-01-01T00:00+00:00/2099-12-31T23:59+00:00"


def prices(product: ProductFacts, variants: list[VariantFacts] | None = None) -> dict[str, dict]:
    items = build_items(product, variants or [], [], CONTEXT)
    keys = ("price", "sale_price", "sale_price_effective_date")
    return {i.retailer_id: {k: i.data[k] for k in keys if k in i.data} for i in items}


def test_an_undated_sale_runs_in_an_open_window() -> None:
    """Sent explicitly, so a window from an earlier push does not linger in Meta."""
    assert prices(facts()) == {
        "LAMP": {"price": "40.00 EUR", "sale_price": "30.00 EUR", "sale_price_effective_date": OPEN}
    }


def test_no_sale_sends_a_window_long_closed() -> None:
    """Meta keeps fields an UPDATE leaves out: a sale removed here must end there too."""
    assert prices(facts(sale_price=None)) == {
        "LAMP": {"price": "40.00 EUR", "sale_price_effective_date": NO_SALE_WINDOW}
    }


def test_a_dated_sale_carries_its_window_in_meta_format() -> None:
    assert prices(facts(sale_starts_at=START, sale_ends_at=END)) == {
        "LAMP": {
            "price": "40.00 EUR",
            "sale_price": "30.00 EUR",
            "sale_price_effective_date": "2026-12-07T00:00+00:00/2026-12-14T23:59+00:00",
        }
    }


def test_the_window_is_written_in_utc_and_rounded_inwards() -> None:
    tehran = datetime(2026, 12, 7, 3, 30, 20, tzinfo=UTC).astimezone(
        timezone(timedelta(hours=3, minutes=30))
    )
    window = sale_effective_date(tehran, datetime(2026, 12, 8, 10, 15, 59, tzinfo=UTC))
    # Start 03:30:20 rounds up to 03:31, end 10:15:59 down to 10:15: never outside the window.
    assert window == "2026-12-07T03:31+00:00/2026-12-08T10:15+00:00"


def test_open_ends_become_far_instants() -> None:
    assert sale_effective_date(START, None) == "2026-12-07T00:00+00:00/2099-12-31T23:59+00:00"
    assert sale_effective_date(None, END) == "1970-01-01T00:00+00:00/2026-12-14T23:59+00:00"


@pytest.mark.parametrize(
    ("starts", "ends"),
    [
        (END, START),  # ends before it starts (upstream data)
        (START, START),
        (datetime(2026, 12, 7, 0, 0, 10, tzinfo=UTC), datetime(2026, 12, 7, 0, 0, 50, tzinfo=UTC)),
    ],
)
def test_a_window_that_never_opens_sends_no_sale(starts: datetime, ends: datetime) -> None:
    assert sale_effective_date(starts, ends) is None
    assert prices(facts(sale_starts_at=starts, sale_ends_at=ends)) == {
        "LAMP": {"price": "40.00 EUR", "sale_price_effective_date": NO_SALE_WINDOW}
    }


def test_no_sale_when_the_sale_is_not_lower_even_with_a_window() -> None:
    product = facts(sale_price=Decimal("40"), sale_starts_at=START, sale_ends_at=END)
    assert prices(product) == {
        "LAMP": {"price": "40.00 EUR", "sale_price_effective_date": NO_SALE_WINDOW}
    }


def test_variants_use_their_own_window_or_the_products() -> None:
    product = facts(sale_starts_at=START, sale_ends_at=END)
    own = variant(
        "RED",
        price=Decimal("50"),
        sale_price=Decimal("45"),
        sale_starts_at=datetime(2026, 12, 20, tzinfo=UTC),
    )
    inherited = variant("BLUE")
    undated = variant("GREEN", price=Decimal("50"), sale_price=Decimal("44"))
    assert prices(product, [own, inherited, undated]) == {
        "RED": {
            "price": "50.00 EUR",
            "sale_price": "45.00 EUR",
            "sale_price_effective_date": "2026-12-20T00:00+00:00/2099-12-31T23:59+00:00",
        },
        "BLUE": {
            "price": "40.00 EUR",
            "sale_price": "30.00 EUR",
            "sale_price_effective_date": "2026-12-07T00:00+00:00/2026-12-14T23:59+00:00",
        },
        "GREEN": {
            "price": "50.00 EUR",
            "sale_price": "44.00 EUR",
            "sale_price_effective_date": OPEN,
        },
    }


def test_the_payload_does_not_depend_on_the_clock() -> None:
    """Meta applies the window, so a window opening or closing needs no re-push."""
    product = facts(sale_starts_at=START, sale_ends_at=END)
    hashes = set()
    for moment in ("2026-11-30", "2026-12-10", "2026-12-31"):
        with time_machine.travel(datetime.fromisoformat(moment + "T12:00+00:00"), tick=False):
            hashes.add(payload_hash(build_items(product, [], [], CONTEXT)))
    assert len(hashes) == 1


def test_the_changed_window_changes_the_payload() -> None:
    first = payload_hash(build_items(facts(sale_starts_at=START), [], [], CONTEXT))
    second = payload_hash(build_items(facts(sale_starts_at=END), [], [], CONTEXT))
    assert first != second


def test_meta_simulator_shows_the_sale_only_inside_its_window() -> None:
    [item] = build_items(facts(sale_starts_at=START, sale_ends_at=END), [], [], CONTEXT)
    assert shown_price(item.data, datetime(2026, 12, 6, 23, 59, tzinfo=UTC)) == "40.00 EUR"
    assert shown_price(item.data, datetime(2026, 12, 7, 0, 0, tzinfo=UTC)) == "30.00 EUR"
    assert shown_price(item.data, datetime(2026, 12, 14, 23, 59, tzinfo=UTC)) == "30.00 EUR"
    assert shown_price(item.data, datetime(2026, 12, 15, 0, 0, tzinfo=UTC)) == "40.00 EUR"
    [undated] = build_items(facts(), [], [], CONTEXT)
    assert shown_price(undated.data, datetime(1999, 1, 1, tzinfo=UTC)) == "30.00 EUR"


@pytest.mark.parametrize(
    "value",
    [
        "2026-12-07/2026-12-14",  # no time
        "2026-12-07T00:00/2026-12-14T23:59",  # no zone
        "2026-12-07T00:00+00:00",  # one end only
        "2026-12-14T00:00+00:00/2026-12-07T00:00+00:00",  # backwards
        "",
    ],
)
def test_meta_simulator_rejects_a_malformed_window(value: str) -> None:
    sim = MetaSimulator()
    data = {
        "id": "LAMP",
        "title": "Lamp",
        "description": "A lamp.",
        "availability": "in stock",
        "condition": "new",
        "price": "40.00 EUR",
        "sale_price": "30.00 EUR",
        "link": "https://shop.example.com/",
        "brand": "Acme",
        "sale_price_effective_date": value,
    }
    problem = sim._validate("UPDATE", data, exists=False, upsert=True)
    assert problem is not None and problem.startswith(
        f"Invalid sale_price_effective_date: '{value}'"
    )
    assert sale_window(value) is None


def test_meta_simulator_accepts_what_the_mapping_sends() -> None:
    sim = MetaSimulator()
    images = [ImageFacts(url="https://img.example.com/lamp.jpg", file_name="")]
    with_images = MappingContext(**{**CONTEXT.__dict__, "include_images": True})
    [item] = build_items(facts(sale_starts_at=START), [], images, with_images)
    assert sim._validate("UPDATE", item.data, exists=False, upsert=True) is None
