"""Pull 10,000 Zoho items (50 pages at 50 ms) through the engine, against the per-item baseline.

Four figures: the first full run, an unchanged re-run (0 writes), and the
`update_or_create`-per-item approach the product notes describe, with a transaction per item
and (the stronger naive version) one per page, with the ratios to both.
Pages are fetched ZOHO_PAGE_CONCURRENCY at a time (default 4), so the network floor is
50 pages x 50 ms / 4 = 0.63 s (2.5 s one page after another). Zoho's 100-requests-a-minute budget is
switched off here (as is the simulator's limit): three back-to-back runs of 50 pages each
would otherwise wait for the next minute, which measures Zoho's quota, not our code.

Checked after each run: every item in the simulator is a product with its name, SKU, price,
stock and status, and the run's counts are what the run had to do.
"""

import sys
from collections.abc import Iterator
from contextlib import contextmanager, nullcontext
from decimal import Decimal
from itertools import islice
from typing import Any

import requests

from bench import harness

ITEMS = harness.size(10_000)
LATENCY_MS = 50
PAGE = 200  # Zoho's largest page


def baseline(credential: Any, *, per_page: bool = False) -> int:
    """The naive approach: one update_or_create per item (what the notes describe), each in
    its own transaction, or (`per_page`) in one transaction per page of 200, the stronger
    naive version."""
    from django.db import transaction

    from integrations.zoho.client import ZohoClient
    from integrations.zoho.mapper import map_item
    from products_and_services.models import Product

    writes = 0
    items = iter(ZohoClient(credential, budget=None).fetch_all_products())
    while page := list(islice(items, PAGE)):
        with transaction.atomic() if per_page else nullcontext():
            for item in page:
                record = map_item(item, currency="USD")
                Product.objects.update_or_create(
                    tenant=credential.tenant,
                    external_source="zoho",
                    external_connection=credential.connection_key,
                    external_id=record.external_id,
                    defaults={
                        "name": record.name,
                        "sku": record.sku or f"base-{record.external_id}",
                        "description": record.description,
                        "price": record.price or Decimal("0"),
                        "stock_quantity": record.stock_quantity,
                        "is_active": record.is_active,
                    },
                )
                writes += 1
    return writes


def expected_products(url: str) -> dict[str, tuple[Any, ...]]:
    """The simulator's items as products should hold them: id -> (name, sku, price, stock,
    active)."""
    items = requests.get(f"{url}/_sim/items", timeout=60).json()["items"]
    return {
        item["item_id"]: (
            item["name"],
            item["sku"],
            Decimal(str(item["rate"])).quantize(Decimal("0.01")),
            int(item["stock_on_hand"]),
            item["status"] == "active",
        )
        for item in items
    }


def stored_products(tenant: Any) -> dict[str, tuple[Any, ...]]:
    from products_and_services.models import Product

    return {
        row[0]: tuple(row[1:])
        for row in Product.objects.filter(tenant=tenant).values_list(
            "external_id", "name", "sku", "price", "stock_quantity", "is_active"
        )
    }


def sim_credential(tenant: Any, url: str) -> Any:
    """A credential for the simulator at `url` (its default organisation and secrets)."""
    from integrations.zoho.models import ZohoCredential

    return ZohoCredential.objects.create(
        tenant=tenant,
        client_id="sim-client",
        client_secret="sim-secret",
        refresh_token="1000.sim-refresh",
        organization_id="sim-org",
        api_domain=url,
        accounts_url=url,
    )


def run_engine(credential: Any) -> dict[str, Any]:
    from integrations.engine.runs import execute_run, start_run
    from integrations.zoho.client import ZohoClient
    from integrations.zoho.service import run_summary
    from integrations.zoho.source import ZohoSource

    run, _ = start_run(
        tenant=credential.tenant, provider="zoho", connection_id=credential.pk, trigger="api"
    )
    return run_summary(
        execute_run(run, ZohoSource(credential, client=ZohoClient(credential, budget=None)))
    )


@contextmanager
def zoho_tenant(items: int) -> Iterator[tuple[str, Any]]:
    """A Zoho simulator seeded with `items` (its own process, LATENCY_MS a call, no request
    budget) and a tenant connected to it, on a throwaway database: (url, credential)."""
    from tenants.models import Tenant

    with (
        harness.simulator_process(
            "zoho", "--seed", str(items), "--latency-ms", str(LATENCY_MS)
        ) as url,
        harness.throwaway_database(),
    ):
        requests.post(
            f"{url}/_sim/config", json={"requests_per_minute": 0}, timeout=5
        ).raise_for_status()
        tenant = Tenant.objects.create(name="Bench", slug="bench")
        credential = sim_credential(tenant, url)
        yield url, credential


def main() -> None:
    harness.setup_django()

    from django.conf import settings

    from products_and_services.models import Product

    with zoho_tenant(ITEMS) as (url, credential):
        tenant = credential.tenant
        pages = -(-ITEMS // 200)
        floor = harness.network_floor(pages, LATENCY_MS, settings.ZOHO_PAGE_CONCURRENCY)
        expected = expected_products(url)
        runs = []
        for label, counts in (
            ("first full run", {"created": ITEMS, "updated": 0, "unchanged": 0}),
            ("unchanged re-run", {"created": 0, "updated": 0, "unchanged": ITEMS}),
        ):
            figures = harness.Figures(f"engine: {label} ({ITEMS:,} items, {LATENCY_MS} ms latency)")
            with harness.counted_queries() as queries, harness.measured(figures):
                summary = run_engine(credential)
            figures.values.update(
                {
                    "created": summary["created"],
                    "updated": summary["updated"],
                    "unchanged": summary["unchanged"],
                    "queries": queries.queries,
                    "queries per page": round(queries.queries / pages, 1),
                    "pages in flight": settings.ZOHO_PAGE_CONCURRENCY,
                }
            )
            got = {key: summary[key] for key in counts}
            figures.check("run counts", got == counts, f"{got}")
            problem = harness.mismatches(expected, stored_products(tenant))
            figures.check("every item stored as in Zoho", not problem, problem)
            runs.append(figures)
        bases = []
        for per_page in (False, True):
            Product.objects.filter(tenant=tenant).delete()
            how = "one transaction per page" if per_page else "one transaction per item"
            base = harness.Figures(f"baseline: update_or_create per item, {how} ({ITEMS:,} items)")
            with harness.counted_queries() as queries, harness.measured(base):
                writes = baseline(credential, per_page=per_page)
            base.values.update({"rows written": writes, "queries": queries.queries})
            base.check("every item written", writes == ITEMS, f"{writes}")
            bases.append(base.values["wall time (s)"])
            base.print()
        for figures in runs:
            result = figures.values["wall time (s)"]
            figures.compare(result=result, baseline=bases[0], floor=floor, unit="s")
            figures.values["baseline, one transaction per page (s)"] = bases[1]
            figures.values["ratio to that baseline"] = round(result / bases[1], 3)
            figures.print()
        for label, figures in (("first run", runs[0]), ("unchanged run", runs[1])):
            result = figures.values["result (s)"]
            print(
                f"\n  speed-up, {label}: {bases[0] / result:.1f}x over per-item transactions, "
                f"{bases[1] / result:.1f}x over per-page transactions"
            )


if __name__ == "__main__":
    main()
    sys.exit(harness.exit_code())
