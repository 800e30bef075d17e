"""WooCommerce pull end to end against the simulator (1,000 products, a third variable)."""

from typing import Any

import pytest
import requests

from integrations.engine.runs import execute_run, start_run
from integrations.models import SyncRun, WebhookLog
from integrations.triggers import trigger_sync
from integrations.woocommerce.client import WooClient
from integrations.woocommerce.models import WooCommerceStore
from integrations.woocommerce.source import WooSource
from products_and_services.models import Product, ProductVariant
from tests.e2e.conftest import WooHandle, wait_until

pytestmark = [pytest.mark.e2e]


def run(store: WooCommerceStore, mode: str = "full", client: WooClient | None = None) -> SyncRun:
    sync_run, _ = start_run(
        tenant=store.tenant,
        provider="woocommerce",
        connection_id=store.pk,
        trigger="api",
        mode=mode,
    )
    return execute_run(sync_run, WooSource(store, client=client))


@pytest.mark.django_db
def test_full_unchanged_incremental_and_removed(
    woo_store: WooCommerceStore, woo_sim: WooHandle
) -> None:
    first = run(woo_store)
    assert (first.status, first.total, first.created, first.failed) == ("succeeded", 1000, 1000, 0)
    assert Product.objects.count() == 1000
    assert ProductVariant.objects.count() == 667 + 333 * 3
    variable = Product.objects.get(external_id="woo_3")
    assert sorted(variable.variants.values_list("sku", flat=True)) == [
        "WC-00003-L",
        "WC-00003-M",
        "WC-00003-S",
    ]
    assert variable.currency == "EUR"

    second = run(woo_store)
    assert (second.created, second.updated, second.unchanged) == (0, 0, 1000)

    edited = [p["id"] for p in woo_sim.products()[:10]]
    for pid in edited:
        woo_sim.post(f"/_sim/products/{pid}", {"regular_price": "99.00", "price": "99.00"})
    third = run(woo_store, mode="incremental")
    assert (third.processed, third.updated, third.created) == (10, 10, 0)
    assert set(Product.objects.filter(price=99).values_list("external_id", flat=True)) == {
        f"woo_{p}" for p in edited
    }

    requests.delete(f"{woo_sim.url}/_sim/products/{edited[0]}", timeout=5).raise_for_status()
    fourth = run(woo_store)
    assert fourth.deactivated == 1
    assert Product.objects.get(external_id=f"woo_{edited[0]}").is_active is False
    logs = list(
        WebhookLog.objects.order_by("received_at").values_list(
            "provider", "event", "status", "payload"
        )
    )
    assert [row[:3] for row in logs] == [("woocommerce", "product_sync", "success")] * 4
    assert {
        k: logs[0][3][k] for k in ("created", "updated", "unchanged", "deactivated", "failed")
    } == {
        "created": 1000,
        "updated": 0,
        "unchanged": 0,
        "deactivated": 0,
        "failed": 0,
    }


@pytest.mark.django_db
def test_fault_part_way_deactivates_nothing(
    woo_store: WooCommerceStore, woo_sim: WooHandle
) -> None:
    run(woo_store)
    requests.delete(f"{woo_sim.url}/_sim/products/1", timeout=5).raise_for_status()
    woo_sim.configure(fail_on_page={"page": 5, "times": 99})
    with pytest.raises(Exception, match="HTTP 500"):
        run(woo_store, client=WooClient(woo_store, sleep=lambda s: None, max_retries=2))
    failed = SyncRun.objects.order_by("-pk").first()
    assert (failed.status, failed.processed, failed.deactivated) == ("failed", 400, 0)
    log = WebhookLog.objects.order_by("-received_at").first()
    assert (log.status, log.payload["status"], log.error) == ("error", "failed", failed.message)
    assert Product.objects.get(external_id="woo_1").is_active is True


@pytest.mark.django_db
def test_429_is_waited_out(woo_store: WooCommerceStore, woo_sim: WooHandle, settings: Any) -> None:
    # One request at a time: with several threads each advancing the simulator's clock, how
    # many 429s one request meets depended on the machine's load (it flaked under load).
    settings.WOO_VARIATION_CONCURRENCY = 1
    woo_sim.configure(requests_per_minute=5)
    waits: list[float] = []

    def sleep(seconds: float) -> None:
        waits.append(seconds)
        woo_sim.post("/_sim/advance_clock", {"seconds": seconds})

    finished = run(woo_store, client=WooClient(woo_store, sleep=sleep))
    assert (finished.status, finished.created) == ("succeeded", 1000)
    assert waits and all(w >= 1 for w in waits)


@pytest.mark.services
def test_sync_through_the_worker(celery_worker: Any, woo_store: WooCommerceStore) -> None:
    result = trigger_sync(
        tenant=woo_store.tenant, provider="woocommerce", connection_id=woo_store.pk, trigger="api"
    )
    done = wait_until(
        lambda: (lambda r: r if not r.is_active else None)(SyncRun.objects.get(pk=result.run.pk)),
        timeout=120,
    )
    assert (done.status, done.created) == ("succeeded", 1000)
