"""Pull 10,000 WooCommerce products (2,000 variable, 3 variations each) at 50 ms a call.

The floor is the required calls x latency / concurrency: 100 product pages plus one
variations call per variable product, with WOO_VARIATION_CONCURRENCY calls in flight.
"""

import requests

from bench.harness import Figures, measured, setup_django, simulator_process, throwaway_database

PRODUCTS = 10_000
VARIABLE_EVERY = 5  # 2,000 variable products
LATENCY_MS = 50


def main() -> None:
    setup_django()
    from django.conf import settings

    from integrations.engine.runs import execute_run, start_run
    from integrations.woocommerce.models import WooCommerceStore
    from integrations.woocommerce.source import WooSource
    from products_and_services.models import ProductVariant
    from tenants.models import Tenant

    with (
        simulator_process("woocommerce", "--latency-ms", str(LATENCY_MS)) as url,
        throwaway_database(),
    ):
        requests.post(
            f"{url}/_sim/seed",
            json={"count": PRODUCTS, "variable_every": VARIABLE_EVERY},
            timeout=60,
        ).raise_for_status()
        tenant = Tenant.objects.create(name="Bench", slug="bench")
        store = WooCommerceStore.objects.create(
            tenant=tenant, store_url=url, consumer_key="ck_sim", consumer_secret="cs_sim"
        )
        source = WooSource(store)
        figures = Figures(f"WooCommerce full sync ({PRODUCTS:,} products, {LATENCY_MS} ms latency)")
        with measured(figures):
            run, _ = start_run(
                tenant=tenant, provider="woocommerce", connection_id=store.pk, trigger="api"
            )
            run = execute_run(run, source)
        calls = source.client.calls
        concurrency = settings.WOO_VARIATION_CONCURRENCY
        pages = -(-PRODUCTS // 100)
        variable = PRODUCTS // VARIABLE_EVERY
        floor = (pages + variable) * LATENCY_MS / 1000 / concurrency
        figures.values.update(
            {
                "status": run.status,
                "products": run.created,
                "variants": ProductVariant.objects.count(),
                "HTTP calls": calls,
                "variation concurrency": concurrency,
                "floor (s)": round(floor, 2),
                "ratio to floor": round(figures.values["wall time (s)"] / floor, 2),
            }
        )
        figures.print()


if __name__ == "__main__":
    main()
