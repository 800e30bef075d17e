"""Dates end to end, with a real worker: a sale scheduled for next week is not on sale in Meta
now (Meta holds its window), and a scheduled WooCommerce product that goes live reaches Meta
through the incremental pull although its modified date never changed."""

from collections.abc import Iterator
from datetime import timedelta
from decimal import Decimal
from typing import Any

import pytest
from django.utils import timezone

from integrations.engine.runs import execute_run, start_run
from integrations.models import SyncRun
from integrations.woocommerce.models import WooCommerceStore
from integrations.woocommerce.source import WooSource
from meta_integration.models import MetaAppConfig
from products_and_services.models import Product
from simulators.meta import shown_price
from tenants.models import Tenant
from tests.e2e.conftest import MetaHandle, WooHandle, create_with_image, wait_until

pytestmark = [pytest.mark.e2e, pytest.mark.services]


def test_a_sale_scheduled_for_next_week_is_not_on_sale_in_meta_now(
    celery_worker: Any, tenant: Tenant, e2e_meta_config: MetaAppConfig, meta_sim: MetaHandle
) -> None:
    now = timezone.now()
    starts, ends = now + timedelta(days=7), now + timedelta(days=14)
    create_with_image(
        tenant=tenant,
        fields={
            "name": "Desk lamp",
            "sku": "LAMP",
            "price": Decimal("40"),
            "sale_price": Decimal("30"),
            "sale_starts_at": starts,
            "sale_ends_at": ends,
        },
    )
    item = wait_until(lambda: meta_sim.items().get("LAMP"))
    assert (item["price"], item["sale_price"]) == ("40.00 USD", "30.00 USD")
    assert item["sale_price_effective_date"] == (
        f"{(starts + timedelta(minutes=1)).strftime('%Y-%m-%dT%H:%M')}+00:00/"
        f"{ends.strftime('%Y-%m-%dT%H:%M')}+00:00"
    )
    assert shown_price(item, now) == "40.00 USD"
    assert shown_price(item, starts + timedelta(days=1)) == "30.00 USD"
    assert shown_price(item, ends + timedelta(minutes=1)) == "40.00 USD"


@pytest.fixture
def small_woo() -> Iterator[WooHandle]:
    from simulators.base import SimulatorServer
    from simulators.woocommerce import WooCommerceSimulator

    with SimulatorServer(WooCommerceSimulator(products=5, variable_every=0)) as server:
        yield WooHandle(server.url)


def pull(store: WooCommerceStore, mode: str) -> SyncRun:
    run, _ = start_run(
        tenant=store.tenant,
        provider="woocommerce",
        connection_id=store.pk,
        trigger="api",
        mode=mode,
    )
    return execute_run(run, WooSource(store))


def test_a_scheduled_woocommerce_product_reaches_meta_when_it_goes_live(
    celery_worker: Any,
    tenant: Tenant,
    e2e_meta_config: MetaAppConfig,
    meta_sim: MetaHandle,
    small_woo: WooHandle,
) -> None:
    store = WooCommerceStore.objects.create(
        tenant=tenant,
        store_url=small_woo.url,
        consumer_key="ck_sim",
        consumer_secret="cs_sim",
        currency="EUR",
    )
    # Scheduled: WordPress stores the future publication date as the post date.
    small_woo.post(
        "/_sim/products/5", {"status": "future", "date_created_gmt": "2030-06-01T09:00:00"}
    )
    first = pull(store, "full")
    assert (first.status, first.created) == ("succeeded", 5)
    assert Product.objects.get(external_id="woo_5").is_active is False
    wait_until(lambda: len(meta_sim.items()) == 4)
    assert "WC-00005" not in meta_sim.items()

    small_woo.post("/_sim/products/5/publish")
    [published] = [p for p in small_woo.products() if p["id"] == 5]
    assert published["status"] == "publish"

    second = pull(store, "incremental")
    assert (second.status, second.processed, second.updated) == ("succeeded", 1, 1)
    assert Product.objects.get(external_id="woo_5").is_active is True
    item = wait_until(lambda: meta_sim.items().get("WC-00005"))
    assert (item["title"], item["price"]) == ("Woo product 5", "15.00 EUR")
