"""ShopifyClient against canned GraphQL answers: pacing, THROTTLED, variant pages, bulk errors."""

import json
from typing import Any

import pytest
import responses

from integrations.http import RetryableError, TerminalError
from integrations.shopify.client import (
    MAX_PAGE_SIZE,
    ProductsCount,
    ShopifyBulkFailed,
    ShopifyClient,
    products_page_size,
    products_query_cost,
)
from integrations.shopify.models import ShopifyStore
from tenants.models import Tenant

URL = "https://acme.myshopify.com/admin/api/2025-07/graphql.json"


def answer(data: Any = None, *, available: float = 1000, actual: int = 10, **extra: Any) -> dict:
    return {
        "data": data,
        "extensions": {
            "cost": {
                "requestedQueryCost": 0,
                "actualQueryCost": actual,
                "throttleStatus": {
                    "maximumAvailable": 1000.0,
                    "currentlyAvailable": available,
                    "restoreRate": 100.0,
                },
            }
        },
        **extra,
    }


def variant(n: int) -> dict[str, Any]:
    return {"id": f"gid://shopify/ProductVariant/{n}", "sku": f"V{n}", "price": "1.00"}


@pytest.fixture
def store(db: None) -> ShopifyStore:
    tenant = Tenant.objects.create(name="Acme", slug="acme")
    return ShopifyStore.objects.create(
        tenant=tenant, shop_domain="acme.myshopify.com", access_token="shpat_secret"
    )


class FrozenClock:
    def __init__(self) -> None:
        self.now = 100.0
        self.slept: list[float] = []

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.slept.append(round(seconds, 2))
        self.now += seconds


def client(store: ShopifyStore, clock: FrozenClock) -> ShopifyClient:
    return ShopifyClient(store, clock=clock, sleep=clock.sleep, max_retries=2)


@responses.activate
def test_waits_for_the_bucket_to_cover_the_requested_cost(store: ShopifyStore) -> None:
    clock = FrozenClock()
    shop = client(store, clock)
    responses.post(URL, json=answer({"productsCount": {"count": 3}}, available=200))
    responses.post(URL, json=answer({"productsCount": {"count": 3}}, available=0))
    assert shop.products_count() == ProductsCount(3, exact=True)
    assert clock.slept == []  # the first query trusts a full bucket
    shop.graphql("query ProductsCount { productsCount { count } }", cost=500)
    assert clock.slept == [3.0]  # (500 - 200) points at 100 a second
    sent = json.loads(responses.calls[1].request.body)
    assert sent == {"query": "query ProductsCount { productsCount { count } }", "variables": {}}
    assert responses.calls[1].request.headers["X-Shopify-Access-Token"] == "shpat_secret"
    assert (shop.points_spent, shop.max_requested) == (20, 500)


@responses.activate
def test_throttled_is_waited_out_then_retried(store: ShopifyStore) -> None:
    clock = FrozenClock()
    shop = client(store, clock)
    throttled = {"errors": [{"message": "Throttled", "extensions": {"code": "THROTTLED"}}]}
    responses.post(URL, json=answer(None, available=50, **throttled))
    responses.post(URL, json=answer({"productsCount": {"count": 7}}))
    assert shop.products_count().count == 7
    assert len(responses.calls) == 2
    responses.calls.reset()
    responses.replace(responses.POST, URL, json=answer(None, available=0, **throttled))
    with pytest.raises(RetryableError, match="kept answering THROTTLED"):
        shop.products_count()
    assert len(responses.calls) == 3  # the first try and max_retries more


@responses.activate
def test_products_with_more_variants_than_the_page_get_their_own_variant_pages(
    store: ShopifyStore,
) -> None:
    shop = client(store, FrozenClock())
    first_page = [variant(n) for n in range(1, 11)]
    product = {
        "id": "gid://shopify/Product/1",
        "variants": {"pageInfo": {"hasNextPage": True, "endCursor": "c10"}, "nodes": first_page},
    }
    responses.post(
        URL,
        json=answer(
            {
                "products": {
                    "pageInfo": {"hasNextPage": False, "endCursor": "p1"},
                    "nodes": [product],
                }
            }
        ),
    )
    rest = {"pageInfo": {"hasNextPage": False, "endCursor": "c14"}, "nodes": [variant(11)]}
    responses.post(URL, json=answer({"product": {"variants": rest}}))
    pages = list(shop.product_pages(updated_since="2026-05-01T00:00:00Z"))
    assert [after for _, after in pages] == [None]  # the last page: nothing to resume from
    assert [[v["sku"] for v in variants] for _, variants in pages[0][0]] == [
        [f"V{n}" for n in range(1, 12)]
    ]
    page_vars = json.loads(responses.calls[0].request.body)["variables"]
    assert page_vars == {
        "first": products_page_size(),
        "after": None,
        "query": "updated_at:>='2026-05-01T00:00:00Z'",
        "variantsFirst": 10,
    }
    variant_vars = json.loads(responses.calls[1].request.body)["variables"]
    assert variant_vars == {"id": "gid://shopify/Product/1", "first": MAX_PAGE_SIZE, "after": "c10"}
    assert shop.max_requested == products_query_cost(products_page_size(), 10) == 988


@responses.activate
@pytest.mark.parametrize(
    ("message", "error"),
    [
        ("A bulk query operation for this app and shop is already in progress", RetryableError),
        ("Invalid bulk query: products field doesn't exist", TerminalError),
    ],
)
def test_refused_bulk_operations(store: ShopifyStore, message: str, error: type) -> None:
    payload = {"bulkOperation": None, "userErrors": [{"field": None, "message": message}]}
    responses.post(URL, json=answer({"bulkOperationRunQuery": payload}))
    with pytest.raises(error, match="Shopify refused the bulk operation"):
        client(store, FrozenClock()).run_bulk_export(poll_seconds=0)


@responses.activate
def test_failed_bulk_operation_names_shopifys_error_code(store: ShopifyStore) -> None:
    started = {"bulkOperation": {"id": "gid://shopify/BulkOperation/9", "status": "CREATED"}}
    responses.post(URL, json=answer({"bulkOperationRunQuery": {**started, "userErrors": []}}))
    node = {"id": "gid://shopify/BulkOperation/9", "status": "FAILED", "errorCode": "TIMEOUT"}
    responses.post(URL, json=answer({"node": node}))
    with pytest.raises(ShopifyBulkFailed, match=r"^Shopify bulk operation failed: TIMEOUT$"):
        client(store, FrozenClock()).run_bulk_export(poll_seconds=0)


def serve_bulk_polls(running: int, outcome: dict[str, Any] | None) -> None:
    """A started export answered RUNNING `running` times, then `outcome` (if any)."""
    operation = "gid://shopify/BulkOperation/9"
    started = {"bulkOperation": {"id": operation, "status": "CREATED"}}
    responses.post(URL, json=answer({"bulkOperationRunQuery": {**started, "userErrors": []}}))
    for _ in range(running):
        responses.post(URL, json=answer({"node": {"id": operation, "status": "RUNNING"}}))
    if outcome:
        responses.post(URL, json=answer({"node": {"id": operation, **outcome}}))


@responses.activate
def test_bulk_status_is_polled_early_then_less_often(store: ShopifyStore) -> None:
    """First poll after 50 ms, each wait twice the last, up to `poll_seconds`: an export that
    is done at once costs a twentieth of a second, a long one a poll every 2 s."""
    clock = FrozenClock()
    serve_bulk_polls(7, {"status": "COMPLETED", "url": "https://storage.test/export.jsonl"})
    url = client(store, clock).run_bulk_export(poll_seconds=2)
    assert url == "https://storage.test/export.jsonl"
    assert clock.slept == [0.05, 0.1, 0.2, 0.4, 0.8, 1.6, 2.0, 2.0]
    assert len(responses.calls) == 1 + 8


@responses.activate
def test_bulk_wait_gives_up_at_its_deadline(store: ShopifyStore) -> None:
    clock = FrozenClock()
    serve_bulk_polls(20, None)
    with pytest.raises(RetryableError, match="did not finish in time"):
        client(store, clock).run_bulk_export(poll_seconds=2, timeout_seconds=5)
    assert clock.slept == [0.05, 0.1, 0.2, 0.4, 0.8, 1.6, 2.0]  # 5.15 s: past the deadline
    assert len(responses.calls) == 1 + 7


@responses.activate
def test_errors_never_carry_the_token(store: ShopifyStore) -> None:
    responses.post(
        URL, json={"errors": [{"message": "Field 'x' doesn't exist (token shpat_secret)"}]}
    )
    with pytest.raises(TerminalError) as caught:
        client(store, FrozenClock()).products_count()
    assert "shpat_secret" not in str(caught.value)
