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
        "errors": [
            {
                "message": "Cannot query field 'nme' on type 'Product'.",
                "extensions": {"code": "undefinedField"},
                "locations": [{"line": 1, "column": 35}],
            }
        ]
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


def start_bulk(shop: Shop, query: str, extra: str = "", version: str = "2025-07") -> list[dict]:
    """Run a bulk query to completion and return its JSONL rows."""
    mutation = (
        f'mutation {{ bulkOperationRunQuery(query: """{query}"""{extra}) '
        "{ bulkOperation { id } userErrors { field message code } } }"
    )
    shop.sim.configure(bulk_polls_until_done=0)
    response = requests.post(
        f"{shop.url}/admin/api/{version}/graphql.json",
        json={"query": mutation},
        headers=TOKEN,
        timeout=5,
    ).json()
    payload = response["data"]["bulkOperationRunQuery"]
    assert payload["userErrors"] == [], payload
    done = shop.gql(POLL, {"id": payload["bulkOperation"]["id"]})[1]["data"]["node"]
    text = requests.get(done["url"], timeout=5).text
    return [json.loads(line) for line in text.splitlines()]


def test_bulk_export_writes_only_the_selection_and_honours_the_filter(shop: Shop) -> None:
    """Regression (finding 2): a bulk query's result holds what it selects, filtered by its
    `query:` argument (bulk operations guide: the JSONL holds the query's fields)."""
    rows = start_bulk(shop, "{ products { edges { node { id title } } } }")
    assert len(rows) == 12
    assert {frozenset(r) for r in rows} == {frozenset({"id", "title"})}
    shop.sim.reset_state()
    filtered = start_bulk(
        shop,
        "{ products(query: \"updated_at:>'2026-01-01T00:00:09Z'\") "
        "{ edges { node { id variants { edges { node { sku } } } } } } }",
    )
    parents = [r["id"] for r in filtered if "__parentId" not in r]
    assert parents == [f"gid://shopify/Product/{n}" for n in (10, 11, 12)]
    assert next(r for r in filtered if "__parentId" in r).keys() == {"sku", "__parentId"}


def test_group_objects_by_version_and_argument(shop: Shop) -> None:
    """Regression (finding 1): `groupObjects` is accepted from 2025-07 (default true) and
    defaults to false from 2026-01 (bulkOperationRunQuery reference; changelog "Bulk operations
    group objects default changed to false"). Ungrouped rows come in no promised order."""
    query = "{ products { edges { node { id variants { edges { node { id } } } } } } }"

    def grouped(rows: list[dict]) -> bool:
        last_parent = None
        for row in rows:
            if "__parentId" not in row:
                last_parent = row["id"]
            elif row["__parentId"] != last_parent:
                return False
        return True

    assert grouped(start_bulk(shop, query))  # 2025-07 default
    shop.sim.reset_state()
    assert not grouped(start_bulk(shop, query, ", groupObjects: false"))
    shop.sim.reset_state()
    assert not grouped(start_bulk(shop, query, version="2026-01"))
    shop.sim.reset_state()
    assert grouped(start_bulk(shop, query, ", groupObjects: true", version="2026-01"))
    mutation = (
        f'mutation {{ bulkOperationRunQuery(query: """{query}""", groupObjects: false) '
        "{ userErrors { message } } }"
    )
    body = requests.post(
        f"{shop.url}/admin/api/2025-04/graphql.json",
        json={"query": mutation},
        headers=TOKEN,
        timeout=5,
    ).json()
    assert body["errors"][0]["extensions"]["code"] == "argumentNotAccepted"


def test_products_count_is_capped_unless_the_limit_is_lifted() -> None:
    """Regression (finding 7): productsCount(limit: Int = 10000) answers at most `limit`, with
    `precision: AT_LEAST` when it capped (productsCount and Count references)."""
    with SimulatorServer(ShopifySimulator(products=10_005, variable_every=0)) as server:
        shop = Shop(server)
        capped = shop.gql("{ productsCount { count precision } }")[1]["data"]["productsCount"]
        assert capped == {"count": 10_000, "precision": "AT_LEAST"}
        exact = shop.gql("{ productsCount(limit: null) { count precision } }")[1]["data"]
        assert exact["productsCount"] == {"count": 10_005, "precision": "EXACT"}


def test_search_syntax_ranges_status_and_dates(shop: Shop) -> None:
    """Shopify search syntax (API search syntax guide): AND, ranges, status lists, date-only
    values; a bad date is an error, never a crash."""
    requests.post(f"{shop.url}/_sim/products/2", json={"status": "DRAFT"}, timeout=5)

    def ids(query: str) -> list[int]:
        body = shop.gql(PRODUCTS, {"first": 50, "query": query})[1]
        return [int(n["id"].rsplit("/", 1)[-1]) for n in body["data"]["products"]["nodes"]]

    window = "updated_at:>='2026-01-01T00:00:03Z' AND updated_at:<'2026-01-01T00:00:06Z'"
    assert ids(window) == [3, 4, 5]
    assert ids("status:draft") == [2]
    assert ids("status:active,draft created_at:<2025-12-03") == list(range(1, 13))
    assert ids("updated_at:>=2027-01-01") == [2]  # the edit moved it a year on
    assert ids("-status:active") == [2]
    assert ids("title:'Shopify product 1*' OR sku:SH-00005") == [1, 5, 10, 11, 12]
    bad = shop.gql(PRODUCTS, {"first": 5, "query": "updated_at:>yesterdayish"})[1]
    assert bad["errors"][0]["message"].startswith("Invalid date in search query")


def test_rest_shop_and_access_scopes_and_operation_name(shop: Shop) -> None:
    """REST `shop.json` and `access_scopes.json`, which connectors call first, and
    `operationName` choosing among several operations (GraphQL over HTTP)."""
    shop_json = requests.get(f"{shop.url}/admin/api/2025-07/shop.json", headers=TOKEN, timeout=5)
    assert shop_json.json()["shop"]["myshopify_domain"] == "sim.myshopify.com"
    scopes = requests.get(f"{shop.url}/admin/oauth/access_scopes.json", headers=TOKEN, timeout=5)
    assert {"handle": "read_products"} in scopes.json()["access_scopes"]
    assert requests.get(f"{shop.url}/admin/oauth/access_scopes.json", timeout=5).status_code == 401
    two = "query A { shop { name } } query B { productsCount { count } }"
    response = requests.post(
        shop.url + PATH, json={"query": two, "operationName": "B"}, headers=TOKEN, timeout=5
    ).json()
    assert response["data"] == {"productsCount": {"count": 12}}
    unnamed = requests.post(shop.url + PATH, json={"query": two}, headers=TOKEN, timeout=5).json()
    assert unnamed["errors"][0]["extensions"]["code"] == "OPERATION_NAME_REQUIRED"


CURRENT = "{ currentBulkOperation { id status objectCount rootObjectCount url } }"


def test_bulk_start_answers_created_and_the_export_is_built_in_the_background(shop: Shop) -> None:
    """Shopify returns from bulkOperationRunQuery at once with status CREATED and runs the export
    in the background; `status` then moves CREATED -> RUNNING -> COMPLETED, `objectCount`
    counting products and variants and `rootObjectCount` products (BulkOperation reference).
    Held by the `bulk_hold` knob, the export has not started: the start call did not build it."""
    shop.sim.configure(bulk_hold=True)
    started = shop.gql(BULK)[1]["data"]["bulkOperationRunQuery"]
    assert started == {
        "bulkOperation": {"id": "gid://shopify/BulkOperation/1", "status": "CREATED"},
        "userErrors": [],
    }
    op = started["bulkOperation"]["id"]
    for _ in range(3):  # polls while it waits to start do not bring it closer to done
        node = shop.gql(CURRENT)[1]["data"]["currentBulkOperation"]
        assert (node["status"], node["objectCount"], node["url"]) == ("CREATED", "0", None)
    assert shop.sim.stats()["bulk_exports_built"] == 0
    assert shop.sim.bulk_operations[1]["_snapshot"] is None

    shop.sim.configure(bulk_hold=False)
    assert shop.gql(POLL, {"id": op})[1]["data"]["node"]["status"] == "RUNNING"
    done = shop.gql(CURRENT)[1]["data"]["currentBulkOperation"]
    assert (done["status"], done["objectCount"], done["rootObjectCount"]) == (
        "COMPLETED",
        str(12 + 8 + 4 * 3),
        "12",
    )
    assert shop.sim.stats()["bulk_exports_built"] == 1
    lines = requests.get(done["url"], timeout=5).text.splitlines()
    assert len(lines) == 12 + 8 + 4 * 3


def test_bulk_rows_hold_what_the_graphql_executor_answers(shop: Shop) -> None:
    """The export is projected without graphql-core's executor (which took seconds at 10,000
    products); its rows must be what the same selection answers through the normal endpoint,
    flattened the way a bulk export writes it (aliases, fragments, `__typename`, nested
    objects, lists and arguments included)."""
    product = (
        "__typename id handle name: title tags featuredImage { url width } "
        "options(first: 1) { name values } ... on Product { vendor status } "
        "variants(first: 10) { edges { node { ...V } } }"
    )
    variant = "fragment V on ProductVariant { id sku price selectedOptions { value } }"
    paged = shop.gql(f"{{ products(first: 12) {{ nodes {{ {product} }} }} }} {variant}")[1]
    want = []
    for node in paged["data"]["products"]["nodes"]:
        variants = node.pop("variants")["edges"]
        want.append(node)
        want.extend({**v["node"], "__parentId": node["id"]} for v in variants)
    assert len(want) == 12 + 8 + 4 * 3
    assert (
        start_bulk(shop, f"{{ products {{ edges {{ node {{ {product} }} }} }} }} {variant}") == want
    )
