"""Shopify bulk exports and counts against canned answers (`responses`): the regressions of
issue 11's findings 1, 6 and 7, each of which the previous code got wrong."""

import json
import random
from typing import Any

import pytest
import responses

from integrations.engine.runs import execute_run, start_run
from integrations.shopify.bulk import BulkJoin
from integrations.shopify.client import ShopifyClient
from integrations.shopify.models import ShopifyStore
from integrations.shopify.source import ShopifySource
from products_and_services.models import Product
from tenants.models import Tenant
from tests.integrations.test_shopify_client import URL, answer

DOWNLOAD = "https://storage.googleapis.com/shopify-bulk/export.jsonl?X-Goog-Signature=abc"


@pytest.fixture
def store(db: None) -> ShopifyStore:
    tenant = Tenant.objects.create(name="Acme", slug="acme")
    return ShopifyStore.objects.create(
        tenant=tenant, shop_domain="acme.myshopify.com", access_token="shpat_secret"
    )


def export_rows(products: int) -> list[dict[str, Any]]:
    """Product rows and their variant rows (two each), as a bulk export writes them."""
    rows: list[dict[str, Any]] = []
    for n in range(1, products + 1):
        pid = f"gid://shopify/Product/{n}"
        rows.append({"id": pid, "title": f"P{n}", "status": "ACTIVE", "updatedAt": None})
        for size in ("S", "M"):
            rows.append(
                {
                    "id": f"gid://shopify/ProductVariant/{n}{size}",
                    "sku": f"P{n}-{size}",
                    "price": f"{n}.00",
                    "inventoryQuantity": n,
                    "inventoryPolicy": "DENY",
                    "inventoryItem": {"tracked": True},
                    "selectedOptions": [{"name": "Size", "value": size}],
                    "__parentId": pid,
                }
            )
    return rows


def serve_bulk(rows: list[dict[str, Any]], *, count: int, precision: str = "EXACT") -> None:
    body = "".join(json.dumps(r) + "\n" for r in rows)
    started = {"bulkOperation": {"id": "gid://shopify/BulkOperation/1", "status": "CREATED"}}
    done = {
        "id": "gid://shopify/BulkOperation/1",
        "status": "COMPLETED",
        "errorCode": None,
        "objectCount": str(len(rows)),
        "url": DOWNLOAD,
    }
    responses.post(URL, json=answer({"productsCount": {"count": count, "precision": precision}}))
    responses.post(URL, json=answer({"bulkOperationRunQuery": {**started, "userErrors": []}}))
    responses.post(URL, json=answer({"node": done}))
    responses.get(DOWNLOAD, body=body)


def full_run(store: ShopifyStore) -> Any:
    sync_run, _ = start_run(
        tenant=store.tenant, provider="shopify", connection_id=store.pk, trigger="api", mode="full"
    )
    client = ShopifyClient(store, sleep=lambda s: None)
    return execute_run(sync_run, ShopifySource(store, client=client))


@responses.activate
def test_an_ungrouped_export_in_any_order_rebuilds_every_product(
    store: ShopifyStore, settings: Any
) -> None:
    """Regression (finding 1): from API 2026-01 `groupObjects` defaults to false and a variant
    row need not follow its product (bulkOperationRunQuery reference, 2026-01 changelog
    "Bulk operations group objects default changed to false"). The old reader kept a variant
    only when its product was the row just before it, and stored the rest without prices."""
    settings.SHOPIFY_BULK_THRESHOLD = 2
    settings.SHOPIFY_BULK_POLL_SECONDS = 0
    rows = export_rows(6)
    random.Random(7).shuffle(rows)
    rows.sort(key=lambda r: "__parentId" not in r)  # every variant even before its product
    serve_bulk(rows, count=6)
    finished = full_run(store)
    assert (finished.status, finished.created, finished.failed) == ("succeeded", 6, 0)
    for n in range(1, 7):
        product = Product.objects.get(external_id=f"gid://shopify/Product/{n}")
        assert (product.price, product.stock_quantity) == (n, 2 * n)
        assert sorted(product.variants.values_list("sku", flat=True)) == [f"P{n}-M", f"P{n}-S"]
    start = json.loads(responses.calls[1].request.body)["query"]
    assert "groupObjects: false" in start  # stated, not left to the version's default


@responses.activate
def test_the_bulk_file_is_fetched_without_the_shops_token(
    store: ShopifyStore, settings: Any
) -> None:
    """Regression (finding 6): the export's `url` is a signed storage URL on another host
    (bulk operations guide: "download the JSONL file from the url"); the Admin token must
    not be sent there."""
    settings.SHOPIFY_BULK_THRESHOLD = 0
    settings.SHOPIFY_BULK_POLL_SECONDS = 0
    serve_bulk(export_rows(1), count=1)
    assert full_run(store).status == "succeeded"
    download = next(c for c in responses.calls if c.request.url == DOWNLOAD)
    assert "X-Shopify-Access-Token" not in download.request.headers
    graphql = [c for c in responses.calls if c.request.url == URL]
    assert all(c.request.headers["X-Shopify-Access-Token"] == "shpat_secret" for c in graphql)


@responses.activate
def test_a_capped_count_gives_an_indeterminate_total_and_a_bulk_run(
    store: ShopifyStore, settings: Any
) -> None:
    """Regression (finding 7): `productsCount` stops at 10,000 by default and says
    `precision: AT_LEAST` (productsCount reference: `limit` defaults to 10000; Count.precision).
    The run's total must be unknown rather than 10,000."""
    settings.SHOPIFY_BULK_THRESHOLD = 50_000
    settings.SHOPIFY_BULK_POLL_SECONDS = 0
    serve_bulk(export_rows(3), count=10_000, precision="AT_LEAST")
    source = ShopifySource(store, client=ShopifyClient(store, sleep=lambda s: None))
    pages = list(source.pages("full", None, []))
    assert source.used_bulk is True  # "at least 10,000" is a large catalog
    assert [(len(p.records), p.total) for p in pages] == [(3, None)]  # progress: indeterminate
    count_query = json.loads(responses.calls[0].request.body)["query"]
    assert "precision" in count_query


def test_the_join_reads_pages_in_file_order_and_counts_orphans(tmp_path: Any) -> None:
    rows = export_rows(5)
    rows.append({"id": "gid://shopify/ProductVariant/x", "__parentId": "gid://shopify/Product/99"})
    with BulkJoin(directory=str(tmp_path)) as joined:
        joined.add_rows(reversed(rows))
        pages = list(joined.pages(2))
        assert [[p["id"][-1] for p, _ in page] for page in pages] == [["5", "4"], ["3", "2"], ["1"]]
        assert [len(children) for page in pages for _, children in page] == [2] * 5
        assert joined.orphans() == 1
        path = joined.path
    assert not list(tmp_path.iterdir()), path  # the spill file is gone


def test_the_join_keeps_each_downloaded_line_as_it_came(tmp_path: Any) -> None:
    """Lines are stored as text, never re-encoded (one decode to find the ids, one when read
    back); what comes out is what the line said, children in file order."""
    lines = [
        b'{"id":"gid://shopify/ProductVariant/2","sku":"B","__parentId":"gid://shopify/Product/1"}',
        b'{"id": "gid://shopify/Product/1",  "title": "Caf\\u00e9"}',
        b'{"id":"gid://shopify/ProductVariant/1","sku":"A","__parentId":"gid://shopify/Product/1"}',
    ]
    with BulkJoin(directory=str(tmp_path)) as joined:
        joined.add_lines(lines)
        stored = [row for (row,) in joined.db.execute("SELECT row FROM parents")]
        assert stored == [lines[1].decode()]
        [[(product, variants)]] = list(joined.pages(10))
    assert product == {"id": "gid://shopify/Product/1", "title": "Café"}
    assert [v["sku"] for v in variants] == ["B", "A"]
