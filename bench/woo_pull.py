"""Pull 10,000 WooCommerce products (2,000 variable, 3 variations each) at 50 ms a call.

The floor is the required calls x latency / concurrency: 100 product pages plus one
variations call per variable product, with WOO_VARIATION_CONCURRENCY calls in flight.
The baseline is the same pull with one request in flight (WOO_VARIATION_CONCURRENCY=1),
measured on a tenth of the catalog and scaled, since it would take minutes in full.

Checked afterwards: every product and variation of the simulator is stored with its SKU,
price and images.
"""

import sys
from decimal import Decimal
from typing import Any

import requests

from bench import harness

PRODUCTS = harness.size(10_000)
VARIABLE_EVERY = 5  # 2,000 variable products
LATENCY_MS = 50
BASELINE_SHARE = 10  # the baseline pulls 1/10 of the catalog


def expected(url: str) -> tuple[dict[str, Any], dict[str, Any]]:
    """The simulator's catalog as we must store it: products and variants by external id
    (a variable product's variants are its variations and its price their lowest; a simple
    product has one variant of its own)."""
    products = requests.get(f"{url}/_sim/products", timeout=120).json()["products"]
    variations = requests.get(f"{url}/_sim/variations", timeout=120).json()["variations"]
    want_products, want_variants = {}, {}
    for p in products:
        children = variations.get(str(p["id"])) or [p]
        prices = {str(c["id"]): Decimal(c["regular_price"] or c["price"]) for c in children}
        want_variants.update({str(c["id"]): (c["sku"], prices[str(c["id"])]) for c in children})
        want_products[f"woo_{p['id']}"] = (
            p["sku"],
            Decimal(p["regular_price"] or p["price"] or min(prices.values())),
            tuple(image["src"] for image in p["images"]),
        )
    return want_products, want_variants


def connections(url: str) -> int:
    """TCP connections the simulator accepted so far (this request's own included)."""
    return int(requests.get(f"{url}/_sim/connections", timeout=10).json()["opened"])


def stored(tenant: Any) -> tuple[dict[str, Any], dict[str, Any]]:
    from products_and_services.models import Product, ProductVariant

    products = Product.objects.filter(tenant=tenant).prefetch_related("images")
    return (
        {p.external_id: (p.sku, p.price, tuple(i.url for i in p.images.all())) for p in products},
        {
            v.external_id: (v.sku, v.price)
            for v in ProductVariant.objects.filter(product__tenant=tenant)
        },
    )


def pull(url: str, slug: str, count: int) -> tuple[Any, Any, harness.Figures]:
    """Seed `count` products, then pull them into a new tenant within a measured block."""
    from integrations.engine.runs import execute_run, start_run
    from integrations.woocommerce.models import WooCommerceStore
    from integrations.woocommerce.source import WooSource
    from tenants.models import Tenant

    requests.post(
        f"{url}/_sim/seed", json={"count": count, "variable_every": VARIABLE_EVERY}, timeout=60
    ).raise_for_status()
    tenant = Tenant.objects.create(name=slug, slug=slug)
    store = WooCommerceStore.objects.create(
        tenant=tenant, store_url=url, consumer_key="ck_sim", consumer_secret="cs_sim"
    )
    source = WooSource(store)
    figures = harness.Figures(
        f"WooCommerce full sync ({count:,} products, {LATENCY_MS} ms latency)"
    )
    connections_before = connections(url)
    with harness.measured(figures):
        run, _ = start_run(
            tenant=tenant, provider="woocommerce", connection_id=store.pk, trigger="api"
        )
        run = execute_run(run, source)
    figures.values.update(
        {
            "status": run.status,
            "products": run.created,
            "HTTP calls": source.client.calls,
            "requests in flight": source.concurrency,
            # The simulator keeps connections alive, as WooCommerce's servers do: the pull
            # should open about one per request in flight (this count's own request is one).
            "TCP connections opened": connections(url) - connections_before - 1,
        }
    )
    harness.check_pull(
        figures,
        run.status,
        expected(url),
        stored(tenant),
        (
            "every product stored with SKU, price, images",
            "every variation stored with SKU and price",
        ),
    )
    return tenant, run, figures


def main() -> None:
    harness.setup_django()
    from django.conf import settings

    with (
        harness.simulator_process("woocommerce", "--latency-ms", str(LATENCY_MS)) as url,
        harness.throwaway_database(),
    ):
        _, _, figures = pull(url, "bench", PRODUCTS)
        concurrency = settings.WOO_VARIATION_CONCURRENCY
        calls = -(-PRODUCTS // 100) + PRODUCTS // VARIABLE_EVERY
        floor = harness.network_floor(calls, LATENCY_MS, concurrency)
        figures.values["calls required"] = calls

        sample = max(100, PRODUCTS // BASELINE_SHARE)
        settings.WOO_VARIATION_CONCURRENCY = 1
        try:
            _, _, base = pull(url, "baseline", sample)
        finally:
            settings.WOO_VARIATION_CONCURRENCY = concurrency
        scale = PRODUCTS / sample
        baseline_time = base.values["wall time (s)"] * scale
        figures.compare(
            result=figures.values["wall time (s)"],
            baseline=baseline_time,
            floor=floor,
            unit="s",
        )
        figures.print()
        base.name = (
            f"baseline: the same pull, one request in flight (measured on {sample:,} "
            f"products, scaled x{scale:g} to {baseline_time:.1f} s)"
        )
        base.print()


if __name__ == "__main__":
    main()
    sys.exit(harness.exit_code())
