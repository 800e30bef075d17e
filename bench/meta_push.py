"""Flush 10,000 changed products to the Meta simulator (50 ms a call) against one call each.

The batched path sends `items_batch` calls of up to META_BATCH_SIZE items and polls their
status. The baseline, written here only for comparison, creates each item with its own
`POST /{catalog_id}/products` call, as the product notes' first version did; it is measured
on a sample and scaled, because 10,000 sequential calls at 50 ms would take over 8 minutes.
The floor is the calls the batched path cannot avoid (one `items_batch` and one status poll
per batch) at 50 ms each, one after another. The simulator runs in its own process.

Checked afterwards: the catalog holds exactly the 10,000 retailer ids, each at its price,
availability and image, and every product is recorded as pushed with nothing left due.
"""

import math
import sys
import time
from decimal import Decimal
from typing import Any

import requests

from bench import harness

PRODUCTS = harness.size(10_000)
LATENCY_MS = 50
BASELINE_SAMPLE = min(400, PRODUCTS)
CATALOG = "bench-catalog"
PRICE = Decimal("19.99")


def baseline(url: str, products: list[Any]) -> int:
    """One single-item call per product (the approach we replaced)."""
    session = requests.Session()
    calls = 0
    for product in products:
        response = session.post(
            f"{url}/v21.0/{CATALOG}/products",
            data={
                "access_token": "bench-token",
                "retailer_id": product.sku,
                "name": product.name,
                "price": int(product.price * 100),
                "currency": "USD",
                "availability": "in stock",
                "condition": "new",
                "link": "https://shop.example.com/",
                "brand": "Bench",
                "description": product.name,
                "image_url": f"https://img.example.com/{product.pk}.jpg",
            },
            timeout=10,
        )
        response.raise_for_status()
        calls += 1
    return calls


def expected_items(tenant: Any) -> dict[str, tuple[str, str, str]]:
    """What Meta must hold: retailer id -> (price, availability, image)."""
    from products_and_services.models import Product

    return {
        sku: (
            f"{PRICE} USD",
            "in stock" if stock else "out of stock",
            f"https://img.example.com/{pk}.jpg",
        )
        for pk, sku, stock in Product.objects.filter(tenant=tenant).values_list(
            "pk", "sku", "stock_quantity"
        )
    }


def check_pushed(
    figures: harness.Figures, url: str, tenant: Any, succeeded: int, count: int, catalog: str
) -> None:
    from products_and_services.models import Product

    held = requests.get(f"{url}/_sim/catalogs/{catalog}/items", timeout=120).json()["items"]
    actual = {
        rid: (item.get("price"), item.get("availability"), item.get("image_link"))
        for rid, item in held.items()
    }
    figures.check("flush reports every product pushed", succeeded == count, f"{succeeded}")
    problem = harness.mismatches(expected_items(tenant), actual)
    figures.check("Meta holds every item at its price, availability, image", not problem, problem)
    products = Product.objects.filter(tenant=tenant)
    recorded = products.filter(meta_sync_last_success__isnull=False, meta_sync_last_error="")
    figures.check(
        "every product recorded as pushed",
        recorded.count() == count,
        f"{recorded.count()} of {count}",
    )
    due = products.filter(meta_sync_next_attempt__isnull=False).count()
    figures.check("nothing left due", due == 0, f"{due} still due")


SEED_CHUNK = 2000


def seed(count: int, catalog: str, slug: str) -> Any:
    """A tenant, its Meta config and `count` due products with an image each, written in
    chunks so the set-up leaves no catalog-sized heap behind the measured block."""
    from django.utils import timezone

    from common.bulk import insert_rows
    from meta_integration.models import MetaAppConfig
    from products_and_services.models import Product, ProductImage
    from tenants.models import Tenant

    tenant = Tenant.objects.create(name=f"Bench {slug}", slug=slug)
    MetaAppConfig.objects.create(
        tenant=tenant,
        access_token="bench-token",
        catalog_id=catalog,
        default_product_url="https://shop.example.com/",
    )
    due = timezone.now()  # one due time for all: the claim takes them in id order
    for start in range(0, count, SEED_CHUNK):
        products = [
            Product(
                tenant=tenant,
                name=f"Bench product {i}",
                sku=f"{slug.upper()}-{i:06d}",
                price=PRICE,
                stock_quantity=i % 7,
                meta_sync_next_attempt=due,
            )
            for i in range(start, min(count, start + SEED_CHUNK))
        ]
        insert_rows(Product, products)
        insert_rows(
            ProductImage,
            (
                ProductImage(product_id=p.pk, url=f"https://img.example.com/{p.pk}.jpg")
                for p in products
            ),
        )
    analyze(Product, ProductImage)
    return tenant


def analyze(*models: Any) -> None:
    """Fresh planner statistics and no dead rows, as a live table has, so autovacuum does not
    run inside the measured block and the flush's plans are those a real catalog gets."""
    from django.db import connection

    if connection.vendor != "postgresql":
        return
    with connection.cursor() as cursor:
        for model in models:
            cursor.execute(f"VACUUM ANALYZE {connection.ops.quote_name(model._meta.db_table)}")


def configure(url: str) -> None:
    """50 ms a call and no per-minute batch allowance (the throttle is not what is measured)."""
    from django.conf import settings

    requests.post(
        f"{url}/_sim/config",
        json={"latency_ms": LATENCY_MS, "batch_calls_per_minute": 0},
        timeout=5,
    ).raise_for_status()
    settings.META_GRAPH_API_URL = url


def push(url: str, tenant: Any, count: int, catalog: str, title: str) -> harness.Figures:
    """Flush the tenant inside the measured block and check the work was done."""
    from django.conf import settings

    from meta_integration.push import flush_tenant

    figures = harness.Figures(title)
    calls_before = requests.get(f"{url}/_sim/calls", timeout=30).json()["count"]
    with harness.measured(figures):
        report = flush_tenant(tenant.pk)
    calls = requests.get(f"{url}/_sim/calls", timeout=30).json()["count"] - calls_before
    wall = figures.values["wall time (s)"]
    required_calls = 2 * math.ceil(count / settings.META_BATCH_SIZE)
    figures.values.update(
        {
            "items_batch calls": report.batch_calls,
            "status polls": report.status_calls,
            "HTTP calls": calls,
            "calls required (1 batch + 1 poll each)": required_calls,
            "products synced": report.succeeded,
            "products per second": round(report.succeeded / wall, 1),
        }
    )
    check_pushed(figures, url, tenant, report.succeeded, count, catalog)
    figures.values["floor (s)"] = harness.network_floor(required_calls, LATENCY_MS)
    return figures


def main() -> None:
    harness.setup_django()
    from django.conf import settings

    from products_and_services.models import Product

    with harness.simulator_process("meta") as url, harness.throwaway_database():
        configure(url)
        tenant = seed(PRODUCTS, CATALOG, "bench")
        batch_size = settings.META_BATCH_SIZE
        figures = push(
            url,
            tenant,
            PRODUCTS,
            CATALOG,
            f"batched: {PRODUCTS:,} products, {LATENCY_MS} ms per call, batches of {batch_size:,}",
        )
        batched_time = figures.values["wall time (s)"]
        floor = figures.values.pop("floor (s)")

        requests.post(f"{url}/_sim/reset", timeout=5).raise_for_status()
        requests.post(
            f"{url}/_sim/config", json={"latency_ms": LATENCY_MS}, timeout=5
        ).raise_for_status()
        sample = list(Product.objects.order_by("pk")[:BASELINE_SAMPLE])
        started = time.perf_counter()
        baseline_calls = baseline(url, sample)
        sample_time = time.perf_counter() - started
        scale = PRODUCTS / BASELINE_SAMPLE
        baseline_time = sample_time * scale
        figures.compare(
            result=batched_time,
            baseline=baseline_time,
            floor=floor,
            unit="s",
        )
        figures.print()
        base = harness.Figures(
            f"baseline: one call per product (measured on {BASELINE_SAMPLE}, scaled x{scale:g})"
        )
        base.values.update(
            {
                "HTTP calls": int(baseline_calls * scale),
                "wall time (s)": round(baseline_time, 1),
                "products per second": round(BASELINE_SAMPLE / sample_time, 1),
            }
        )
        held = requests.get(f"{url}/_sim/catalogs/{CATALOG}/items", timeout=60).json()["count"]
        base.check("the sample was created", held == BASELINE_SAMPLE, f"{held}")
        base.print()
        print(
            f"\n  HTTP calls: {base.values['HTTP calls'] / figures.values['HTTP calls']:.0f}x fewer"
            " (target >= 20x)"
        )
        print(f"  wall time:  {baseline_time / batched_time:.0f}x less (target >= 10x)")


if __name__ == "__main__":
    main()
    sys.exit(harness.exit_code())
