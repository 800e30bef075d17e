"""Pull 10,000 Shopify products with 3 variants each, paged and as a bulk operation.

Both run at 50 ms a call against the GraphQL simulator in its own process, with a
Standard plan's bucket (1,000 points, restored at 100 points/s). The paged path's floor
is the throttle: the points the queries actually cost, less the full bucket we start
with, divided by the restore rate. The bulk path is not throttled; its floor is the
calls it must make at 50 ms each (count, start, the status polls until the simulator says
COMPLETED, download), and the figure to watch is how far the local work (parsing and upserting
40,000 rows) takes it above that. The simulator finishes an export after a number of polls,
not after a time, so the pauses before those polls are ours (`bulk_poll_waits`: 50 ms, then
100 ms) and are printed beside the floor rather than counted in it. The paged path
is the bulk path's baseline: it is throttle-bound (about 130 s per 1,000 products, at its
throttle floor), so it is measured on PAGED_SAMPLE products and scaled linearly to the bulk
run's size, as the Meta and WooCommerce baselines are.

Checked after each run: every product and variant of the simulator is stored with its SKU,
price and image.
"""

import sys
from decimal import Decimal
from itertools import islice
from typing import Any

import requests

from bench import harness

PRODUCTS = harness.size(10_000)
VARIANTS = 3
LATENCY_MS = 50
RESTORE_RATE = 100.0
BUCKET = 1000.0
RUNNING_POLLS = 1  # the simulator answers RUNNING this many times, then COMPLETED
PAGED_SAMPLE = min(1_000, PRODUCTS)


def _regular(variant: dict[str, Any]) -> Decimal:
    """The regular price as the mapper reads it: the higher of price and compare-at."""
    price = Decimal(variant["price"])
    compare_at = Decimal(variant["compareAtPrice"]) if variant.get("compareAtPrice") else None
    return compare_at if compare_at and compare_at > price else price


def expected(url: str) -> tuple[dict[str, Any], dict[str, Any]]:
    products = requests.get(f"{url}/_sim/products", timeout=300).json()["products"]
    want_products, want_variants = {}, {}
    for p in products:
        variants = sorted(p["variants"], key=lambda v: v.get("position", 0))
        image = (p.get("featuredImage") or {}).get("url")
        want_products[p["id"]] = (
            _regular(variants[0]) if variants else Decimal("0.00"),
            (image,) if image else (),
        )
        want_variants.update({v["id"]: (v["sku"], _regular(v)) for v in variants})
    return want_products, want_variants


def stored(tenant: Any) -> tuple[dict[str, Any], dict[str, Any]]:
    from products_and_services.models import Product, ProductVariant

    products = Product.objects.filter(tenant=tenant).prefetch_related("images")
    return (
        {p.external_id: (p.price, tuple(i.url for i in p.images.all())) for p in products},
        {
            v.external_id: (v.sku, v.price)
            for v in ProductVariant.objects.filter(product__tenant=tenant)
        },
    )


def scenario(url: str, *, bulk: bool, products: int) -> harness.Figures:
    from django.conf import settings

    from integrations.engine.runs import execute_run, start_run
    from integrations.shopify.client import bulk_poll_waits
    from integrations.shopify.models import ShopifyStore
    from integrations.shopify.source import ShopifySource
    from products_and_services.models import ProductVariant
    from tenants.models import Tenant

    requests.post(f"{url}/_sim/reset", timeout=60).raise_for_status()
    requests.post(
        f"{url}/_sim/config",
        json={
            "latency_ms": LATENCY_MS,
            "restore_rate": RESTORE_RATE,
            "bucket_max": BUCKET,
            "bulk_polls_until_done": RUNNING_POLLS,
        },
        timeout=10,
    ).raise_for_status()
    requests.post(
        f"{url}/_sim/seed",
        json={"count": products, "variable_every": 1, "variants": VARIANTS},
        timeout=120,
    ).raise_for_status()
    settings.SHOPIFY_BULK_THRESHOLD = 0 if bulk else products + 1
    tenant = Tenant.objects.create(name="Bench", slug="bench")
    store = ShopifyStore.objects.create(tenant=tenant, shop_domain=url, access_token="shpat_sim")
    source = ShopifySource(store)
    path = "bulk operation" if bulk else "paged queries"
    figures = harness.Figures(
        f"Shopify full sync, {path} ({products:,} products x {VARIANTS} variants, "
        f"{LATENCY_MS} ms latency, {RESTORE_RATE:.0f} points/s)"
    )
    with harness.measured(figures):
        run, _ = start_run(tenant=tenant, provider="shopify", connection_id=store.pk, trigger="api")
        run = execute_run(run, source)
    stats: dict[str, Any] = requests.get(f"{url}/_sim/stats", timeout=10).json()
    wall = figures.values["wall time (s)"]
    points = source.client.points_spent
    if bulk:
        polls = RUNNING_POLLS + 1
        calls = 3 + polls  # count, start, the polls, download
        floor = harness.network_floor(calls, LATENCY_MS)
        waits = list(islice(bulk_poll_waits(settings.SHOPIFY_BULK_POLL_SECONDS), polls))
        figures.values.update(
            {"calls required": calls, "waits before polls (s)": round(sum(waits), 3)}
        )
    else:
        floor = max(points - BUCKET, 0) / RESTORE_RATE
    figures.values.update(
        {
            "status": run.status,
            "products": run.created,
            "variants": ProductVariant.objects.filter(product__tenant=tenant).count(),
            "HTTP calls": stats["requests_served"],
            "THROTTLED answers": stats.get("throttled", 0),
            "points spent (actual)": points,
            "largest requested cost": source.client.max_requested,
            "floor (s)": round(floor, 3),
            "seconds per 1,000 products": round(wall / products * 1000, 2),
        }
    )
    harness.check_pull(
        figures,
        run.status,
        expected(url),
        stored(tenant),
        ("every product stored with price and image", "every variant stored with SKU and price"),
    )
    return figures


def main() -> None:
    harness.setup_django()
    with harness.simulator_process("shopify") as url:
        figures = {}
        for bulk, products in ((True, PRODUCTS), (False, PAGED_SAMPLE)):
            with harness.throwaway_database():
                figures[bulk] = scenario(url, bulk=bulk, products=products)
    bulk, paged = figures[True], figures[False]
    scale = PRODUCTS / PAGED_SAMPLE
    baseline_time = paged.values["wall time (s)"] * scale
    bulk.compare(
        result=bulk.values["wall time (s)"],
        baseline=baseline_time,
        floor=bulk.values.pop("floor (s)"),
        unit="s",
    )
    bulk.print()
    paged.compare(
        result=paged.values["wall time (s)"],
        baseline=None,
        floor=paged.values.pop("floor (s)"),
        unit="s",
    )
    paged.name = (
        f"baseline of the bulk path (measured on {PAGED_SAMPLE:,} products, scaled "
        f"x{scale:g} to {baseline_time:.1f} s for {PRODUCTS:,}): {paged.name}"
    )
    paged.print()


if __name__ == "__main__":
    main()
    sys.exit(harness.exit_code())
