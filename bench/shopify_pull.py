"""Pull 10,000 Shopify products with 3 variants each, paged and as a bulk operation.

Both run at 50 ms a call against the GraphQL simulator in its own process, with a
Standard plan's bucket (1,000 points, restored at 100 points/s). The paged path's floor
is the throttle: the points the queries actually cost, less the full bucket we start
with, divided by the restore rate. The bulk path is not throttled; its floor is the
calls it must make at 50 ms each plus one poll interval, and the figure to watch is how
far the local work (parsing and upserting 40,000 rows) takes it above that.
"""

from typing import Any

import requests

from bench.harness import Figures, measured, setup_django, simulator_process, throwaway_database

PRODUCTS = 10_000
VARIANTS = 3
LATENCY_MS = 50
RESTORE_RATE = 100.0
BUCKET = 1000.0


def scenario(url: str, *, bulk: bool) -> Figures:
    from django.conf import settings

    from integrations.engine.runs import execute_run, start_run
    from integrations.shopify.models import ShopifyStore
    from integrations.shopify.source import ShopifySource
    from products_and_services.models import ProductVariant
    from tenants.models import Tenant

    requests.post(f"{url}/_sim/reset", timeout=60).raise_for_status()
    requests.post(
        f"{url}/_sim/config",
        json={"latency_ms": LATENCY_MS, "restore_rate": RESTORE_RATE, "bucket_max": BUCKET},
        timeout=10,
    ).raise_for_status()
    requests.post(
        f"{url}/_sim/seed",
        json={"count": PRODUCTS, "variable_every": 1, "variants": VARIANTS},
        timeout=120,
    ).raise_for_status()
    settings.SHOPIFY_BULK_THRESHOLD = 0 if bulk else PRODUCTS + 1
    tenant = Tenant.objects.create(name="Bench", slug="bench")
    store = ShopifyStore.objects.create(tenant=tenant, shop_domain=url, access_token="shpat_sim")
    source = ShopifySource(store)
    path = "bulk operation" if bulk else "paged queries"
    figures = Figures(
        f"Shopify full sync, {path} ({PRODUCTS:,} products x {VARIANTS} variants, "
        f"{LATENCY_MS} ms latency, {RESTORE_RATE:.0f} points/s)"
    )
    with measured(figures):
        run, _ = start_run(tenant=tenant, provider="shopify", connection_id=store.pk, trigger="api")
        run = execute_run(run, source)
    stats: dict[str, Any] = requests.get(f"{url}/_sim/stats", timeout=10).json()
    wall = figures.values["wall time (s)"]
    points = source.client.points_spent
    if bulk:
        floor = stats["requests_served"] * LATENCY_MS / 1000 + settings.SHOPIFY_BULK_POLL_SECONDS
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
            "floor (s)": round(floor, 2),
            "ratio to floor": round(wall / floor, 2) if floor else "n/a",
            "seconds per 1,000 products": round(wall / PRODUCTS * 1000, 2),
        }
    )
    return figures


def main() -> None:
    setup_django()
    with simulator_process("shopify") as url:
        for bulk in (True, False):
            with throwaway_database():
                scenario(url, bulk=bulk).print()


if __name__ == "__main__":
    main()
