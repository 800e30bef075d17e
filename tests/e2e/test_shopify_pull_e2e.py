"""Shopify pull end to end against the GraphQL simulator (1,000 products, a third variable)."""

from typing import Any

import pytest
import requests

from integrations.engine.runs import execute_run, start_run
from integrations.models import SyncRun, WebhookLog
from integrations.shopify.client import MAX_QUERY_COST, ShopifyClient
from integrations.shopify.models import ShopifyStore
from integrations.shopify.source import ShopifySource
from integrations.triggers import trigger_sync
from products_and_services.models import Product, ProductVariant
from tests.e2e.conftest import ShopHandle, wait_until

pytestmark = [pytest.mark.e2e]


def paced_client(store: ShopifyStore, sim: ShopHandle, **options: Any) -> ShopifyClient:
    """A client whose waits move the simulator's clock instead of sleeping, so the bucket
    refills exactly as it would have, without the test taking minutes."""

    def sleep(seconds: float) -> None:
        sim.post("/_sim/advance_clock", {"seconds": seconds})

    return ShopifyClient(store, sleep=sleep, **options)


def run(
    store: ShopifyStore, sim: ShopHandle, mode: str = "full", **options: Any
) -> tuple[SyncRun, ShopifySource]:
    sync_run, _ = start_run(
        tenant=store.tenant, provider="shopify", connection_id=store.pk, trigger="api", mode=mode
    )
    source = ShopifySource(store, client=paced_client(store, sim, **options))
    return execute_run(sync_run, source), source


def graphql_costs(sim: ShopHandle) -> list[int]:
    return [c["requested_cost"] for c in sim.calls() if "requested_cost" in c]


@pytest.mark.django_db
def test_full_unchanged_incremental_and_removed(
    shopify_store: ShopifyStore, shop_sim: ShopHandle
) -> None:
    first, source = run(shopify_store, shop_sim)
    assert (first.status, first.total, first.created, first.failed) == ("succeeded", 1000, 1000, 0)
    assert source.used_bulk is False
    assert Product.objects.count() == 1000
    assert ProductVariant.objects.count() == 333 * 3
    variable = Product.objects.get(external_id="gid://shopify/Product/3")
    assert (variable.sku, variable.currency, variable.brand, variable.description) == (
        "shopify-3",
        "CAD",
        "Sim Vendor",
        "Description of product 3",
    )
    assert list(variable.variants.order_by("position").values_list("sku", "options")) == [
        ("SH-00003-S0", {"Size": "S0"}),
        ("SH-00003-M1", {"Size": "M1"}),
        ("SH-00003-L2", {"Size": "L2"}),
    ]
    simple = Product.objects.get(external_id="gid://shopify/Product/1")
    assert (simple.sku, simple.stock_quantity, simple.variants.count()) == ("SH-00001", 1, 0)
    costs = graphql_costs(shop_sim)
    assert max(costs) <= MAX_QUERY_COST
    assert source.client.max_requested == max(costs)
    assert shop_sim.stats()["max_requested_cost"] == max(costs)

    second, _ = run(shopify_store, shop_sim)
    assert (second.created, second.updated, second.unchanged) == (0, 0, 1000)

    edited = [5 * n + 1 for n in range(10)]
    for number in edited:
        shop_sim.post(f"/_sim/products/{number}", {"variant": {"price": "99.00"}})
    third, _ = run(shopify_store, shop_sim, mode="incremental")
    assert (third.status, third.updated, third.created) == ("succeeded", 10, 0)
    assert set(Product.objects.filter(price=99).values_list("external_id", flat=True)) == {
        f"gid://shopify/Product/{n}" for n in edited
    }

    requests.delete(f"{shop_sim.url}/_sim/products/{edited[0]}", timeout=5).raise_for_status()
    fourth, _ = run(shopify_store, shop_sim)
    assert (fourth.status, fourth.deactivated) == ("succeeded", 1)
    assert Product.objects.get(external_id=f"gid://shopify/Product/{edited[0]}").is_active is False
    assert (
        list(WebhookLog.objects.values_list("provider", "event", "status"))
        == [("shopify", "product_sync", "success")] * 4
    )
    assert set(WebhookLog.objects.values_list("connection_id", flat=True)) == {shopify_store.pk}
    assert max(graphql_costs(shop_sim)) <= MAX_QUERY_COST


@pytest.mark.django_db
def test_fault_part_way_deactivates_nothing(
    shopify_store: ShopifyStore, shop_sim: ShopHandle
) -> None:
    run(shopify_store, shop_sim)
    requests.delete(f"{shop_sim.url}/_sim/products/1", timeout=5).raise_for_status()
    shop_sim.configure(fail_products_call={"call": 5, "times": 99})
    with pytest.raises(Exception, match="HTTP 500"):
        run(shopify_store, shop_sim, max_retries=2)
    failed = SyncRun.objects.order_by("-pk").first()
    per_page = len([c for c in shop_sim.calls() if c["kind"] == "graphql" and c.get("actual_cost")])
    assert per_page > 0
    assert (failed.status, failed.deactivated) == ("failed", 0)
    assert failed.processed == 4 * 29  # four pages of 29 products got in before the fault
    assert Product.objects.get(external_id="gid://shopify/Product/1").is_active is True


@pytest.mark.django_db
@pytest.mark.parametrize("http_status", [200, 429])
def test_throttled_answers_are_waited_out(
    shopify_store: ShopifyStore, shop_sim: ShopHandle, http_status: int
) -> None:
    # Another app just spent the bucket, and the run's first query finds it empty.
    shop_sim.configure(throttled_http_status=http_status, throttle_next=1)
    shop_sim.post("/_sim/bucket", {"available": 0})
    finished, _ = run(shopify_store, shop_sim)
    assert (finished.status, finished.created) == ("succeeded", 1000)
    throttled = [c for c in shop_sim.calls() if c.get("throttled")]
    # One THROTTLED answer; from then on the client waits what the bucket it read needs.
    assert [(c["kind"], c["status"]) for c in throttled] == [("graphql", http_status)]
    assert shop_sim.stats()["throttled"] == 1


@pytest.mark.django_db
def test_large_full_sync_goes_through_a_bulk_operation(
    shopify_store: ShopifyStore, shop_sim: ShopHandle, settings: Any
) -> None:
    settings.SHOPIFY_BULK_POLL_SECONDS = 0
    shop_sim.post("/_sim/seed", {"count": 3000})
    finished, source = run(shopify_store, shop_sim)
    assert source.used_bulk is True
    assert (finished.status, finished.total, finished.created) == ("succeeded", 3000, 3000)
    assert ProductVariant.objects.count() == 1000 * 3
    kinds = [c["kind"] for c in shop_sim.calls()]
    # count, start, two polls (RUNNING, COMPLETED), one download: no products pages at all.
    assert kinds == ["graphql", "graphql", "graphql", "graphql", "bulk_download"]


@pytest.mark.django_db
@pytest.mark.parametrize(("outcome", "code"), [("FAILED", "ACCESS_DENIED"), ("EXPIRED", None)])
def test_bulk_operation_that_ends_badly_fails_the_run(
    shopify_store: ShopifyStore,
    shop_sim: ShopHandle,
    settings: Any,
    outcome: str,
    code: str | None,
) -> None:
    settings.SHOPIFY_BULK_POLL_SECONDS = 0
    shop_sim.post("/_sim/seed", {"count": 2500})
    shop_sim.configure(bulk_outcome=outcome, bulk_error_code=code)
    with pytest.raises(Exception, match=f"bulk operation {outcome.lower()}"):
        run(shopify_store, shop_sim)
    failed = SyncRun.objects.get()
    assert failed.status == "failed"
    assert failed.message == f"Shopify bulk operation {outcome.lower()}: {code or 'no error code'}"
    assert Product.objects.count() == 0


@pytest.mark.services
def test_sync_through_the_worker(celery_worker: Any, shopify_store: ShopifyStore) -> None:
    ShopHandle(shopify_store.shop_domain).configure(restore_rate=1000.0)  # a Plus plan's rate
    result = trigger_sync(
        tenant=shopify_store.tenant,
        provider="shopify",
        connection_id=shopify_store.pk,
        trigger="api",
    )
    done = wait_until(
        lambda: (lambda r: r if not r.is_active else None)(SyncRun.objects.get(pk=result.run.pk)),
        timeout=120,
    )
    assert (done.status, done.created) == ("succeeded", 1000)
    assert Product.objects.filter(external_source="shopify").count() == 1000


def stored_catalog() -> dict[str, Any]:
    """Every stored product field a pull writes, with its variants, by external id."""
    fields = [
        f.name
        for f in Product._meta.concrete_fields
        if f.name not in NOT_PULLED and not f.name.startswith("meta_")
    ]
    return {
        p.external_id: (
            {name: getattr(p, name) for name in fields},
            sorted(
                p.variants.values_list("sku", "price", "sale_price", "stock_quantity", "options")
            ),
            sorted(p.images.values_list("url", flat=True)),
        )
        for p in Product.objects.prefetch_related("variants", "images")
    }


NOT_PULLED = {"id", "created_at", "updated_at"}  # and the meta_* push bookkeeping


@pytest.mark.django_db
def test_bulk_and_paged_pulls_store_the_same_catalog(
    shopify_store: ShopifyStore, shop_sim: ShopHandle, settings: Any
) -> None:
    """Regression (finding 2): the simulator's bulk export now writes only what the query
    selects, so the bulk query must select every field the paged query (and the mapper) reads;
    an ungrouped export (groupObjects: false) must rebuild the same products. The download goes
    to the signed URL without the shop's token (finding 6)."""
    settings.SHOPIFY_BULK_POLL_SECONDS = 0
    shop_sim.post("/_sim/seed", {"count": 90})
    settings.SHOPIFY_BULK_THRESHOLD = 10_000
    paged, source = run(shopify_store, shop_sim)
    assert (paged.status, paged.created, source.used_bulk) == ("succeeded", 90, False)
    by_pages = stored_catalog()
    Product.objects.all().delete()
    settings.SHOPIFY_BULK_THRESHOLD = 0
    bulk, source = run(shopify_store, shop_sim)
    assert (bulk.status, bulk.created, source.used_bulk) == ("succeeded", 90, True)
    by_bulk = stored_catalog()
    assert by_bulk.keys() == by_pages.keys()
    differing = {
        ref: sorted(k for k in by_pages[ref][0] if by_pages[ref][0][k] != by_bulk[ref][0][k])
        + (["variants"] if by_pages[ref][1] != by_bulk[ref][1] else [])
        + (["images"] if by_pages[ref][2] != by_bulk[ref][2] else [])
        for ref in by_pages
    }
    assert {ref: names for ref, names in differing.items() if names} == {}
    [download] = [c for c in shop_sim.calls() if c["kind"] == "bulk_download"]
    assert (download["status"], download["shop_token_sent"]) == (200, False)
