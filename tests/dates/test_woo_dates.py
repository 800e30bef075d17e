"""WooCommerce sale dates and scheduled products: the mapper, the incremental pull's second
listing (`after`), and the plugin event fields."""

from datetime import UTC, datetime
from typing import Any

import pytest
import responses
from responses import matchers
from rest_framework.test import APIClient

from integrations.webhooks.models import WooCommerceEventLog
from integrations.webhooks.plugin_events import process_event
from integrations.woocommerce.mapper import MappingError, transform_product
from integrations.woocommerce.models import WooCommerceStore
from integrations.woocommerce.source import WooSource
from products_and_services.models import Product
from tenants.models import Tenant
from tests.webhooks.conftest import (  # noqa: F401  (fixtures)
    PLUGIN_WEBHOOK,
    make_token,
    plugin_client,
    plugin_event,
    woo_hook_store,
)
from tests.webhooks.conftest import woo_product as hook_product
from tests.webhooks.test_native_webhooks import accepted_log, post_woo

START = datetime(2026, 12, 7, tzinfo=UTC)
END = datetime(2026, 12, 14, 23, 59, 59, tzinfo=UTC)
API = "https://shop.example.com/wp-json/wc/v3/products"


def woo_product(pid: int = 414, **fields: Any) -> dict[str, Any]:
    product: dict[str, Any] = {
        "id": pid,
        "name": f"Lamp {pid}",
        "type": "simple",
        "status": "publish",
        "sku": f"LAMP-{pid}",
        "price": "40.00",
        "regular_price": "40.00",
        "sale_price": "30.00",
        "date_on_sale_from_gmt": "2026-12-07T00:00:00",
        "date_on_sale_to_gmt": "2026-12-14T23:59:59",
        "manage_stock": False,
        "stock_status": "instock",
        "date_modified_gmt": "2026-11-01T10:00:00",
    }
    product.update(fields)
    return product


# --- mapper ----------------------------------------------------------------------------------


def test_simple_product_carries_its_sale_window_to_the_default_variant() -> None:
    record = transform_product(woo_product(), [], external_id="woo_414", currency="EUR")
    assert (record.sale_starts_at, record.sale_ends_at) == (START, END)
    [default] = record.variants
    assert (default.sale_starts_at, default.sale_ends_at) == (START, END)


@pytest.mark.parametrize("empty", [None, ""])
def test_no_dates_mean_an_undated_sale(empty: str | None) -> None:
    record = transform_product(
        woo_product(date_on_sale_from_gmt=empty, date_on_sale_to_gmt=empty),
        [],
        external_id="woo_414",
        currency="EUR",
    )
    assert (record.sale_starts_at, record.sale_ends_at) == (None, None)


def test_variations_carry_their_own_windows() -> None:
    variations = [
        {
            "id": 5001,
            "sku": "LAMP-RED",
            "regular_price": "42.00",
            "sale_price": "35.00",
            "date_on_sale_from_gmt": "2026-12-20T08:00:00",
            "date_on_sale_to_gmt": None,
            "status": "publish",
            "attributes": [{"name": "Color", "option": "Red"}],
        },
        {
            "id": 5002,
            "sku": "LAMP-BLUE",
            "regular_price": "42.00",
            "sale_price": "",
            "status": "publish",
            "attributes": [{"name": "Color", "option": "Blue"}],
        },
    ]
    record = transform_product(
        woo_product(type="variable", date_on_sale_from_gmt=None, date_on_sale_to_gmt=None),
        variations,
        external_id="woo_414",
        currency="EUR",
    )
    assert [(v.sku, v.sale_starts_at, v.sale_ends_at) for v in record.variants] == [
        ("LAMP-RED", datetime(2026, 12, 20, 8, tzinfo=UTC), None),
        ("LAMP-BLUE", None, None),
    ]


def test_a_bad_date_fails_the_record_and_names_the_field() -> None:
    with pytest.raises(MappingError, match="date_on_sale_to_gmt is not a date: 'next week'"):
        transform_product(
            woo_product(date_on_sale_to_gmt="next week"), [], external_id="woo_1", currency="EUR"
        )


@pytest.mark.parametrize(("status", "active"), [("future", False), ("publish", True)])
def test_a_scheduled_product_is_stored_inactive(status: str, active: bool) -> None:
    record = transform_product(
        woo_product(status=status), [], external_id="woo_414", currency="EUR"
    )
    assert record.is_active is active


# --- the pull ---------------------------------------------------------------------------------


@pytest.fixture
def store(tenant: Tenant) -> WooCommerceStore:
    return WooCommerceStore.objects.create(
        tenant=tenant,
        store_url="https://shop.example.com",
        consumer_key="ck_x",
        consumer_secret="cs_x",
        currency="EUR",
    )


def listing(body: list[dict[str, Any]], **params: str) -> None:
    responses.get(
        API,
        json=body,
        headers={"X-WP-Total": str(len(body)), "X-WP-TotalPages": "1"},
        match=[
            matchers.query_param_matcher(
                {"page": "1", "per_page": "100", "orderby": "id", "order": "asc", **params}
            )
        ],
    )


@pytest.mark.django_db
@responses.activate
def test_incremental_pull_also_asks_for_products_published_since_the_bookmark(
    store: WooCommerceStore,
) -> None:
    since = datetime(2026, 11, 30, 12, 0, tzinfo=UTC)
    edited, published = woo_product(1), woo_product(2, date_modified_gmt="2026-11-01T10:00:00")
    stamp = {"dates_are_gmt": "true"}
    listing([edited], modified_after="2026-11-30T12:00:00", **stamp)
    # The edited product is published recently too: it comes back and is not stored twice.
    listing([edited, published], after="2026-11-30T12:00:00", **stamp)
    pages = list(WooSource(store).pages("incremental", since, []))
    assert [[r.external_id for r in page.records] for page in pages] == [["woo_1"], ["woo_2"]]
    assert [page.total for page in pages] == [1, None]
    assert len(responses.calls) == 2


@pytest.mark.django_db
@responses.activate
def test_full_pull_lists_once(store: WooCommerceStore) -> None:
    listing([woo_product(1), woo_product(2, status="future")])
    [page] = list(WooSource(store).pages("full", None, []))
    assert [(r.external_id, r.is_active) for r in page.records] == [
        ("woo_1", True),
        ("woo_2", False),
    ]
    assert len(responses.calls) == 1


# --- the plugin ------------------------------------------------------------------------------


def deliver(client: APIClient, body: dict[str, Any]) -> Product:
    response = client.post(PLUGIN_WEBHOOK, body, format="json")
    assert response.status_code == 202, response.json()
    process_event(WooCommerceEventLog.objects.get(event_id=body["event_id"]).pk)
    return Product.objects.get(external_id="woo_414")


@pytest.mark.django_db
def test_plugin_event_stores_the_sale_window(plugin_client: APIClient) -> None:  # noqa: F811
    product = deliver(
        plugin_client,
        plugin_event(
            sale_price="79.00",
            date_on_sale_from_gmt="2026-12-07T00:00:00",
            date_on_sale_to_gmt="2026-12-14T23:59:59",
        ),
    )
    assert (product.sale_starts_at, product.sale_ends_at) == (START, END)
    variant = product.variants.get()
    assert (variant.sale_starts_at, variant.sale_ends_at) == (START, END)


@pytest.mark.django_db
def test_plugin_event_with_empty_dates_clears_the_window(
    plugin_client: APIClient,  # noqa: F811
) -> None:
    deliver(plugin_client, plugin_event(sale_price="79.00", date_on_sale_from_gmt="2026-12-07"))
    product = deliver(
        plugin_client,
        plugin_event(
            "evt-2", sale_price="79.00", date_on_sale_from_gmt="", date_on_sale_to_gmt=None
        ),
    )
    assert (product.sale_starts_at, product.sale_ends_at) == (None, None)


@pytest.mark.django_db
def test_plugin_event_with_a_bad_date_is_refused_and_writes_nothing(
    plugin_client: APIClient,  # noqa: F811
) -> None:
    response = plugin_client.post(
        PLUGIN_WEBHOOK, plugin_event(date_on_sale_to_gmt="next week"), format="json"
    )
    assert response.status_code == 400
    assert list(response.json()["product"]) == ["date_on_sale_to_gmt"]
    assert WooCommerceEventLog.objects.count() == 0
    assert Product.objects.count() == 0


@pytest.mark.django_db
def test_plugin_scheduled_then_published_becomes_active(
    plugin_client: APIClient,  # noqa: F811
) -> None:
    scheduled = deliver(plugin_client, plugin_event(status="future"))
    assert scheduled.is_active is False
    published = deliver(plugin_client, plugin_event("evt-2", status="publish"))
    assert published.is_active is True


# --- native WooCommerce webhooks --------------------------------------------------------------


@pytest.mark.django_db
def test_native_webhook_stores_the_sale_window(woo_hook_store: WooCommerceStore) -> None:  # noqa: F811
    body = hook_product(
        sale_price="39.00",
        date_on_sale_from_gmt="2026-12-07T00:00:00",
        date_on_sale_to_gmt="2026-12-14T23:59:59",
    )
    log = accepted_log(post_woo(woo_hook_store, body))
    assert log.status == "success", log.error
    product = Product.objects.get(sku="STOVE-1")
    assert (product.sale_starts_at, product.sale_ends_at) == (START, END)
