"""Shopify's `ShopifyAPI` library, and queries copied from Shopify's docs, against the simulator.

Docs: Shopify GraphQL Admin API reference (`products`, `productsCount`, `productVariants`,
`shop`, `bulkOperationRunQuery`, `currentBulkOperation`, `BulkOperation`), "API rate limits"
(calculated query cost, `extensions.cost`, THROTTLED), "Perform bulk operations with the
GraphQL Admin API" (JSONL with `__parentId`, groupObjects), the 2026-01 changelog "Bulk
operations group objects default changed to false", "Shopify API search syntax", and the REST
Admin API `Shop` and `AccessScope` resources.
"""

import json
import time
from collections.abc import Iterator
from typing import Any

import pytest
import requests
import shopify

from simulators.base import SimulatorServer

VERSION = "2025-07"
TOKEN = "shpat_sim"


@pytest.fixture
def graphql(shopify_server: SimulatorServer) -> Iterator[Any]:
    """ShopifyAPI's session, with its site pointed at the simulator (the library builds
    https://{shop}.myshopify.com URLs, which cannot reach a local server)."""
    shopify.ApiVersion.define_version(shopify.Release(VERSION))
    session = shopify.Session("sim.myshopify.com", VERSION, TOKEN)
    shopify.ShopifyResource.activate_session(session)
    shopify.ShopifyResource.site = f"{shopify_server.url}/admin/api/{VERSION}"
    try:
        yield lambda query, variables=None, operation_name=None: json.loads(
            shopify.GraphQL().execute(query, variables, operation_name)
        )
    finally:
        shopify.ShopifyResource.clear_session()


def test_docs_products_query_with_cost_extensions(graphql: Any) -> None:
    # GraphQL products query (docs example shape) and "API rate limits": every answer carries
    # extensions.cost {requestedQueryCost, actualQueryCost, throttleStatus}.
    body = graphql(
        """
        query GetProducts($first: Int!) {
          products(first: $first, sortKey: TITLE, reverse: true, query: "status:active") {
            edges { cursor node { id title handle createdAt totalInventory
              variantsCount { count } options { name values }
              variants(first: 3) { nodes { id title displayName barcode sku price } } } }
            pageInfo { hasNextPage endCursor }
          }
        }
        """,
        {"first": 5},
    )
    assert "errors" not in body, body
    edges = body["data"]["products"]["edges"]
    assert len(edges) == 5
    titles = [e["node"]["title"] for e in edges]
    assert titles == sorted(titles, reverse=True)
    cost = body["extensions"]["cost"]
    assert cost["requestedQueryCost"] == 2 + 5 * (1 + 1 + 1 + (2 + 3 * 1))
    assert cost["actualQueryCost"] <= cost["requestedQueryCost"]
    assert set(cost["throttleStatus"]) == {"maximumAvailable", "currentlyAvailable", "restoreRate"}


def test_max_cost_and_throttling(graphql: Any, shopify_server: SimulatorServer) -> None:
    # "API rate limits": a query over 1,000 requested points is refused (MAX_COST_EXCEEDED);
    # a bucket that cannot pay answers THROTTLED.
    too_big = graphql(
        "{ products(first: 250) { nodes { variants(first: 100) { nodes { id } } } } }"
    )
    assert too_big["errors"][0]["extensions"]["code"] == "MAX_COST_EXCEEDED"
    requests.post(f"{shopify_server.url}/_sim/bucket", json={"available": 0}, timeout=5)
    throttled = graphql("{ products(first: 10) { nodes { id } } }")
    assert throttled["errors"][0]["extensions"]["code"] == "THROTTLED"
    cost = throttled["extensions"]["cost"]
    assert cost["throttleStatus"]["currentlyAvailable"] < cost["requestedQueryCost"] == 12


def test_operation_name_shop_and_variants(graphql: Any) -> None:
    # GraphQL over HTTP: operationName picks the operation; `shop` and `productVariants` roots.
    document = """
      query ShopInfo { shop { name myshopifyDomain currencyCode plan { displayName } } }
      query Variants { productVariants(first: 2, query: "sku:SH-00003*") { nodes { sku
        product { id } } } }
    """
    assert graphql(document, operation_name="ShopInfo")["data"]["shop"]["myshopifyDomain"] == (
        "sim.myshopify.com"
    )
    variants = graphql(document, operation_name="Variants")["data"]["productVariants"]["nodes"]
    assert [v["product"]["id"] for v in variants] == ["gid://shopify/Product/3"] * 2
    unknown = graphql("{ products(first: 1) { nodes { nope } } }")
    assert unknown["errors"][0]["extensions"]["code"] == "undefinedField"


def run_bulk(graphql: Any, query: str, group: bool | None = None) -> tuple[dict, list[dict]]:
    """The docs' flow: bulkOperationRunQuery, poll currentBulkOperation, download `url`."""
    argument = "" if group is None else f", groupObjects: {str(group).lower()}"
    started = graphql(
        f'mutation {{ bulkOperationRunQuery(query: """{query}"""{argument}) '
        "{ bulkOperation { id status } userErrors { field message code } } }"
    )["data"]["bulkOperationRunQuery"]
    assert started["userErrors"] == [], started
    for _ in range(20):
        current = graphql(
            "{ currentBulkOperation(type: QUERY) { id status errorCode createdAt completedAt "
            "objectCount rootObjectCount fileSize url partialDataUrl } }"
        )["data"]["currentBulkOperation"]
        if current["status"] == "COMPLETED":
            break
        time.sleep(0.05)
    download = requests.get(current["url"], timeout=10)  # a signed URL: no shop token
    return current, [json.loads(line) for line in download.text.splitlines()]


def test_bulk_grouped_and_ungrouped(graphql: Any) -> None:
    # Bulk operations guide: each connection node is a JSONL line, children carry __parentId;
    # groupObjects: true keeps children right after their parent, false promises no order.
    query = "{ products { edges { node { id variants { edges { node { id sku } } } } } } }"
    operation, grouped = run_bulk(graphql, query, group=True)
    assert int(operation["objectCount"]) == len(grouped)
    assert int(operation["rootObjectCount"]) == 30
    assert int(operation["fileSize"]) > 0 and operation["completedAt"]
    parent = None
    for row in grouped:
        if "__parentId" not in row:
            parent = row["id"]
        else:
            assert row["__parentId"] == parent
    _, ungrouped = run_bulk(graphql, query, group=False)
    assert sorted(json.dumps(r, sort_keys=True) for r in ungrouped) == sorted(
        json.dumps(r, sort_keys=True) for r in grouped
    )
    assert ungrouped != grouped


def test_filtered_bulk_export(graphql: Any) -> None:
    # Bulk queries take the connection's `query:` filter (search syntax) and write only the
    # selected fields.
    _, rows = run_bulk(
        graphql,
        '{ products(query: "updated_at:>=2026-01-01T00:00:25Z") { edges { node { id title } } } }',
    )
    assert [r["id"] for r in rows] == [f"gid://shopify/Product/{n}" for n in range(25, 31)]
    assert {frozenset(r) for r in rows} == {frozenset({"id", "title"})}


def test_rest_shop_and_access_scopes(shopify_server: SimulatorServer) -> None:
    # REST Admin API: Shop (GET /admin/api/{version}/shop.json) and AccessScope
    # (GET /admin/oauth/access_scopes.json), which connectors call before anything else.
    shopify.ApiVersion.define_version(shopify.Release(VERSION))
    session = shopify.Session("sim.myshopify.com", VERSION, TOKEN)
    shopify.ShopifyResource.activate_session(session)
    shopify.ShopifyResource.site = f"{shopify_server.url}/admin/api/{VERSION}"
    try:
        assert shopify.Shop.current().myshopify_domain == "sim.myshopify.com"
    finally:
        shopify.ShopifyResource.clear_session()
    scopes = requests.get(
        f"{shopify_server.url}/admin/oauth/access_scopes.json",
        headers={"X-Shopify-Access-Token": TOKEN},
        timeout=5,
    ).json()
    assert {s["handle"] for s in scopes["access_scopes"]} >= {"read_products"}


def test_bulk_download_url_names_its_file_like_shopifys(graphql: Any) -> None:
    # Shopify's result `url` is a signed storage URL whose query carries the signature, the
    # expiry and `response-content-disposition` with the file name (connectors read it).
    from urllib.parse import parse_qs, urlsplit

    operation, _ = run_bulk(graphql, "{ products { edges { node { id } } } }")
    query = parse_qs(urlsplit(operation["url"]).query)
    assert {"Expires", "Signature", "response-content-disposition"} <= set(query)
    assert 'filename="bulk-' in query["response-content-disposition"][0]
    tampered = operation["url"].replace("Signature=", "Signature=x")
    assert requests.get(tampered, timeout=10).status_code == 403
