"""Pull workers run several tasks at once in threads (`PULL_WORKER_OPTIONS`, as docker-compose's
`worker-pull` does), so a small tenant's run no longer waits for a free process.

What must hold when runs of different tenants share one process: they overlap, and each
tenant ends with exactly its own items, every one once, with no run failing.
"""

from decimal import Decimal
from typing import Any

import pytest
import yaml

from config.celery import PULL_WORKER_OPTIONS, PULL_WORKER_THREADS
from integrations.models import ACTIVE_STATUSES, SyncRun, SyncStatus
from integrations.triggers import trigger_sync
from products_and_services.models import Product
from tenants.models import Tenant
from tests.e2e.conftest import ZohoHandle, wait_until
from tests.faults.conftest import ROOT
from tests.integrations.conftest import make_credential

pytestmark = [pytest.mark.services, pytest.mark.django_db(transaction=True)]


def expected(zoho_sim: ZohoHandle) -> dict[str, tuple[str, Decimal, int]]:
    return {
        item["item_id"]: (
            item["sku"],
            Decimal(str(item["rate"])).quantize(Decimal("0.01")),
            int(item["stock_on_hand"]),
        )
        for item in zoho_sim.items()
    }


def stored(tenant: Tenant) -> dict[str, tuple[str, Decimal, int]]:
    rows = Product.objects.filter(tenant=tenant).values_list(
        "external_id", "sku", "price", "stock_quantity"
    )
    return {ref: (sku, price, stock) for ref, sku, price, stock in rows}


def test_one_threaded_worker_process_runs_each_tenants_pull_at_once(
    start_workers: Any, on_private_broker: Any, zoho_sim: ZohoHandle
) -> None:
    # Five pages of 200 at 300 ms each: every run lasts long enough to overlap the others.
    zoho_sim.configure(latency_ms=300, token_refresh_limit=0)
    credentials = [
        make_credential(Tenant.objects.create(name=f"Shop {n}", slug=f"shop-{n}"), zoho_sim.url)
        for n in range(PULL_WORKER_THREADS)
    ]
    worker = start_workers(pull="pull")["pull"]  # the threads pool, as docker-compose runs it
    run_ids = [
        trigger_sync(tenant=c.tenant, provider="zoho", connection_id=c.pk, trigger="api").run.pk
        for c in credentials
    ]
    wait_until(
        lambda: not SyncRun.objects.filter(pk__in=run_ids, status__in=ACTIVE_STATUSES).exists(),
        timeout=120,
    )
    assert worker.alive, worker.log()[-3000:]
    assert "--pool threads" in " ".join(worker.process.args)
    runs = list(SyncRun.objects.filter(pk__in=run_ids).order_by("pk"))
    assert [(r.status, r.created, r.failed) for r in runs] == [
        (SyncStatus.SUCCEEDED, 1000, 0)
    ] * PULL_WORKER_THREADS
    # One process, and every run started before any of them finished.
    assert max(r.started_at for r in runs) < min(r.finished_at for r in runs)
    want = expected(zoho_sim)
    assert len(want) == 1000
    for credential in credentials:
        assert stored(credential.tenant) == want
    assert Product.objects.count() == 1000 * PULL_WORKER_THREADS


def test_docker_compose_runs_pull_workers_as_the_fairness_benchmark_measured() -> None:
    compose = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
    command = compose["services"]["worker-pull"]["command"]
    at = command.index("--pool")
    assert tuple(command[at : at + len(PULL_WORKER_OPTIONS)]) == PULL_WORKER_OPTIONS
    assert compose["services"]["worker-pull"]["deploy"] == {"replicas": 2}
