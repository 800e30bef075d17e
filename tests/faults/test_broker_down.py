"""The broker is down: writes answer in normal time, and everything happens once it is back.

Before: every save made two publish attempts of about 6 s each (the Meta flush and the
knowledge index): 50 updates took about 10 minutes, and a sync trigger answered 202 for a
run it had already marked failed.
"""

import time
from decimal import Decimal
from typing import Any

import pytest
from django.test import override_settings

from integrations.models import SyncRun, SyncStatus
from integrations.tasks import sweep_sync_runs
from meta_integration.models import MetaAppConfig
from meta_integration.tasks import drain_meta_outbox
from products_and_services.models import Product
from tenants.models import Tenant
from tests.e2e.conftest import MetaHandle, ZohoHandle, wait_until
from tests.faults.conftest import PrivateRedis
from tests.integrations.conftest import make_credential

pytestmark = [pytest.mark.services, pytest.mark.django_db(transaction=True)]

# Far above a loaded CI machine's answer, far below the 6-12 s a write took before.
WRITE_BOUND_SECONDS = 3.0


def test_fifty_api_writes_answer_at_once_and_all_reach_meta_when_the_broker_returns(
    private_redis: PrivateRedis,
    start_workers: Any,
    on_private_broker: Any,
    tenant: Tenant,
    api: Any,
    e2e_meta_config: MetaAppConfig,
    meta_sim: MetaHandle,
) -> None:
    products = Product.objects.bulk_create(
        Product(tenant=tenant, name=f"Cup {n}", sku=f"CUP-{n}", price=Decimal("5"))
        for n in range(50)
    )
    workers = start_workers(meta="meta_push,default,knowledge")
    private_redis.stop()

    seconds = []
    for product in products:
        started = time.monotonic()
        response = api.patch(
            f"/v1/catalog/products/{product.pk}/", {"price": "12.00"}, format="json"
        )
        seconds.append(time.monotonic() - started)
        assert response.status_code == 200, response.json()
    print(f"broker down: 50 PATCHes, slowest {max(seconds):.3f} s, total {sum(seconds):.1f} s")
    assert max(seconds) < WRITE_BOUND_SECONDS
    assert Product.objects.filter(price=Decimal("12.00")).count() == 50
    assert meta_sim.items() == {}

    private_redis.start()
    drain_meta_outbox.delay()  # what beat sends every minute
    wait_until(
        lambda: (
            (items := meta_sim.items())
            and len(items) == 50
            and {item["price"] for item in items.values()} == {"12.00 USD"}
        ),
        timeout=120,
    )
    assert workers["meta"].alive


@override_settings(SYNC_QUEUED_GRACE_SECONDS=0)
def test_sync_trigger_with_the_broker_down_stays_queued_and_runs_when_it_returns(
    private_redis: PrivateRedis,
    start_workers: Any,
    on_private_broker: Any,
    tenant: Tenant,
    api: Any,
    zoho_sim: ZohoHandle,
) -> None:
    make_credential(tenant, base_url=zoho_sim.url)
    workers = start_workers(pull="pull")
    private_redis.stop()

    response = api.post("/v1/catalog/sync/zoho", {"mode": "full"}, format="json")
    assert response.status_code == 202, response.json()
    run = SyncRun.objects.get(pk=response.json()["sync_run_id"])
    assert (run.status, run.message) == (SyncStatus.QUEUED, "")
    assert sweep_sync_runs()["requeued"] == []  # the broker is still down: nothing sent

    private_redis.start()
    assert sweep_sync_runs()["requeued"] == [run.pk]  # what beat sends every minute
    wait_until(lambda: SyncRun.objects.get(pk=run.pk).status == SyncStatus.SUCCEEDED, timeout=120)
    assert SyncRun.objects.count() == 1
    assert Product.objects.filter(tenant=tenant).count() == 1000
    assert workers["pull"].alive
