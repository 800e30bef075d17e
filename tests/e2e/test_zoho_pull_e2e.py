"""Zoho pull end to end: triggers → real worker → engine → Zoho simulator over HTTP."""

import threading
from collections.abc import Callable
from decimal import Decimal
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from integrations.http import RetryableError
from integrations.models import SyncRun
from integrations.triggers import trigger_sync
from integrations.zoho.models import ZohoCredential
from integrations.zoho.service import sync_zoho_products_to_db
from products_and_services.models import Product
from tenants.models import Tenant
from tests.e2e.conftest import ZohoHandle, wait_until

pytestmark = [pytest.mark.e2e, pytest.mark.services]


def run_via_worker(credential: ZohoCredential, mode: str = "full") -> SyncRun:
    result = trigger_sync(
        tenant=credential.tenant,
        provider="zoho",
        connection_id=credential.pk,
        trigger="admin",
        mode=mode,
    )
    return wait_until(
        lambda: (lambda r: r if not r.is_active else None)(SyncRun.objects.get(pk=result.run.pk)),
        timeout=60,
    )


def test_a_pull_in_chunks_sends_itself_again_until_it_ends(
    celery_worker: Any,
    e2e_zoho_credential: ZohoCredential,
    zoho_sim: ZohoHandle,
    tenant: Tenant,
    settings: Any,
) -> None:
    """Each task stops after its first page (a zero budget) and queues the next chunk under
    the run's task id; the worker picks every chunk up and the run ends with each item once."""
    settings.SYNC_CHUNK_SECONDS = 0
    settings.ZOHO_PAGE_CONCURRENCY = 1
    run = run_via_worker(e2e_zoho_credential)
    assert (run.status, run.created, run.processed, run.chunks) == ("succeeded", 1000, 1000, 5)
    assert Product.objects.filter(tenant=tenant, external_source="zoho").count() == 1000
    assert zoho_sim.stats()["item_lists"] == 5  # each page asked once: none fetched twice


def test_a_long_pull_gives_way_to_a_small_one_waiting_for_the_only_worker_slot(
    celery_worker: Any,
    e2e_zoho_credential: ZohoCredential,
    zoho_sim: ZohoHandle,
    tenant: Tenant,
    settings: Any,
) -> None:
    """One worker slot. A 1,000-item pull (5 pages, 100 ms a call) is running when a 3-item
    pull is triggered: the long one's first chunk ends at its first page, before storing it,
    the small one runs in the slot and ends first, then the long one starts again and ends with
    each item once. Its chunk time (60 s) never runs out: only giving way splits it."""
    from simulators.base import SimulatorServer
    from simulators.zoho import ZohoSimulator
    from tests.integrations.conftest import make_credential

    settings.SYNC_CHUNK_SECONDS = 60
    settings.SYNC_YIELD_AFTER_SECONDS = 0
    settings.ZOHO_PAGE_CONCURRENCY = 1
    zoho_sim.configure(latency_ms=100)
    small_tenant = Tenant.objects.create(name="Small", slug="small")
    with SimulatorServer(ZohoSimulator(seed_items=3)) as small_sim:
        small_credential = make_credential(small_tenant, base_url=small_sim.url)
        big = trigger_sync(
            tenant=tenant, provider="zoho", connection_id=e2e_zoho_credential.pk, trigger="admin"
        ).run
        small = trigger_sync(
            tenant=small_tenant, provider="zoho", connection_id=small_credential.pk, trigger="admin"
        ).run
        ended = wait_until(
            lambda: (lambda runs: runs if not any(r.is_active for r in runs) else None)(
                [SyncRun.objects.get(pk=big.pk), SyncRun.objects.get(pk=small.pk)]
            ),
            timeout=60,
        )
    big, small = ended
    assert (small.status, small.created, small.chunks) == ("succeeded", 3, 1)
    assert (big.status, big.created, big.processed, big.chunks) == ("succeeded", 1000, 1000, 2)
    assert small.finished_at is not None and big.finished_at is not None
    assert small.finished_at < big.finished_at
    assert Product.objects.filter(tenant=tenant, external_source="zoho").count() == 1000
    # The pages the long pull had asked for when it gave way are asked again: its first page,
    # and the next one if the prefetch thread had asked for it by then.
    assert zoho_sim.stats()["item_lists"] in (6, 7)


def test_full_sync_then_unchanged_rerun_then_one_price_change(
    celery_worker: Any, e2e_zoho_credential: ZohoCredential, zoho_sim: ZohoHandle, tenant: Tenant
) -> None:
    first = run_via_worker(e2e_zoho_credential)
    assert (
        first.status,
        first.total,
        first.processed,
        first.created,
        first.updated,
        first.failed,
    ) == (
        "succeeded",
        1000,
        1000,
        1000,
        0,
        0,
    )
    assert Product.objects.filter(tenant=tenant, external_source="zoho").count() == 1000
    Product.objects.update(meta_sync_next_attempt=None)

    with CaptureQueriesContext(connection):
        second = run_via_worker(e2e_zoho_credential)
    assert (second.status, second.created, second.updated, second.unchanged) == (
        "succeeded",
        0,
        0,
        1000,
    )
    assert Product.objects.filter(meta_sync_next_attempt__isnull=False).count() == 0

    changed_id = zoho_sim.items()[41]["item_id"]
    zoho_sim.post(f"/_sim/items/{changed_id}", {"rate": 77.25})
    third = run_via_worker(e2e_zoho_credential)
    assert (third.updated, third.unchanged) == (1, 999)
    assert Product.objects.get(external_id=changed_id).price == Decimal("77.25")
    pending = list(
        Product.objects.filter(meta_sync_next_attempt__isnull=False).values_list(
            "external_id", flat=True
        )
    )
    assert pending == [changed_id]


def test_item_removed_upstream_is_deactivated_after_a_full_run(
    e2e_zoho_credential: ZohoCredential, zoho_sim: ZohoHandle, db: None
) -> None:
    sync_zoho_products_to_db(e2e_zoho_credential)
    gone = zoho_sim.items()[0]["item_id"]
    requests_delete(zoho_sim, gone)
    summary = sync_zoho_products_to_db(e2e_zoho_credential)
    assert summary["deactivated"] == 1
    assert Product.objects.get(external_id=gone).is_active is False
    assert Product.objects.filter(is_active=True).count() == 999


def requests_delete(sim: ZohoHandle, item_id: str) -> None:
    import requests

    requests.delete(f"{sim.url}/_sim/items/{item_id}", timeout=5).raise_for_status()


def test_fault_on_page_three_keeps_pages_one_and_two_and_deactivates_nothing(
    e2e_zoho_credential: ZohoCredential, zoho_sim: ZohoHandle, db: None
) -> None:
    sync_zoho_products_to_db(e2e_zoho_credential)
    Product.objects.create(
        tenant=e2e_zoho_credential.tenant,
        name="Ghost",
        sku="GHOST",
        price=Decimal("1"),
        external_source="zoho",
        external_id="999",
        external_connection=f"zoho:{e2e_zoho_credential.pk}",
    )
    zoho_sim.post(f"/_sim/items/{zoho_sim.items()[0]['item_id']}", {"rate": 1.5})  # page 1 changes
    zoho_sim.configure(fail_on_page={"page": 3, "times": 99})
    with pytest.raises(RetryableError, match="HTTP 500"):
        sync_zoho_products_to_db(e2e_zoho_credential)
    run = SyncRun.objects.order_by("-pk").first()
    assert run.status == "failed"
    assert run.processed == 400
    assert run.deactivated == 0
    assert Product.objects.get(external_id="999").is_active is True
    assert Product.objects.get(external_id=zoho_sim.items()[0]["item_id"]).price == Decimal("1.50")


def test_expired_token_mid_run_is_refreshed_once(
    e2e_zoho_credential: ZohoCredential, zoho_sim: ZohoHandle, db: None
) -> None:
    sync_zoho_products_to_db(e2e_zoho_credential)
    refreshes = zoho_sim.stats()["token_refreshes"]
    zoho_sim.post("/_sim/expire_tokens")
    summary = sync_zoho_products_to_db(e2e_zoho_credential)
    assert summary["unchanged"] == 1000
    assert zoho_sim.stats()["token_refreshes"] == refreshes + 1


def test_two_triggers_at_once_start_one_run(e2e_zoho_credential: ZohoCredential, db: None) -> None:
    a = trigger_sync(
        tenant=e2e_zoho_credential.tenant,
        provider="zoho",
        connection_id=e2e_zoho_credential.pk,
        trigger="api",
    )
    b = trigger_sync(
        tenant=e2e_zoho_credential.tenant,
        provider="zoho",
        connection_id=e2e_zoho_credential.pk,
        trigger="admin",
    )
    assert (a.created, b.created, a.run.pk) == (True, False, b.run.pk)
    assert SyncRun.objects.count() == 1


def test_manual_product_with_same_sku_is_adopted(
    e2e_zoho_credential: ZohoCredential,
    zoho_sim: ZohoHandle,
    make_product: Callable[..., Product],
    db: None,
) -> None:
    first = zoho_sim.items()[0]
    manual = make_product(e2e_zoho_credential.tenant, sku=first["sku"], name="Typed by hand")
    summary = sync_zoho_products_to_db(e2e_zoho_credential)
    assert (summary["created"], summary["updated"]) == (999, 1)
    manual.refresh_from_db()
    assert (manual.external_source, manual.external_id, manual.name) == (
        "zoho",
        first["item_id"],
        first["name"],
    )
    assert Product.objects.filter(sku=first["sku"]).count() == 1


def test_rate_limit_is_waited_out(
    e2e_zoho_credential: ZohoCredential, zoho_sim: ZohoHandle, db: None
) -> None:
    zoho_sim.configure(requests_per_minute=3)
    from integrations.zoho.client import ZohoClient
    from integrations.zoho.source import ZohoSource

    waits: list[float] = []
    client = ZohoClient(
        e2e_zoho_credential,
        budget=None,
        sleep=lambda s: (waits.append(s), zoho_sim.post("/_sim/advance_clock", {"seconds": s + 1})),
    )
    source = ZohoSource(e2e_zoho_credential, client=client)
    from integrations.engine.runs import execute_run, start_run

    run, _ = start_run(
        tenant=e2e_zoho_credential.tenant,
        provider="zoho",
        connection_id=e2e_zoho_credential.pk,
        trigger="api",
    )
    finished = execute_run(run, source)
    assert finished.status == "succeeded"
    assert finished.processed == 1000
    assert waits and all(w >= 1 for w in waits)


@pytest.mark.django_db(transaction=True)
def test_the_thread_reading_pages_opens_no_database_connection(
    e2e_zoho_credential: ZohoCredential, settings: Any
) -> None:
    """The progress estimate and the token refresh run in the task's own thread before the
    first page is read, so the reading thread never connects: a new PostgreSQL connection is
    a process started and its caches filled, for every run."""
    from django.db.backends.signals import connection_created

    from integrations.engine.runs import execute_run, start_run
    from integrations.zoho.source import ZohoSource

    settings.SYNC_PREFETCH_PAGES = 1
    opened_in: list[str] = []

    def opened(**_: Any) -> None:
        opened_in.append(threading.current_thread().name)

    run, _ = start_run(
        tenant=e2e_zoho_credential.tenant,
        provider="zoho",
        connection_id=e2e_zoho_credential.pk,
        trigger="api",
    )
    assert e2e_zoho_credential.access_token == ""  # the run starts with a token refresh
    connection_created.connect(opened)
    try:
        run = execute_run(run, ZohoSource(e2e_zoho_credential))
    finally:
        connection_created.disconnect(opened)
    assert (run.status, run.created) == ("succeeded", 1000)
    assert "sync-prefetch" not in opened_in
    assert Product.objects.filter(tenant=e2e_zoho_credential.tenant).count() == 1000
