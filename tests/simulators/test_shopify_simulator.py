"""The Shopify GraphQL simulator: cost scoring, the bucket, paging, filters and bulk exports."""

import json
from collections.abc import Iterator
from typing import Any

import pytest
import requests

from simulators.base import SimulatorServer
from simulators.shopify import ShopifySimulator

TOKEN = {"X-Shopify-Access-Token": "shpat_sim"}
PATH = "/admin/api/2025-07/graphql.json"
PRODUCTS = (
    "query P($first: Int!, $after: String, $query: String) { products(first: $first, "
    "after: $after, query: $query) { pageInfo { hasNextPage endCursor } nodes { id updatedAt "
    "variants(first: 5) { nodes { sku selectedOptions { name value } } } } } }"
)
BULK = (
    'mutation { bulkOperationRunQuery(query: """{ products { edges { node { id title '
    'variants { edges { node { id sku } } } } } } }""") '
    "{ bulkOperation { id status } userErrors { field message } } }"
)
POLL = "query B($id: ID!) { node(id: $id) { ... on BulkOperation { status errorCode url } } }"


class Shop:
    def __init__(self, server: SimulatorServer) -> None:
        self.url = server.url
        self.sim: ShopifySimulator = server.app  # type: ignore[assignment]

    def gql(self, query: str, variables: dict[str, Any] | None = None, **headers: str) -> Any:
        response = requests.post(
            self.url + PATH,
            json={"query": query, "variables": variables or {}},
            headers=headers or TOKEN,
            timeout=5,
        )
        return response.status_code, response.json()


@pytest.fixture
def shop() -> Iterator[Shop]:
    with SimulatorServer(ShopifySimulator(products=12)) as server:
        yield Shop(server)


def cost(body: dict[str, Any]) -> dict[str, Any]:
    return body["extensions"]["cost"]


def test_requested_cost_follows_the_documented_examples(shop: Shop) -> None:
    status, body = shop.gql(
        "{ products(first: 50) { nodes { id variants(first: 15) { nodes { id sku } } } } }"
    )
    assert status == 200
    # 8 one-variant products cost 1 + (2 + 1) each, 4 three-variant ones 1 + (2 + 3).
    assert (cost(body)["requestedQueryCost"], cost(body)["actualQueryCost"]) == (902, 58)
    status, body = shop.gql(
        "{ products(first: 250) { nodes { id variants(first: 100) { nodes { id } } } } }"
    )
    assert body == {
        "errors": [
            {
                "message": "Query cost is 25752, which exceeds the single query max cost "
                "limit (1000).",
                "extensions": {"code": "MAX_COST_EXCEEDED", "cost": 25752, "maxCost": 1000},
            }
        ]
    }
    assert shop.sim.stats()["max_requested_cost"] == 25752


def test_wrong_queries_fail_like_shopify(shop: Shop) -> None:
    assert shop.gql("{ products(first: 5) { nodes { id nme } } }")[1] == {
        "errors": [{"message": "Cannot query field 'nme' on type 'Product'."}]
    }
    assert shop.gql("{ products { nodes { id } } }")[1] == {
        "errors": [{"message": "you must provide one of first or last on products"}]
    }
    assert shop.gql("{ products(first: 251) { nodes { id } } }")[1] == {
        "errors": [{"message": "products first/last must be at most 250"}]
    }
    status, body = shop.gql(
        "{ products(first: 1) { nodes { id } } }", **{"X-Shopify-Access-Token": "nope"}
    )
    assert status == 401 and "Invalid API key or access token" in body["errors"]


@pytest.fixture
def still_shop() -> Iterator[Shop]:
    """A shop whose clock only moves when the test advances it, so the bucket is exact."""
    with SimulatorServer(ShopifySimulator(products=12, clock=lambda: 1000.0)) as server:
        yield Shop(server)


def test_bucket_throttles_and_restores_with_the_clock(still_shop: Shop) -> None:
    shop = still_shop
    requests.post(shop.url + "/_sim/bucket", json={"available": 10}, timeout=5).raise_for_status()
    status, body = shop.gql(PRODUCTS, {"first": 3})
    assert status == 200
    assert body["errors"] == [{"message": "Throttled", "extensions": {"code": "THROTTLED"}}]
    assert cost(body)["throttleStatus"]["currentlyAvailable"] == 10
    requested = 2 + 3 * (1 + 2 + 5 * 2)  # 41: product + variants(5 x (variant + options))
    shop.sim.advance((requested - 10 + 1) / 100)  # 100 points a second: 42 in the bucket
    status, body = shop.gql(PRODUCTS, {"first": 3})
    assert "errors" not in body
    actual = cost(body)["actualQueryCost"]
    assert (cost(body)["requestedQueryCost"], actual) == (41, 2 + 5 + 5 + 9)
    # Paying 41 left 1; the refund of 41 - 21 is all that came back (the clock stood still).
    assert cost(body)["throttleStatus"]["currentlyAvailable"] == 21
    assert shop.sim.stats()["throttled"] == 1


def test_paging_cursors_and_the_updated_at_filter(shop: Shop) -> None:
    seen: list[str] = []
    after = None
    while True:
        body = shop.gql(PRODUCTS, {"first": 5, "after": after})[1]["data"]["products"]
        seen += [n["id"] for n in body["nodes"]]
        if not body["pageInfo"]["hasNextPage"]:
            break
        after = body["pageInfo"]["endCursor"]
    assert seen == [f"gid://shopify/Product/{n}" for n in range(1, 13)]
    requests.post(
        shop.url + "/_sim/products/4", json={"title": "New"}, timeout=5
    ).raise_for_status()
    since = {"first": 5, "query": "updated_at:>='2026-01-01T00:00:11Z'"}
    nodes = shop.gql(PRODUCTS, since)[1]["data"]["products"]["nodes"]
    assert [n["id"] for n in nodes] == [f"gid://shopify/Product/{n}" for n in (4, 11, 12)]
    assert shop.gql(PRODUCTS, {"first": 5, "after": "bogus"})[1]["errors"][0]["message"] == (
        "Invalid cursor for current pagination sort: bogus"
    )


def test_bulk_operation_runs_and_serves_jsonl_with_parent_ids(shop: Shop) -> None:
    started = shop.gql(BULK)[1]["data"]["bulkOperationRunQuery"]
    assert started["userErrors"] == [] and started["bulkOperation"]["status"] == "CREATED"
    op = started["bulkOperation"]["id"]
    again = shop.gql(BULK)[1]["data"]["bulkOperationRunQuery"]
    assert (
        again["bulkOperation"] is None
        and "already in progress" in again["userErrors"][0]["message"]
    )
    assert shop.gql(POLL, {"id": op})[1]["data"]["node"]["status"] == "RUNNING"
    done = shop.gql(POLL, {"id": op})[1]["data"]["node"]
    assert (done["status"], done["errorCode"]) == ("COMPLETED", None)
    rows = [json.loads(line) for line in requests.get(done["url"], timeout=5).text.splitlines()]
    products = [r for r in rows if "__parentId" not in r]
    variants = [r for r in rows if "__parentId" in r]
    assert (len(products), len(variants)) == (12, 8 + 4 * 3)
    assert {v["__parentId"] for v in variants} == {p["id"] for p in products}
    assert [v["sku"] for v in variants if v["__parentId"] == "gid://shopify/Product/3"] == [
        "SH-00003-S0",
        "SH-00003-M1",
        "SH-00003-L2",
    ]


@pytest.mark.parametrize(("outcome", "code"), [("FAILED", "ACCESS_DENIED"), ("EXPIRED", None)])
def test_bulk_operation_can_end_badly(shop: Shop, outcome: str, code: str | None) -> None:
    shop.sim.configure(bulk_outcome=outcome, bulk_error_code=code, bulk_polls_until_done=0)
    op = shop.gql(BULK)[1]["data"]["bulkOperationRunQuery"]["bulkOperation"]["id"]
    node = shop.gql(POLL, {"id": op})[1]["data"]["node"]
    assert (node["status"], node["errorCode"], node["url"]) == (outcome, code, None)


def test_forced_throttle_answers_throttled_once_with_the_real_bucket(shop: Shop) -> None:
    shop.sim.configure(throttle_next=1)
    status, body = shop.gql("{ productsCount { count } }")
    assert (status, body["errors"][0]["extensions"]["code"]) == (200, "THROTTLED")
    assert cost(body)["throttleStatus"]["currentlyAvailable"] == 1000
    assert shop.gql("{ productsCount { count } }")[1]["data"] == {"productsCount": {"count": 12}}
