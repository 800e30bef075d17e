"""Pulls in chunks: a run stops at a page it can resume from, goes back to the queue with its
cursor, and the next chunk carries on. Long Shopify exports are re-checked by delayed tasks
instead of being waited for in a worker.

Invariants checked here: every item is stored once whatever the chunking; removal only on
proof (what an earlier chunk saw is not deactivated by a later one); a cancelled run stops
between chunks and leaves nothing behind.
"""

import json
from collections.abc import Callable
from contextlib import AbstractContextManager
from datetime import timedelta
from decimal import Decimal
from typing import Any

import pytest
import responses
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from responses import matchers

from integrations.engine.records import ProductRecord
from integrations.engine.runs import cancel_run, execute_chunk, execute_run, start_run
from integrations.http import RetryableError
from integrations.models import SyncRun, SyncSeen
from integrations.shopify.client import ShopifyClient
from integrations.shopify.models import ShopifyStore
from integrations.shopify.source import ShopifySource
from integrations.tasks import run_sync
from integrations.webhooks.apply import apply_record
from integrations.zoho.models import ZohoCredential
from integrations.zoho.source import ZohoSource
from products_and_services.models import Product
from tests.integrations.conftest import other_run
from tests.integrations.test_shopify_bulk import DOWNLOAD, export_rows
from tests.integrations.test_shopify_client import URL, answer

pytestmark = pytest.mark.django_db
ITEMS = "https://zoho.test/inventory/v1/items"


def serve_zoho_pages(pages: list[list[int]]) -> None:
    """Zoho's item pages, by page number; pages past the last come back empty."""
    for number, ids in enumerate([*pages, *[[]] * 8], start=1):
        items = [
            {
                "item_id": str(n),
                "name": f"Item {n}",
                "sku": f"SKU-{n}",
                "rate": n,
                "status": "active",
            }
            for n in ids
        ]
        responses.get(
            ITEMS,
            match=[matchers.query_param_matcher({"page": str(number)}, strict_match=False)],
            json={
                "code": 0,
                "items": items,
                "page_context": {"page": number, "has_more_page": number < len(pages)},
            },
        )


def zoho_run(credential: ZohoCredential) -> SyncRun:
    run, _ = start_run(
        tenant=credential.tenant, provider="zoho", connection_id=credential.pk, trigger="api"
    )
    return run


def pages_asked() -> list[str]:
    """The item list pages asked for, in order (not the single-item rechecks)."""
    return [
        c.request.params["page"]
        for c in responses.calls
        if c.request.url.startswith(ITEMS) and "page" in c.request.params
    ]


@responses.activate
def test_each_chunk_resumes_after_the_last_page_stored(
    zoho_credential: ZohoCredential, settings: Any
) -> None:
    settings.ZOHO_PAGE_CONCURRENCY = 1
    serve_zoho_pages([[1, 2], [3, 4], [5]])
    run = zoho_run(zoho_credential)
    source = ZohoSource(zoho_credential)

    first = execute_chunk(run, source, budget_seconds=0)
    assert first.resume_in == 0
    assert (first.run.status, first.run.cursor, first.run.processed) == (
        "queued",
        {"page": 2, "seen": 2},
        2,
    )
    assert first.run.not_before is not None
    assert first.run.not_before <= timezone.now()
    # Kept for the end of the run: one row for the page.
    assert list(SyncSeen.objects.values_list("external_ids", flat=True)) == [["1", "2"]]

    second = execute_chunk(first.run, source, budget_seconds=0)
    assert (second.run.status, second.run.cursor, second.run.processed) == (
        "queued",
        {"page": 3, "seen": 4},
        4,
    )
    last = execute_chunk(second.run, source, budget_seconds=0)
    assert last.finished
    assert (last.run.status, last.run.created, last.run.chunks) == ("succeeded", 5, 3)
    assert pages_asked() == ["1", "2", "3"]  # each page once
    assert sorted(Product.objects.values_list("external_id", flat=True)) == list("12345")
    assert last.run.started_at is not None
    assert last.run.started_at <= first.run.not_before  # started once, at the first chunk


@responses.activate
def test_a_chunked_full_run_deactivates_only_what_no_chunk_saw(
    zoho_credential: ZohoCredential, settings: Any
) -> None:
    """Removal only on proof: the seen set spans the chunks; an item listed in the first
    chunk is not taken for a removal by the last."""
    settings.ZOHO_PAGE_CONCURRENCY = 1
    serve_zoho_pages([[1, 2], [3]])
    execute_run(zoho_run(zoho_credential), ZohoSource(zoho_credential))
    responses.reset()
    serve_zoho_pages([[1], [3]])  # 2 is gone upstream
    responses.get(f"{ITEMS}/2", json={"code": 1002, "message": "Item does not exist."})
    run = zoho_run(zoho_credential)
    end = execute_chunk(run, ZohoSource(zoho_credential), budget_seconds=0)
    while not end.finished:
        end = execute_chunk(end.run, ZohoSource(zoho_credential), budget_seconds=0)
    assert (end.run.status, end.run.deactivated, end.run.chunks) == ("succeeded", 1, 2)
    active = Product.objects.filter(is_active=True).values_list("external_id", flat=True)
    assert sorted(active) == ["1", "3"]
    assert not SyncSeen.objects.exists()


@responses.activate
def test_a_second_delivery_of_a_chunk_does_nothing(
    zoho_credential: ZohoCredential, settings: Any
) -> None:
    settings.ZOHO_PAGE_CONCURRENCY = 1
    serve_zoho_pages([[1], [2]])
    run = zoho_run(zoho_credential)
    SyncRun.objects.filter(pk=run.pk).update(status="running")  # another worker holds it
    end = execute_chunk(run, ZohoSource(zoho_credential), budget_seconds=0)
    assert end.finished
    assert (end.run.status, end.run.processed, end.run.chunks) == ("running", 0, 0)
    assert pages_asked() == []


@responses.activate
def test_a_run_cancelled_between_chunks_stops_and_leaves_no_seen_rows(
    zoho_credential: ZohoCredential, settings: Any
) -> None:
    settings.ZOHO_PAGE_CONCURRENCY = 1
    serve_zoho_pages([[1, 2], [3]])
    run = zoho_run(zoho_credential)
    waiting = execute_chunk(run, ZohoSource(zoho_credential), budget_seconds=0).run
    assert SyncSeen.objects.filter(run=run).count() == 1
    assert cancel_run(waiting, reason="Stopped by staff") is True
    assert not SyncSeen.objects.exists()
    end = execute_chunk(waiting, ZohoSource(zoho_credential), budget_seconds=0)
    assert (end.run.status, end.run.processed, end.run.deactivated) == ("cancelled", 2, 0)
    assert pages_asked() == ["1"]


@pytest.fixture
def store(tenant: Any) -> ShopifyStore:
    return ShopifyStore.objects.create(
        tenant=tenant, shop_domain="acme.myshopify.com", access_token="shpat_secret"
    )


OPERATION = "gid://shopify/BulkOperation/1"


def serve_bulk_start(count: int) -> None:
    started = {"bulkOperation": {"id": OPERATION, "status": "CREATED"}}
    responses.post(URL, json=answer({"productsCount": {"count": count, "precision": "EXACT"}}))
    responses.post(URL, json=answer({"bulkOperationRunQuery": {**started, "userErrors": []}}))


def serve_bulk_status(status: str, rows: list[dict[str, Any]] | None = None) -> None:
    node = {"id": OPERATION, "status": status, "url": DOWNLOAD if rows is not None else None}
    responses.post(URL, json=answer({"node": node}))
    if rows is not None:
        responses.get(DOWNLOAD, body="".join(json.dumps(r) + "\n" for r in rows))


def bulk_source(store: ShopifyStore, now: list[float]) -> ShopifySource:
    source = ShopifySource(store, client=ShopifyClient(store, sleep=lambda s: None))
    source.wall_clock = lambda: now[0]
    return source


def graphql_operations() -> list[str]:
    """What each GraphQL call asked, by its first word after the opening brace."""
    names = []
    for call in responses.calls:
        if call.request.url == URL:
            query = json.loads(call.request.body)["query"]
            names.append(
                "count"
                if "productsCount" in query
                else "start"
                if "bulkOperationRunQuery" in query
                else "poll"
            )
    return names


@responses.activate
def test_a_long_export_is_rechecked_by_delayed_chunks_not_waited_for(
    store: ShopifyStore, settings: Any
) -> None:
    settings.SHOPIFY_BULK_THRESHOLD = 0
    settings.SHOPIFY_BULK_INLINE_WAIT_SECONDS = 0  # no polls in the first task
    settings.SHOPIFY_BULK_POLL_SECONDS = 2
    settings.SHOPIFY_BULK_RECHECK_MAX_SECONDS = 5
    serve_bulk_start(3)
    for _ in range(3):
        serve_bulk_status("RUNNING")
    serve_bulk_status("COMPLETED", export_rows(3))
    now = [1_000.0]
    run, _ = start_run(tenant=store.tenant, provider="shopify", connection_id=store.pk, trigger="x")

    delays = []
    end = execute_chunk(run, bulk_source(store, now), budget_seconds=2)
    while not end.finished:
        assert end.run.status == "queued"
        assert end.run.not_before is not None
        assert end.run.not_before > timezone.now() + timedelta(seconds=end.resume_in - 1)
        delays.append(end.resume_in)
        end = execute_chunk(end.run, bulk_source(store, now), budget_seconds=2)
    assert delays == [2.0, 4.0, 5.0, 5.0]  # doubling up to the maximum
    assert graphql_operations() == ["count", "start", "poll", "poll", "poll", "poll"]
    assert (end.run.status, end.run.created, end.run.chunks, end.run.total) == (
        "succeeded",
        3,
        5,
        3,
    )


@responses.activate
def test_an_export_past_its_timeout_fails_the_run_for_a_retry(
    store: ShopifyStore, settings: Any
) -> None:
    settings.SHOPIFY_BULK_THRESHOLD = 0
    settings.SHOPIFY_BULK_INLINE_WAIT_SECONDS = 0
    settings.SHOPIFY_BULK_TIMEOUT_SECONDS = 60
    serve_bulk_start(3)
    serve_bulk_status("RUNNING")
    now = [1_000.0]
    run, _ = start_run(tenant=store.tenant, provider="shopify", connection_id=store.pk, trigger="x")
    end = execute_chunk(run, bulk_source(store, now), budget_seconds=2)
    assert end.run.cursor["started"] == 1_000.0
    now[0] += 61
    with pytest.raises(RetryableError, match="did not finish in time"):
        execute_chunk(end.run, bulk_source(store, now), budget_seconds=2)
    end.run.refresh_from_db()
    assert (end.run.status, end.run.message) == (
        "failed",
        "Shopify bulk operation did not finish in time",
    )


@responses.activate
def test_a_resumed_export_skips_the_products_stored_before(
    store: ShopifyStore, settings: Any
) -> None:
    """A chunk may stop every 8 pages of 250 products; the next one downloads the export
    again and starts after the 2,000 products already stored."""
    settings.SHOPIFY_BULK_THRESHOLD = 0
    settings.SHOPIFY_BULK_POLL_SECONDS = 0
    serve_bulk_start(2_100)
    serve_bulk_status("COMPLETED", export_rows(2_100))
    run, _ = start_run(tenant=store.tenant, provider="shopify", connection_id=store.pk, trigger="x")
    first = execute_chunk(run, bulk_source(store, [0.0]), budget_seconds=0)
    assert first.resume_in == 0
    assert first.run.processed == 2_000
    assert first.run.cursor == {"bulk": OPERATION, "url": DOWNLOAD, "done": 2_000, "total": 2_100}
    last = execute_chunk(first.run, bulk_source(store, [0.0]), budget_seconds=0)
    assert (last.run.status, last.run.created, last.run.processed) == ("succeeded", 2_100, 2_100)
    downloads = [c for c in responses.calls if c.request.url == DOWNLOAD]
    assert len(downloads) == 2
    assert graphql_operations() == ["count", "start", "poll"]  # the second chunk asks nothing
    assert Product.objects.count() == 2_100


@responses.activate
def test_a_bulk_export_is_not_left_early_for_a_shorter_run_waiting(
    store: ShopifyStore, settings: Any
) -> None:
    """Resuming an export downloads it again, so a chunk reading one does not give way to a
    run waiting for its slot (see `turns`): it ends when its time is spent, here never."""
    settings.SHOPIFY_BULK_THRESHOLD = 0
    settings.SHOPIFY_BULK_POLL_SECONDS = 0
    serve_bulk_start(2_100)
    serve_bulk_status("COMPLETED", export_rows(2_100))
    settings.SYNC_YIELD_AFTER_SECONDS = 0
    run, _ = start_run(tenant=store.tenant, provider="shopify", connection_id=store.pk, trigger="x")
    other_run()  # queued behind it
    end = execute_chunk(run, bulk_source(store, [0.0]), budget_seconds=3600)
    assert (end.run.status, end.run.created, end.run.chunks) == ("succeeded", 2_100, 1)
    assert len([c for c in responses.calls if c.request.url == DOWNLOAD]) == 1


@responses.activate
def test_a_page_seen_is_one_row_of_its_ids(zoho_credential: ZohoCredential, settings: Any) -> None:
    settings.ZOHO_PAGE_CONCURRENCY = 1
    serve_zoho_pages([[1, 2], [3]])
    run = zoho_run(zoho_credential)
    execute_chunk(run, ZohoSource(zoho_credential), budget_seconds=0)
    assert list(SyncSeen.objects.values_list("run_id", "external_ids")) == [(run.pk, ["1", "2"])]


@responses.activate
def test_with_the_broker_down_the_task_carries_on_with_the_run_itself(
    zoho_credential: ZohoCredential,
    settings: Any,
    broker_down_for_producers: Callable[[], AbstractContextManager[None]],
) -> None:
    """The next chunk cannot be queued: rather than leave the run to beat's sweep (minutes),
    the worker that holds it works on, chunk after chunk, and the run ends in this task."""
    settings.ZOHO_PAGE_CONCURRENCY = 1
    settings.SYNC_CHUNK_SECONDS = 0
    serve_zoho_pages([[1, 2], [3, 4], [5]])
    run = zoho_run(zoho_credential)
    with broker_down_for_producers():
        run_sync.apply(args=[run.pk])
    run.refresh_from_db()
    assert (run.status, run.created, run.chunks) == ("succeeded", 5, 3)
    assert pages_asked() == ["1", "2", "3"]


@responses.activate
def test_zoho_pages_in_flight_at_a_chunks_end_are_stored_not_asked_again(
    zoho_credential: ZohoCredential, settings: Any
) -> None:
    """Zoho allows 100 calls a minute: with 4 pages asked for at once, a chunk whose time is
    spent asks for no more, stores the 4 it asked for, and the next chunk starts after them.
    A first run asks for its first page alone (the catalog may fit in it); a resumed one
    reads ahead from its start."""
    settings.ZOHO_PAGE_CONCURRENCY = 4
    serve_zoho_pages([[1], [2], [3], [4], [5], [6]])
    run = zoho_run(zoho_credential)
    first = execute_chunk(run, ZohoSource(zoho_credential), budget_seconds=0)
    assert (first.run.status, first.run.processed, first.run.cursor) == (
        "queued",
        1,
        {"page": 2, "seen": 1},
    )
    assert pages_asked() == ["1"]
    second = execute_chunk(first.run, ZohoSource(zoho_credential), budget_seconds=0)
    assert (second.run.status, second.run.processed, second.run.cursor) == (
        "queued",
        5,
        {"page": 6, "seen": 5},
    )
    assert sorted(pages_asked(), key=int) == ["1", "2", "3", "4", "5"]
    last = execute_chunk(second.run, ZohoSource(zoho_credential), budget_seconds=0)
    assert (last.run.status, last.run.created, last.run.chunks) == ("succeeded", 6, 3)
    # Pages 7 to 9 were asked ahead past the last page (they come back empty); none twice.
    assert sorted(pages_asked(), key=int) == [str(n) for n in range(1, 10)]


def webhook_product(store: ShopifyStore, number: int, sku: str) -> Product:
    """A product a Shopify webhook delivered (as `integrations.webhooks` applies one)."""
    apply_record(
        tenant=store.tenant,
        source="shopify",
        connection_key=store.connection_key,
        record=ProductRecord(
            external_id=f"gid://shopify/Product/{number}", name=sku, sku=sku, price=Decimal("3")
        ),
        default_currency="USD",
    )
    return Product.objects.get(external_id=f"gid://shopify/Product/{number}")


@responses.activate
def test_a_product_a_webhook_wrote_during_a_full_run_is_not_taken_for_a_removal(
    store: ShopifyStore, settings: Any
) -> None:
    """An export is a snapshot of its start: a product created upstream meanwhile, and
    delivered by a webhook, is not in it. Removal only on proof: a product written after the
    run started is left for the next full run to judge; one untouched since is removed."""
    settings.SHOPIFY_BULK_THRESHOLD = 0
    settings.SHOPIFY_BULK_INLINE_WAIT_SECONDS = 0
    gone = webhook_product(store, 77, "OLD")  # before the run; deleted upstream since
    serve_bulk_start(2)
    serve_bulk_status("RUNNING")
    serve_bulk_status("COMPLETED", export_rows(2))
    now = [1_000.0]
    run, _ = start_run(tenant=store.tenant, provider="shopify", connection_id=store.pk, trigger="x")
    first = execute_chunk(run, bulk_source(store, now), budget_seconds=2)
    assert (first.finished, first.run.status) == (False, "queued")
    new = webhook_product(store, 999, "NEW")  # created upstream while the export runs
    end = execute_chunk(first.run, bulk_source(store, now), budget_seconds=2)  # still running
    end = execute_chunk(end.run, bulk_source(store, now), budget_seconds=2)
    assert (end.finished, end.run.status, end.run.deactivated) == (True, "succeeded", 1)
    active = dict(Product.objects.values_list("external_id", "is_active"))
    assert active == {
        gone.external_id: False,
        new.external_id: True,
        "gid://shopify/Product/1": True,
        "gid://shopify/Product/2": True,
    }


@responses.activate
def test_a_one_page_full_run_costs_a_fixed_number_of_statements(
    zoho_credential: ZohoCredential, settings: Any
) -> None:
    """A small tenant's run is mostly fixed cost: the run's own bookkeeping must not grow.
    Claim (1, the row comes back with it), progress estimate (1), the page's transaction
    (BEGIN, existing rows, identity holders, products, identities, seen ids, counters, COMMIT:
    8), the run read afresh (1), the unseen items (1), finish (1, the row comes back), the
    seen set dropped (1) and the sync log (1)."""
    settings.ZOHO_PAGE_CONCURRENCY = 4
    serve_zoho_pages([[1, 2, 3]])
    run = zoho_run(zoho_credential)
    source = ZohoSource(zoho_credential)
    with CaptureQueriesContext(connection) as queries:
        run = execute_run(run, source)
    assert (run.status, run.created) == ("succeeded", 3)
    # SQLite (make run) reads the inserted identities back: one statement more.
    expected = 15 if connection.vendor == "postgresql" else 16
    assert len(queries) == expected, "\n".join(q["sql"][:80] for q in queries.captured_queries)
    assert pages_asked() == ["1"]  # a first run asks for its first page alone
