"""Shopify GraphQL Admin API client: cost-sized queries, bucket pacing, bulk operations.

Shopify scores a query before running it: objects cost 1, a connection costs
2 + first x (cost of one node), and nested connections multiply. Queries over 1,000
points are refused, so page sizes are computed from that formula. The bucket
(`extensions.cost.throttleStatus`) must hold a query's requested cost before it is
sent; we track it from every answer and wait instead of being THROTTLED.
"""

import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import requests

from integrations.http import ApiError, HttpClient, RetryableError, TerminalError
from integrations.shopify.models import ShopifyStore

MAX_QUERY_COST = 1000
MAX_PAGE_SIZE = 250  # Shopify refuses first/last above this on any connection
VARIANTS_PER_PRODUCT_PAGE = 10

PRODUCT_FIELDS = (
    "id legacyResourceId title descriptionHtml vendor productType status tags updatedAt handle "
    "onlineStoreUrl featuredImage { url }"
)
VARIANT_FIELDS = (
    "id position sku price compareAtPrice inventoryQuantity inventoryPolicy "
    "inventoryItem { tracked } selectedOptions { name value }"
)
PRODUCTS_QUERY = (
    "query Products($first: Int!, $after: String, $query: String, $variantsFirst: Int!) { "
    "products(first: $first, after: $after, query: $query) { pageInfo { hasNextPage endCursor } "
    f"nodes {{ {PRODUCT_FIELDS} variants(first: $variantsFirst) "
    f"{{ pageInfo {{ hasNextPage endCursor }} nodes {{ {VARIANT_FIELDS} }} }} }} }} }}"
)
VARIANTS_QUERY = (
    "query Variants($id: ID!, $first: Int!, $after: String) { product(id: $id) { "
    "variants(first: $first, after: $after) { pageInfo { hasNextPage endCursor } "
    f"nodes {{ {VARIANT_FIELDS} }} }} }} }}"
)
BULK_QUERY = (
    f"{{ products {{ edges {{ node {{ {PRODUCT_FIELDS} "
    f"variants {{ edges {{ node {{ {VARIANT_FIELDS} }} }} }} }} }} }} }}"
)
# groupObjects: false, stated rather than left to the version's default (true before 2026-01):
# ungrouped exports finish faster and fail less, and `bulk.BulkJoin` needs no order.
BULK_START = (
    'mutation { bulkOperationRunQuery(query: """' + BULK_QUERY + '""", groupObjects: false) '
    "{ bulkOperation { id status } userErrors { field message } } }"
)
BULK_POLL = (
    "query BulkOperation($id: ID!) { node(id: $id) { ... on BulkOperation "
    "{ id status errorCode objectCount url } } }"
)
# Shopify caps counts (10,000 by default) and says AT_LEAST when it did.
COUNT_QUERY = "query ProductsCount { productsCount { count precision } }"
FIRST_BULK_POLL_SECONDS = 0.05
BULK_READ_BYTES = 1 << 20
VARIANT_NODE_COST = 3  # the variant object, its inventoryItem and its selectedOptions
PRODUCT_NODE_COST = 2  # the product object plus its featuredImage object


def bulk_poll_waits(poll_seconds: float, first: float = FIRST_BULK_POLL_SECONDS) -> Iterator[float]:
    """The pause before each bulk status poll: `first`, then doubling up to `poll_seconds`.

    A poll costs one point of a bucket that refills at 100 or more a second, so the few early
    polls are cheap; Shopify documents no minimum interval, only that clients poll `status`.
    """
    wait = min(first, poll_seconds)
    while True:
        yield wait
        wait = min(wait * 2, poll_seconds)


def products_query_cost(products: int, variants: int) -> int:
    """Requested cost of PRODUCTS_QUERY, by Shopify's documented formula."""
    return 2 + products * (PRODUCT_NODE_COST + 2 + variants * VARIANT_NODE_COST)


def variants_query_cost(variants: int) -> int:
    return 1 + 2 + variants * VARIANT_NODE_COST


def products_page_size(variants: int = VARIANTS_PER_PRODUCT_PAGE, cap: int = MAX_PAGE_SIZE) -> int:
    """The largest products page whose requested cost stays within the single-query cap."""
    per_product = PRODUCT_NODE_COST + 2 + variants * VARIANT_NODE_COST
    return max(1, min(cap, (MAX_QUERY_COST - 2) // per_product))


@dataclass(frozen=True)
class ProductsCount:
    count: int
    exact: bool

    @property
    def total(self) -> int | None:
        """A run's total: unknown (indeterminate progress) when Shopify capped the count."""
        return self.count if self.exact else None


class ShopifyBulkFailed(TerminalError):
    """A bulk operation ended FAILED, CANCELED or EXPIRED; `code` is Shopify's errorCode."""


@dataclass
class Bucket:
    """Our view of the store's cost bucket, refilled at restore_rate per second."""

    maximum: float = 1000.0
    available: float = 1000.0
    restore_rate: float = 50.0
    seen_at: float = 0.0

    def estimate(self, now: float) -> float:
        return min(self.maximum, self.available + (now - self.seen_at) * self.restore_rate)

    def update(self, status: dict[str, Any], now: float) -> None:
        self.maximum = float(status.get("maximumAvailable", self.maximum))
        self.available = float(status.get("currentlyAvailable", self.available))
        self.restore_rate = float(status.get("restoreRate", self.restore_rate)) or self.restore_rate
        self.seen_at = now


class ShopifyClient(HttpClient):
    def __init__(
        self, store: ShopifyStore, *, clock: Callable[[], float] = time.monotonic, **options: Any
    ) -> None:
        super().__init__(base_url=store.graphql_url, secrets=[store.access_token], **options)
        self.store = store
        self.clock = clock
        self.bucket = Bucket(seen_at=clock())
        self.points_spent = 0
        self.max_requested = 0
        self._cost_in_flight = 0
        self.session.headers["X-Shopify-Access-Token"] = store.access_token

    def graphql(
        self, query: str, variables: dict[str, Any] | None = None, *, cost: int
    ) -> dict[str, Any]:
        """Run one query, waiting first until the bucket can pay its requested cost."""
        if cost > MAX_QUERY_COST:
            raise TerminalError(f"Query would cost {cost} points (cap {MAX_QUERY_COST})")
        self.max_requested = max(self.max_requested, cost)
        self._cost_in_flight = cost
        for _ in range(self.max_retries + 1):
            wait = (cost - self.bucket.estimate(self.clock())) / self.bucket.restore_rate
            if wait > 0:
                self.sleep(wait)
            payload = {"query": query, "variables": variables or {}}
            response = self.request("POST", self.store.graphql_url, json=payload)
            try:
                body = response.json()
            except ValueError:
                raise TerminalError("Shopify returned a non-JSON body") from None
            throttle = ((body.get("extensions") or {}).get("cost") or {}).get("throttleStatus")
            if throttle:
                self.bucket.update(throttle, self.clock())
            errors = body.get("errors")
            if errors and _code(errors) == "THROTTLED":
                continue  # the bucket now says how long to wait
            if errors:
                raise TerminalError(f"Shopify GraphQL error: {self.redact(_messages(errors))}")
            actual = ((body.get("extensions") or {}).get("cost") or {}).get("actualQueryCost")
            self.points_spent += int(actual or 0)
            return body.get("data") or {}
        raise RetryableError("Shopify kept answering THROTTLED", status=429)

    def throttle_delay(self, response: requests.Response) -> float | None:
        """A 429 carrying the bucket's state waits exactly until it covers the query's cost."""
        if response.status_code != 429:
            return None
        status = _throttle_status(response)
        if status is None:
            return super().throttle_delay(response)
        self.bucket.update(status, self.clock())
        shortfall = self._cost_in_flight - self.bucket.estimate(self.clock())
        return max(0.0, shortfall / self.bucket.restore_rate)

    # --- paged reads --------------------------------------------------------------------

    def products_count(self) -> ProductsCount:
        """The shop's product count; `exact` is False when Shopify capped it (AT_LEAST)."""
        data = self.graphql(COUNT_QUERY, cost=1)["productsCount"]
        return ProductsCount(int(data["count"]), data.get("precision", "EXACT") == "EXACT")

    def product_pages(
        self, *, updated_since: str | None = None, after: str | None = None
    ) -> Iterator[tuple[list[tuple[dict[str, Any], list]], str | None]]:
        """Pages of (product node, all its variant nodes), from the cursor `after`, each with
        the cursor of the next page (None after the last), so a later task can resume."""
        first = products_page_size()
        cost = products_query_cost(first, VARIANTS_PER_PRODUCT_PAGE)
        query = f"updated_at:>='{updated_since}'" if updated_since else None
        while True:
            data = self.graphql(
                PRODUCTS_QUERY,
                {
                    "first": first,
                    "after": after,
                    "query": query,
                    "variantsFirst": VARIANTS_PER_PRODUCT_PAGE,
                },
                cost=cost,
            )
            connection = data["products"]
            more = connection["pageInfo"]["hasNextPage"]
            after = connection["pageInfo"]["endCursor"] if more else None
            yield [(node, self._all_variants(node)) for node in connection["nodes"]], after
            if after is None:
                return

    def _all_variants(self, node: dict[str, Any]) -> list[dict[str, Any]]:
        """The variants in the page, plus further pages for products with more of them."""
        variants = node.get("variants") or {}
        nodes = list(variants.get("nodes") or [])
        info = variants.get("pageInfo") or {}
        first = min(MAX_PAGE_SIZE, (MAX_QUERY_COST - 3) // VARIANT_NODE_COST)
        while info.get("hasNextPage"):
            data = self.graphql(
                VARIANTS_QUERY,
                {"id": node["id"], "first": first, "after": info.get("endCursor")},
                cost=variants_query_cost(first),
            )
            page = data["product"]["variants"]
            nodes.extend(page["nodes"])
            info = page["pageInfo"]
        return nodes

    # --- bulk operations ----------------------------------------------------------------

    def run_bulk_export(self, *, poll_seconds: float = 1.0, timeout_seconds: float = 3600) -> str:
        """Start the products export and wait for it here; returns the JSONL download URL.

        The engine does not wait this way for long (see `ShopifySource`): it waits a few
        seconds with `wait_for_bulk`, then frees the worker and re-checks from a delayed task.
        """
        url = self.wait_for_bulk(
            self.start_bulk_export(), poll_seconds=poll_seconds, within_seconds=timeout_seconds
        )
        if url is None:
            raise RetryableError("Shopify bulk operation did not finish in time")
        return url

    def start_bulk_export(self) -> str:
        """Start the products export; returns the bulk operation's id."""
        data = self.graphql(BULK_START, cost=10)
        result = data["bulkOperationRunQuery"]
        if result.get("userErrors"):
            message = f"Shopify refused the bulk operation: {_messages(result['userErrors'])}"
            if "already in progress" in message:
                raise RetryableError(message)  # one bulk query per app and shop: try later
            raise TerminalError(message)
        return str(result["bulkOperation"]["id"])

    def wait_for_bulk(
        self, operation_id: str, *, poll_seconds: float, within_seconds: float
    ) -> str | None:
        """Poll early and back off (`bulk_poll_waits`) for up to `within_seconds`: the URL once
        the export completed, None while it still runs. A small export is done within a
        fraction of a second; a long one is asked about every `poll_seconds`."""
        deadline = self.clock() + within_seconds
        waits = bulk_poll_waits(poll_seconds)
        while self.clock() < deadline:
            self.sleep(next(waits))
            url = self.bulk_result(operation_id)
            if url is not None:
                return url
        return None

    def bulk_result(self, operation_id: str) -> str | None:
        """One status poll: the download URL when COMPLETED, None while it runs; a failed,
        cancelled or expired export raises, naming Shopify's error code."""
        node = self.graphql(BULK_POLL, {"id": operation_id}, cost=1)["node"]
        status = node["status"]
        if status == "COMPLETED":
            return str(node.get("url") or "")
        if status in {"FAILED", "CANCELED", "EXPIRED"}:
            code = node.get("errorCode") or "no error code"
            raise ShopifyBulkFailed(f"Shopify bulk operation {status.lower()}: {code}")
        return None

    def bulk_lines(self, url: str) -> Iterator[bytes]:
        """Stream the JSONL result line by line (it can be large), unparsed.

        The URL is a signed storage URL on another host: it is fetched with a plain session,
        so the shop's Admin token is never sent there. Read in 1 MiB chunks: requests'
        default of 512 bytes made splitting the lines a visible share of a large pull.
        """
        if not url:
            return
        try:
            with (
                requests.Session() as storage,
                storage.get(url, stream=True, timeout=self.timeout) as response,
            ):
                if response.status_code >= 400:
                    raise self.error_for(response)
                for line in response.iter_lines(chunk_size=BULK_READ_BYTES):
                    if line:
                        yield line
        except requests.RequestException as exc:
            raise RetryableError(f"Bulk result download failed: {type(exc).__name__}") from None


def _throttle_status(response: requests.Response) -> dict[str, Any] | None:
    """The bucket state in a THROTTLED body, when Shopify sent it with HTTP 429."""
    try:
        body = response.json()
    except ValueError:
        return None
    if not isinstance(body, dict):
        return None
    status = ((body.get("extensions") or {}).get("cost") or {}).get("throttleStatus")
    return status if isinstance(status, dict) else None


def _code(errors: Any) -> str:
    if isinstance(errors, list) and errors:
        return str((errors[0].get("extensions") or {}).get("code", ""))
    return ""


def _messages(errors: Any) -> str:
    if isinstance(errors, list):
        return "; ".join(str(e.get("message", e)) for e in errors)
    return str(errors)


__all__ = [
    "ApiError",
    "ProductsCount",
    "ShopifyBulkFailed",
    "ShopifyClient",
    "bulk_poll_waits",
    "products_page_size",
    "products_query_cost",
]
