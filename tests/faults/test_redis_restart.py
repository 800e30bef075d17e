"""Redis restarts while a worker process runs a task: every worker lives, the work is done
once, and no run is left queued.

Before: with celery 5.7.0 the busy worker exited (`AttributeError: 'NoneType' object has no
attribute 'hostname'`), 4 times out of 4; see `config/worker_consumer.py`.
"""

from decimal import Decimal
from typing import Any

import pytest
from django.db import transaction

from integrations.models import SyncRun, SyncStatus
from integrations.triggers import trigger_sync
from meta_integration.models import MetaAppConfig
from meta_integration.outbox import mark_pending
from products_and_services.models import Product
from tenants.models import Tenant
from tests.e2e.conftest import MetaHandle, ZohoHandle, wait_until
from tests.faults.conftest import PrivateRedis
from tests.integrations.conftest import make_credential

pytestmark = [pytest.mark.services, pytest.mark.django_db(transaction=True)]

DOWN_SECONDS = 6


def test_redis_restart_during_a_running_pull(
    private_redis: PrivateRedis,
    start_workers: Any,
    on_private_broker: Any,
    tenant: Tenant,
    zoho_sim: ZohoHandle,
) -> None:
    zoho_sim.configure(latency_ms=1500)  # five pages of 200: a run of several seconds
    credential = make_credential(tenant, base_url=zoho_sim.url)
    workers = start_workers(pull="pull")
    run = trigger_sync(
        tenant=tenant, provider="zoho", connection_id=credential.pk, trigger="api"
    ).run
    wait_until(lambda: SyncRun.objects.get(pk=run.pk).status == SyncStatus.RUNNING, timeout=60)

    private_redis.restart(down_seconds=DOWN_SECONDS)

    finished = wait_until(
        lambda: (
            (r := SyncRun.objects.get(pk=run.pk)).status
            not in (
                SyncStatus.QUEUED,
                SyncStatus.RUNNING,
            )
            and r
        ),
        timeout=120,
    )
    assert workers["pull"].alive, workers["pull"].log()[-3000:]
    assert (finished.status, finished.processed, finished.created) == (
        SyncStatus.SUCCEEDED,
        1000,
        1000,
    )
    assert Product.objects.filter(tenant=tenant).count() == 1000
    assert list(SyncRun.objects.values_list("pk", "status")) == [(run.pk, SyncStatus.SUCCEEDED)]
    # After the restart the worker still consumes: a new run is picked up and finishes.
    again = trigger_sync(
        tenant=tenant, provider="zoho", connection_id=credential.pk, trigger="api"
    ).run
    wait_until(lambda: SyncRun.objects.get(pk=again.pk).status == SyncStatus.SUCCEEDED, timeout=120)
    assert workers["pull"].alive
    assert "Unrecoverable error" not in workers["pull"].log()


def test_redis_restart_during_a_meta_flush(
    private_redis: PrivateRedis,
    start_workers: Any,
    on_private_broker: Any,
    tenant: Tenant,
    e2e_meta_config: MetaAppConfig,
    meta_sim: MetaHandle,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("META_BATCH_SIZE", "20")  # the worker's: 200 products, 10 batches
    # No per-minute batch allowance: the flush sends a batch while it polls the one before,
    # so 10 batches come within a minute and Meta's throttle (tests/meta) would pause the queue
    # until the beat's drain, which this test does not run; it checks the broker, not that.
    meta_sim.configure(latency_ms=2500, batch_calls_per_minute=0)
    products = Product.objects.bulk_create(
        Product(tenant=tenant, name=f"Lamp {n}", sku=f"LAMP-{n}", price=Decimal("10"))
        for n in range(200)
    )
    workers = start_workers(meta="meta_push")
    with transaction.atomic():
        mark_pending([p.pk for p in products], tenant_id=tenant.pk)
    wait_until(lambda: meta_sim.batch_calls(), timeout=60)

    private_redis.restart(down_seconds=DOWN_SECONDS)

    wait_until(lambda: len(meta_sim.items()) == 200, timeout=180)
    assert workers["meta"].alive, workers["meta"].log()[-3000:]
    wait_until(
        lambda: not Product.objects.filter(meta_sync_last_success__isnull=True).exists(),
        timeout=60,
    )
    pushed = [rid for call in meta_sim.batch_calls() for rid in call.get("ids", [])]
    assert sorted(pushed) == sorted(f"LAMP-{n}" for n in range(200))  # each once
    # A worker that hit the fatal error only waits for its running task before exiting:
    # it must still take new work after the restart.
    meta_sim.configure(latency_ms=0)
    with transaction.atomic():
        Product.objects.filter(sku="LAMP-0").update(price=Decimal("11"))
        mark_pending(Product.objects.filter(sku="LAMP-0"), tenant_id=tenant.pk)
    wait_until(lambda: meta_sim.items()["LAMP-0"]["price"] == "11.00 USD", timeout=60)
    assert workers["meta"].alive
    assert "Unrecoverable error" not in workers["meta"].log()
