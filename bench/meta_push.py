"""Flush 10,000 changed products to the Meta simulator (50 ms a call) against one call each.

The batched path sends `items_batch` calls of up to META_BATCH_SIZE items and polls their
status. The baseline, written here only for comparison, creates each item with its own
`POST /{catalog_id}/products` call, as the product notes' first version did; it is measured
on a sample and scaled, because 10,000 sequential calls at 50 ms would take over 8 minutes.
"""

import time
from decimal import Decimal
from typing import Any

import requests

from bench.harness import Figures, measured, peak_rss_mib, setup_django, throwaway_database

PRODUCTS = 10_000
LATENCY_MS = 50
BASELINE_SAMPLE = 400
CATALOG = "bench-catalog"


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
            },
            timeout=10,
        )
        response.raise_for_status()
        calls += 1
    return calls


def main() -> None:
    setup_django()
    from django.conf import settings

    from meta_integration.models import MetaAppConfig
    from meta_integration.push import flush_tenant
    from products_and_services.models import Product, ProductImage
    from simulators.base import SimulatorServer
    from simulators.meta import MetaSimulator
    from tenants.models import Tenant

    simulator = MetaSimulator()
    with SimulatorServer(simulator) as server, throwaway_database():
        requests.post(
            f"{server.url}/_sim/config",
            json={"latency_ms": LATENCY_MS, "batch_calls_per_minute": 0},
            timeout=5,
        ).raise_for_status()
        settings.META_GRAPH_API_URL = server.url
        tenant = Tenant.objects.create(name="Bench", slug="bench")
        MetaAppConfig.objects.create(
            tenant=tenant,
            access_token="bench-token",
            catalog_id=CATALOG,
            default_product_url="https://shop.example.com/",
        )
        Product.objects.bulk_create(
            (
                Product(
                    tenant=tenant,
                    name=f"Bench product {i}",
                    sku=f"B-{i:05d}",
                    price=Decimal("19.99"),
                    stock_quantity=i % 7,
                )
                for i in range(PRODUCTS)
            ),
            batch_size=2000,
        )
        ProductImage.objects.bulk_create(
            (
                ProductImage(product_id=pk, url=f"https://img.example.com/{pk}.jpg")
                for pk in Product.objects.values_list("pk", flat=True)
            ),
            batch_size=2000,
        )
        Product.objects.update(
            meta_sync_next_attempt=Product.objects.values_list("created_at", flat=True).first()
        )

        figures = Figures(f"batched: {PRODUCTS:,} products, {LATENCY_MS} ms per call")
        with measured(figures):
            report = flush_tenant(tenant.pk)
        calls = requests.get(f"{server.url}/_sim/calls", timeout=5).json()["calls"]
        held = requests.get(f"{server.url}/_sim/catalogs/{CATALOG}/items", timeout=5).json()[
            "count"
        ]
        batched_time = figures.values["wall time (s)"]
        figures.values.update(
            {
                "items_batch calls": report.batch_calls,
                "status polls": report.status_calls,
                "HTTP calls": len(calls),
                "products synced": report.succeeded,
                "items in catalog": held,
                "products per second": round(report.succeeded / batched_time, 1),
            }
        )
        figures.print()

        requests.post(f"{server.url}/_sim/reset", timeout=5).raise_for_status()
        requests.post(
            f"{server.url}/_sim/config", json={"latency_ms": LATENCY_MS}, timeout=5
        ).raise_for_status()
        sample = list(Product.objects.order_by("pk")[:BASELINE_SAMPLE])
        started = time.perf_counter()
        baseline_calls = baseline(server.url, sample)
        sample_time = time.perf_counter() - started
        scale = PRODUCTS / BASELINE_SAMPLE
        base = Figures(
            f"baseline: one call per product (measured on {BASELINE_SAMPLE}, scaled x{scale:g})"
        )
        base.values.update(
            {
                "HTTP calls": int(baseline_calls * scale),
                "wall time (s)": round(sample_time * scale, 1),
                "products per second": round(BASELINE_SAMPLE / sample_time, 1),
                "peak RSS (MiB)": peak_rss_mib(),
            }
        )
        base.print()
        print(
            f"\n  HTTP calls: {base.values['HTTP calls'] / len(calls):.0f}x fewer (target >= 20x)"
        )
        print(
            f"  wall time:  {base.values['wall time (s)'] / batched_time:.0f}x less (target >= 10x)"
        )


if __name__ == "__main__":
    main()
