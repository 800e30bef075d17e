"""Shopify GraphQL Admin API stand-in: cost scoring, a leaky bucket, products, bulk exports.

Queries are parsed and validated by graphql-core against a small slice of the Admin API
schema, so a misspelt field or a missing argument fails the way Shopify would fail it.
Each query is scored before it runs (scalars 0, objects 1, connections 2 + first x node,
mutations 10): over 1,000 points it is refused with MAX_COST_EXCEEDED, and otherwise the
bucket must cover the requested cost or the answer is THROTTLED. After it runs, the
difference down to the actual cost (from the nodes really returned) is refunded.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import re
import threading
import time
from datetime import UTC, datetime, timedelta
from itertools import count
from typing import Any
from urllib.parse import urlencode

from graphql import (
    FieldNode,
    GraphQLError,
    GraphQLObjectType,
    GraphQLSchema,
    GraphQLType,
    InlineFragmentNode,
    OperationDefinitionNode,
    SelectionSetNode,
    build_schema,
    execute,
    get_named_type,
    is_interface_type,
    is_object_type,
    parse,
    validate,
)
from graphql.utilities import value_from_ast_untyped

from simulators.base import Request, Response, Simulator, json_response
from simulators.shopify_export import BulkExport, ordered
from simulators.shopify_search import SearchSyntaxError, compile_query

BASE_TIME = datetime(2026, 1, 1, tzinfo=UTC)
MAX_QUERY_COST = 1000
MAX_PAGE = 250
MUTATION_COST = 10
VERSION = r"(?P<version>[0-9]{4}-[0-9]{2}|unstable)"
GRAPHQL_PATH = r"/admin/api/" + VERSION + r"/graphql\.json"
# productsCount answers at most this many unless the query passes `limit: null`.
DEFAULT_COUNT_LIMIT = 10_000
# Bulk queries: at least one connection, at most five, nested at most two levels deep.
MAX_BULK_CONNECTIONS, MAX_BULK_DEPTH = 5, 2
# groupObjects exists from 2025-07 (default true) and defaults to false from 2026-01.
GROUP_OBJECTS_SINCE, UNGROUPED_DEFAULT_SINCE = "2025-07", "2026-01"
ACCESS_SCOPES = ("read_products", "read_inventory")
# A poll due to see COMPLETED waits at most this long for the export's worker (a safety net:
# the worker always ends, with rows or a failure).
BULK_BUILD_TIMEOUT = 600.0

SCHEMA_SDL = """
scalar DateTime
scalar Money
scalar URL
scalar HTML
scalar UnsignedInt64
scalar Decimal

interface Node { id: ID! }

type Query {
  products(
    first: Int, last: Int, after: String, before: String, query: String,
    sortKey: ProductSortKeys = ID, reverse: Boolean = false
  ): ProductConnection!
  product(id: ID!): Product
  productsCount(query: String, limit: Int = 10000): Count
  productVariants(
    first: Int, last: Int, after: String, before: String, query: String,
    sortKey: ProductVariantSortKeys = ID, reverse: Boolean = false
  ): ProductVariantConnection!
  node(id: ID!): Node
  currentBulkOperation(type: BulkOperationType = QUERY): BulkOperation
  shop: Shop!
}

type Mutation {
  bulkOperationRunQuery(query: String!, groupObjects: Boolean): BulkOperationRunQueryPayload
}

enum ProductSortKeys { ID TITLE UPDATED_AT CREATED_AT PRODUCT_TYPE VENDOR INVENTORY_TOTAL }
enum ProductVariantSortKeys { ID SKU TITLE }
enum CountPrecision { EXACT AT_LEAST }
enum CurrencyCode { USD EUR GBP CAD AUD IRR }

type Count { count: Int! precision: CountPrecision! }
type ShopPlan { displayName: String! partnerDevelopment: Boolean! shopifyPlus: Boolean! }
type Shop {
  id: ID!
  name: String!
  email: String!
  myshopifyDomain: String!
  currencyCode: CurrencyCode!
  ianaTimezone: String!
  plan: ShopPlan!
}
type PageInfo {
  hasNextPage: Boolean!
  hasPreviousPage: Boolean!
  endCursor: String
  startCursor: String
}

type ProductConnection { pageInfo: PageInfo! nodes: [Product!]! edges: [ProductEdge!]! }
type ProductEdge { cursor: String! node: Product! }

enum ProductStatus { ACTIVE DRAFT ARCHIVED }

type Product implements Node {
  id: ID!
  legacyResourceId: UnsignedInt64!
  title: String!
  descriptionHtml: HTML!
  vendor: String!
  productType: String!
  status: ProductStatus!
  tags: [String!]!
  createdAt: DateTime!
  updatedAt: DateTime!
  handle: String!
  onlineStoreUrl: URL
  featuredImage: Image
  totalInventory: Int!
  variantsCount: Count
  options(first: Int): [ProductOption!]!
  images(first: Int, last: Int, after: String, before: String): ImageConnection!
  publishedAt: DateTime
  bodyHtml: String
  templateSuffix: String
  description: String!
  isGiftCard: Boolean!
  onlineStorePreviewUrl: URL
  tracksInventory: Boolean!
  hasOnlyDefaultVariant: Boolean!
  hasOutOfStockVariants: Boolean!
  requiresSellingPlan: Boolean!
  priceRangeV2: ProductPriceRangeV2!
  seo: SEO!
  mediaCount: Count
  featuredMedia: Media
  feedback: ResourceFeedback
  category: TaxonomyCategory
  variants(first: Int, last: Int, after: String, before: String): ProductVariantConnection!
}

type ProductOption { id: ID! name: String! position: Int! values: [String!]! }
type MoneyV2 { amount: Decimal! currencyCode: CurrencyCode! }
type ProductPriceRangeV2 { maxVariantPrice: MoneyV2! minVariantPrice: MoneyV2! }
type SEO { description: String title: String }
enum MediaContentType { IMAGE VIDEO EXTERNAL_VIDEO MODEL_3D }
enum MediaStatus { UPLOADED PROCESSING READY FAILED }
enum MediaPreviewImageStatus { UPLOADED PROCESSING READY FAILED }
type MediaPreviewImage { image: Image status: MediaPreviewImageStatus! }
type MediaError { code: String! details: String message: String! }
type MediaWarning { code: String! message: String }
interface Media {
  alt: String
  id: ID!
  mediaContentType: MediaContentType!
  status: MediaStatus!
  preview: MediaPreviewImage
  mediaErrors: [MediaError!]!
  mediaWarnings: [MediaWarning!]!
}
type MediaImage implements Media & Node {
  alt: String
  id: ID!
  mediaContentType: MediaContentType!
  status: MediaStatus!
  preview: MediaPreviewImage
  mediaErrors: [MediaError!]!
  mediaWarnings: [MediaWarning!]!
  image: Image
}
type App { id: ID! }
type Link { url: URL! }
type AppFeedback { app: App! link: Link messages: [UserError!]! }
type ResourceFeedback { details: [AppFeedback!]! summary: String! }
type TaxonomyCategory {
  id: ID!
  name: String!
  level: Int!
  fullName: String!
  isLeaf: Boolean!
  isRoot: Boolean!
  isArchived: Boolean!
  parentId: ID
  ancestorIds: [ID!]!
}
type Image { id: ID url: URL! altText: String width: Int height: Int }
type ImageConnection { pageInfo: PageInfo! nodes: [Image!]! edges: [ImageEdge!]! }
type ImageEdge { cursor: String! node: Image! }

type ProductVariantConnection {
  pageInfo: PageInfo!
  nodes: [ProductVariant!]!
  edges: [ProductVariantEdge!]!
}
type ProductVariantEdge { cursor: String! node: ProductVariant! }

enum ProductVariantInventoryPolicy { DENY CONTINUE }

type ProductVariant implements Node {
  id: ID!
  legacyResourceId: UnsignedInt64!
  title: String!
  displayName: String!
  barcode: String
  createdAt: DateTime!
  updatedAt: DateTime!
  position: Int!
  product: Product!
  sku: String
  price: Money!
  compareAtPrice: Money
  inventoryQuantity: Int
  inventoryPolicy: ProductVariantInventoryPolicy!
  inventoryItem: InventoryItem!
  selectedOptions: [SelectedOption!]!
}

type InventoryItem { tracked: Boolean! }
type SelectedOption { name: String! value: String! }

enum BulkOperationStatus { CREATED RUNNING COMPLETED FAILED CANCELED CANCELING EXPIRED }
enum BulkOperationErrorCode { ACCESS_DENIED INTERNAL_SERVER_ERROR TIMEOUT }
enum BulkOperationType { QUERY MUTATION }
enum BulkOperationUserErrorCode { INVALID OPERATION_IN_PROGRESS }

type BulkOperation implements Node {
  id: ID!
  type: BulkOperationType!
  status: BulkOperationStatus!
  errorCode: BulkOperationErrorCode
  createdAt: DateTime!
  completedAt: DateTime
  objectCount: UnsignedInt64!
  rootObjectCount: UnsignedInt64!
  fileSize: UnsignedInt64
  url: URL
  partialDataUrl: URL
  query: String!
}

type UserError { field: [String!] message: String! }
type BulkOperationUserError { field: [String!] message: String! code: BulkOperationUserErrorCode }
type BulkOperationRunQueryPayload {
  bulkOperation: BulkOperation
  userErrors: [BulkOperationUserError!]!
}
"""

SCHEMA: GraphQLSchema = build_schema(SCHEMA_SDL)
# graphql-ruby's codes, which Shopify puts in `extensions.code` of validation errors.
VALIDATION_CODES = (
    (re.compile(r"^Cannot query field"), "undefinedField"),
    (re.compile(r"^Unknown argument"), "argumentNotAccepted"),
    (re.compile(r"argument .* of type .* is required"), "missingRequiredArguments"),
    (re.compile(r"^Unknown type"), "undefinedType"),
    (re.compile(r"^Variable"), "variableMismatch"),
)


def gid(kind: str, number: int) -> str:
    return f"gid://shopify/{kind}/{number}"


def stamp(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def graphql_error(message: str, code: str | None = None, **extra: Any) -> dict[str, Any]:
    error: dict[str, Any] = {"message": message}
    if code:
        error["extensions"] = {"code": code, **extra}
    return error


def validation_error(error: GraphQLError) -> dict[str, Any]:
    """A validation failure with the code Shopify gives it (parse errors have none)."""
    code = next((c for pattern, c in VALIDATION_CODES if pattern.search(error.message)), None)
    shaped = graphql_error(error.message, code)
    if error.locations:
        shaped["locations"] = [{"line": loc.line, "column": loc.column} for loc in error.locations]
    return shaped


class QueryCost:
    """Shopify's cost rules over a parsed operation, requested (from `first`) or actual."""

    def __init__(self, variables: dict[str, Any]) -> None:
        self.variables = variables
        # Found while scoring what a query requests: Shopify insists on `first` or `last`
        # (at most 250) on every connection of a normal query.
        self.problems: list[str] = []

    def requested(self, operation: OperationDefinitionNode) -> int:
        if operation.operation.value == "mutation":
            return MUTATION_COST
        root = SCHEMA.query_type
        assert root is not None
        return self._selection(operation.selection_set, root, None)

    def actual(self, operation: OperationDefinitionNode, data: dict[str, Any] | None) -> int:
        if operation.operation.value == "mutation":
            return MUTATION_COST
        root = SCHEMA.query_type
        assert root is not None
        return self._selection(operation.selection_set, root, data or {})

    def _selection(
        self, selection_set: SelectionSetNode | None, parent: GraphQLObjectType, data: Any
    ) -> int:
        total = 0
        for selection in selection_set.selections if selection_set else ():
            if isinstance(selection, InlineFragmentNode):
                type_name = selection.type_condition.name.value if selection.type_condition else ""
                fragment_type = SCHEMA.get_type(type_name) or parent
                if data is not None and data.get("__typename", type_name) != type_name:
                    continue
                assert isinstance(fragment_type, GraphQLObjectType)
                total += self._selection(selection.selection_set, fragment_type, data)
            elif isinstance(selection, FieldNode):
                total += self._field(selection, parent, data)
        return total

    def _field(self, node: FieldNode, parent: GraphQLObjectType, data: Any) -> int:
        name = node.name.value
        if name == "__typename":
            return 0
        definition = parent.fields[name]
        target = get_named_type(definition.type)
        value = None if data is None else data.get(node.alias.value if node.alias else name)
        if target.name.endswith("Connection"):
            return self._connection(node, target, value, data is None)
        if not is_object_type(target) and not is_interface_type(target):
            return 0
        if data is not None and value is None:
            return 0
        inner_type = _object_of(target, value)
        inner = value[0] if isinstance(value, list) and value else value
        return 1 + self._selection(node.selection_set, inner_type, inner)

    def _connection(
        self, node: FieldNode, connection: GraphQLType, value: Any, requested: bool
    ) -> int:
        arguments = {
            a.name.value: value_from_ast_untyped(a.value, self.variables)
            for a in node.arguments or ()
        }
        given = arguments.get("first") or arguments.get("last")
        size = int(given or 0)
        if requested and given is None:
            self.problems.append(f"you must provide one of first or last on {node.name.value}")
        elif requested and size > MAX_PAGE:
            self.problems.append(f"{node.name.value} first/last must be at most {MAX_PAGE}")
        assert isinstance(connection, GraphQLObjectType)
        item_type = get_named_type(connection.fields["nodes"].type)
        assert isinstance(item_type, GraphQLObjectType)
        selections = _node_selections(node)
        if requested:
            per_node = sum(1 + self._selection(s, item_type, None) for s in selections)
            return 2 + size * per_node
        items = (value or {}).get("nodes") or [
            e.get("node") for e in (value or {}).get("edges") or [] if e.get("node")
        ]
        return 2 + sum(
            1 + self._selection(s, item_type, item) for item in items for s in selections[:1]
        )


def _object_of(target: Any, value: Any) -> GraphQLObjectType:
    if isinstance(target, GraphQLObjectType):
        return target
    type_name = value.get("__typename") if isinstance(value, dict) else None
    resolved = SCHEMA.get_type(type_name or "BulkOperation")
    assert isinstance(resolved, GraphQLObjectType)
    return resolved


def _node_selections(connection: FieldNode) -> list[SelectionSetNode]:
    """The selection made on one node of a connection, via `nodes { }` or `edges { node { } }`."""
    found: list[SelectionSetNode] = []
    for selection in connection.selection_set.selections if connection.selection_set else ():
        if not isinstance(selection, FieldNode) or selection.selection_set is None:
            continue
        if selection.name.value == "nodes":
            found.append(selection.selection_set)
        elif selection.name.value == "edges":
            for inner in selection.selection_set.selections:
                if (
                    isinstance(inner, FieldNode)
                    and inner.name.value == "node"
                    and inner.selection_set
                ):
                    found.append(inner.selection_set)
    return found


class ShopifySimulator(Simulator):
    name = "shopify"
    default_knobs = {
        "access_token": "shpat_sim",
        "restore_rate": 100.0,
        "bucket_max": 1000.0,
        "throttled_http_status": 200,  # sources disagree: Shopify has been seen to send 429 too
        "bulk_polls_until_done": 1,  # polls answered RUNNING before the outcome
        "bulk_outcome": "COMPLETED",  # or FAILED / CANCELED / EXPIRED
        "bulk_error_code": None,
        "bulk_hold": False,  # True keeps a new export CREATED: its worker waits to start
        "fail_products_call": None,  # {"call": 3, "times": 1}: 5xx on the Nth products query
        "throttle_next": 0,  # answer the next N queries THROTTLED whatever the bucket holds
    }

    def __init__(
        self, products: int = 0, variable_every: int = 3, variants: int = 3, **kw: Any
    ) -> None:
        self.seed_spec = (products, variable_every, variants)
        super().__init__(**kw)

    def configure(self, **knobs: Any) -> None:
        """As the base, and `fail_products_call` counts products queries from when it is set."""
        super().configure(**knobs)
        with self.bulk_changed:
            self.bulk_changed.notify_all()
        if "fail_products_call" in knobs:
            with self.lock:
                self.products_calls = 0

    # --- data ------------------------------------------------------------------------------
    def reset_data(self) -> None:
        self.products: dict[int, dict[str, Any]] = {}
        self.bulk_operations: dict[int, dict[str, Any]] = {}
        # Bulk workers wait on this for the `bulk_hold` knob; polls wait on it for a build.
        # Made once: a worker held across a reset must hear it (and then stops).
        if not hasattr(self, "bulk_changed"):
            self.bulk_changed = threading.Condition(self.lock)
        with self.bulk_changed:
            self.bulk_changed.notify_all()
        self.bulk_exports_built = 0
        self.ids = count(1)
        self.variant_ids = count(1)
        self.bucket_level = float((self.knobs or {}).get("bucket_max", 1000.0))
        self.bucket_at = self.now()
        self.products_calls = 0
        self.max_requested = 0
        self.points_requested = 0
        self.points_actual = 0
        self.seed(*getattr(self, "seed_spec", (0, 3, 3)))

    def seed(self, total: int, variable_every: int = 3, variants: int = 3) -> None:
        """Deterministic products; every `variable_every`-th one has `variants` variants."""
        for n in range(1, total + 1):
            variable = variable_every > 0 and n % variable_every == 0
            self.add_product(n, variants=variants if variable else 1)

    def add_product(self, n: int, *, variants: int = 1) -> dict[str, Any]:
        with self.lock:
            number = next(self.ids)
            price = f"{10 + n % 50}.00"
            sizes = ["S", "M", "L", "XL", "XXL"]
            title = f"Shopify product {n}"
            product = {
                "__typename": "Product",
                "id": gid("Product", number),
                "legacyResourceId": str(number),
                "title": title,
                "descriptionHtml": f"<p>Description of <b>product {n}</b></p>",
                "vendor": "Sim Vendor",
                "productType": "Apparel",
                "status": "ACTIVE",
                "tags": ["sim", f"batch-{n % 5}"],
                "createdAt": stamp(BASE_TIME - timedelta(days=30) + timedelta(seconds=n)),
                "updatedAt": stamp(BASE_TIME + timedelta(seconds=n)),
                "handle": f"shopify-product-{n}",
                "onlineStoreUrl": f"https://sim.myshopify.com/products/shopify-product-{n}",
                "featuredImage": {
                    "id": gid("ProductImage", number),
                    "url": f"https://cdn.example.com/p/{n}.jpg",
                    "altText": None,
                    "width": 800,
                    "height": 800,
                },
                "_variants": [],
            }
            for index in range(variants):
                single = variants == 1
                number_v = next(self.variant_ids)
                option = "Default Title" if single else f"{sizes[index % 5]}{index}"
                product["_variants"].append(
                    {
                        "__typename": "ProductVariant",
                        "id": gid("ProductVariant", number_v),
                        "legacyResourceId": str(number_v),
                        "title": option,
                        "displayName": f"{title} - {option}",
                        "barcode": f"0{number_v:011d}",
                        "position": index + 1,
                        "createdAt": product["createdAt"],
                        "updatedAt": product["updatedAt"],
                        "sku": f"SH-{n:05d}" if single else f"SH-{n:05d}-{sizes[index % 5]}{index}",
                        "price": price,
                        "compareAtPrice": None,
                        "inventoryQuantity": n % 20,
                        "inventoryPolicy": "DENY",
                        "inventoryItem": {"tracked": True},
                        "selectedOptions": [
                            {"name": "Title", "value": "Default Title"}
                            if single
                            else {"name": "Size", "value": option}
                        ],
                    }
                )
            self.products[number] = product
            return product

    def touch(self, product: dict[str, Any]) -> None:
        """An edit moves updatedAt past every seeded product (a year after the seed dates)."""
        product["updatedAt"] = stamp(BASE_TIME + timedelta(days=365, seconds=self.now()))

    # --- routes ----------------------------------------------------------------------------
    def setup_routes(self) -> None:
        self.route("POST", GRAPHQL_PATH, self._graphql, kind="graphql")
        self.route("GET", r"/admin/api/" + VERSION + r"/shop\.json", self._shop_json, kind="shop")
        self.route("GET", r"/admin/oauth/access_scopes\.json", self._scopes_json, kind="scopes")
        self.route("GET", r"/_sim/bulk/(?P<op>\d+)\.jsonl", self._bulk_file, kind="bulk_download")
        self.route("POST", r"/_sim/seed", self._seed, control=True)
        self.route("GET", r"/_sim/products", self._list_products, control=True)
        self.route("POST", r"/_sim/products/(?P<pid>\d+)", self._edit, control=True)
        self.route("DELETE", r"/_sim/products/(?P<pid>\d+)", self._delete, control=True)
        self.route("POST", r"/_sim/bucket", self._set_bucket, control=True)

    def stats(self) -> dict[str, Any]:
        with self.lock:
            return {
                **super().stats(),
                "max_requested_cost": self.max_requested,
                "points_requested": self.points_requested,
                "points_actual": self.points_actual,
                "bulk_exports_built": self.bulk_exports_built,
            }

    def fault_response(self, request: Request) -> Response:
        return json_response({"errors": "Internal Server Error"}, self.fail_status())

    def error_response(self, status: int, message: str) -> Response:
        return json_response({"errors": message}, status)

    def _seed(self, request: Request) -> Response:
        body = request.json() or {}
        with self.lock:
            self.seed_spec = (
                int(body.get("count", 0)),
                int(body.get("variable_every", 3)),
                int(body.get("variants", 3)),
            )
            self.reset_data()
            return json_response({"products": len(self.products)})

    def _list_products(self, request: Request) -> Response:
        with self.lock:
            rows = [
                {**{k: v for k, v in p.items() if k != "_variants"}, "variants": p["_variants"]}
                for p in self.products.values()
            ]
        return json_response({"products": rows})

    def _edit(self, request: Request) -> Response:
        body = request.json() or {}
        if not isinstance(body, dict):
            return json_response({"errors": "Send a JSON object of product fields."}, 400)
        with self.lock:
            product = self.products.get(int(request.params["pid"]))
            if product is None:
                return json_response({"errors": "Not Found"}, 404)
            variant_changes = body.pop("variant", None)
            product.update(body)
            if isinstance(variant_changes, dict):
                product["_variants"][0].update(variant_changes)
            self.touch(product)
            return json_response({"id": product["id"], "updatedAt": product["updatedAt"]})

    def _set_bucket(self, request: Request) -> Response:
        """Set the points left now, as if another app on the shop had spent them."""
        body = request.json()
        available = body.get("available") if isinstance(body, dict) else None
        if not isinstance(available, int | float) or available < 0:
            return json_response({"error": 'Send {"available": <non-negative number>}.'}, 400)
        with self.lock:
            self._level()
            self.bucket_level = min(float(self.knobs["bucket_max"]), float(available))
        return json_response({"available": self.bucket_level})

    def _delete(self, request: Request) -> Response:
        with self.lock:
            removed = self.products.pop(int(request.params["pid"]), None)
        return json_response({"deleted": removed is not None})

    # --- the GraphQL endpoint --------------------------------------------------------------
    def _unauthorized(self, request: Request) -> Response | None:
        if request.header("x-shopify-access-token") == self.knobs["access_token"]:
            return None
        return json_response(
            {
                "errors": "[API] Invalid API key or access token "
                "(unrecognized login or wrong password)"
            },
            401,
        )

    def _shop_fields(self) -> dict[str, Any]:
        return {
            "id": gid("Shop", 1),
            "name": "Simulated shop",
            "email": "owner@sim.example.com",
            "myshopifyDomain": "sim.myshopify.com",
            "currencyCode": "USD",
            "ianaTimezone": "Etc/UTC",
            "plan": {"displayName": "Basic", "partnerDevelopment": False, "shopifyPlus": False},
        }

    def _shop_json(self, request: Request) -> Response:
        """REST `GET /admin/api/{version}/shop.json`, which connectors call to check access."""
        denied = self._unauthorized(request)
        if denied:
            return denied
        shop = self._shop_fields()
        return json_response(
            {
                "shop": {
                    "id": 1,
                    "name": shop["name"],
                    "email": shop["email"],
                    "domain": shop["myshopifyDomain"],
                    "myshopify_domain": shop["myshopifyDomain"],
                    "currency": shop["currencyCode"],
                    "iana_timezone": shop["ianaTimezone"],
                    "plan_name": "basic",
                    "plan_display_name": shop["plan"]["displayName"],
                    "created_at": "2025-01-01T00:00:00+00:00",
                }
            }
        )

    def _scopes_json(self, request: Request) -> Response:
        """REST `GET /admin/oauth/access_scopes.json`: the scopes the token was granted."""
        denied = self._unauthorized(request)
        if denied:
            return denied
        return json_response({"access_scopes": [{"handle": h} for h in ACCESS_SCOPES]})

    def _graphql(self, request: Request) -> Response:
        denied = self._unauthorized(request)
        if denied:
            return denied
        body = request.json()
        if not isinstance(body, dict) or not isinstance(body.get("query"), str):
            return json_response(
                {"errors": {"query": "Required parameter missing or invalid"}}, 400
            )
        variables = body.get("variables") or {}
        if not isinstance(variables, dict):
            return json_response({"errors": {"variables": "must be an object"}}, 400)
        try:
            document = parse(body["query"])
        except GraphQLError as exc:
            return json_response({"errors": [validation_error(exc)]})
        problems = validate(SCHEMA, document)
        if problems:
            return json_response({"errors": [validation_error(p) for p in problems]})
        operation_name = body.get("operationName") or None
        operations = [d for d in document.definitions if isinstance(d, OperationDefinitionNode)]
        named = [
            o for o in operations if operation_name and o.name and o.name.value == operation_name
        ]
        if operation_name and not named:
            message = f'No operation named "{operation_name}"'
            return json_response({"errors": [graphql_error(message, "OPERATION_NOT_FOUND")]})
        if not operation_name and len(operations) > 1:
            message = "An operation name is required when the document has several operations"
            return json_response({"errors": [graphql_error(message, "OPERATION_NAME_REQUIRED")]})
        operation = named[0] if named else operations[0]
        cost = QueryCost(variables)
        requested = cost.requested(operation)
        if cost.problems:
            return json_response({"errors": [graphql_error("; ".join(cost.problems))]})
        request.notes["requested_cost"] = requested
        with self.lock:
            self.max_requested = max(self.max_requested, requested)
        if requested > MAX_QUERY_COST:
            message = (
                f"Query cost is {requested}, which exceeds the single query max cost limit "
                f"({MAX_QUERY_COST})."
            )
            error = graphql_error(
                message, "MAX_COST_EXCEEDED", cost=requested, maxCost=MAX_QUERY_COST
            )
            return json_response({"errors": [error]})
        if self._take_forced_throttle() or not self._withdraw(requested):
            request.notes["throttled"] = True
            self.count("throttled")
            return json_response(
                {
                    "errors": [graphql_error("Throttled", "THROTTLED")],
                    "extensions": self._extensions(requested, 0),
                },
                int(self.knobs["throttled_http_status"]),
            )
        if _selects(operation, "products"):
            fault = self._products_fault()
            if fault is not None:
                self._refund(requested)
                return fault
        result = execute(
            SCHEMA,
            document,
            root_value=self._root(request),
            variable_values=variables,
            operation_name=operation.name.value if operation.name else None,
            context_value={"bulk": False, "version": request.params["version"]},
        )
        actual = cost.actual(operation, result.data) if not result.errors else requested
        self._refund(requested - actual)
        with self.lock:
            self.points_requested += requested
            self.points_actual += actual
        request.notes["actual_cost"] = actual
        answer: dict[str, Any] = {
            "data": result.data,
            "extensions": self._extensions(requested, actual),
        }
        if result.errors:
            answer["errors"] = [
                graphql_error(
                    e.message,
                    (e.extensions or {}).get("code"),
                    **{k: v for k, v in (e.extensions or {}).items() if k != "code"},
                )
                for e in result.errors
            ]
        return json_response(answer)

    def _take_forced_throttle(self) -> bool:
        with self.lock:
            if int(self.knobs.get("throttle_next") or 0) > 0:
                self.knobs["throttle_next"] = int(self.knobs["throttle_next"]) - 1
                return True
        return False

    def _products_fault(self) -> Response | None:
        with self.lock:
            self.products_calls += 1
            fault = self.knobs.get("fail_products_call")
            if fault and fault.get("call") == self.products_calls and fault.get("times", 0) > 0:
                fault["times"] -= 1
                self.products_calls -= 1  # the retry is the same call again
                return self.fault_response(Request("POST", "", {}, {}, b"", ""))
        return None

    # --- the bucket ------------------------------------------------------------------------
    def _level(self) -> float:
        now = self.now()
        restored = (now - self.bucket_at) * float(self.knobs["restore_rate"])
        self.bucket_level = min(float(self.knobs["bucket_max"]), self.bucket_level + restored)
        self.bucket_at = now
        return self.bucket_level

    def _withdraw(self, points: int) -> bool:
        with self.lock:
            if self._level() < points:
                return False
            self.bucket_level -= points
            return True

    def _refund(self, points: int) -> None:
        with self.lock:
            self._level()
            self.bucket_level = min(float(self.knobs["bucket_max"]), self.bucket_level + points)

    def _extensions(self, requested: int, actual: int) -> dict[str, Any]:
        with self.lock:
            level = self._level()
            return {
                "cost": {
                    "requestedQueryCost": requested,
                    "actualQueryCost": actual,
                    "throttleStatus": {
                        "maximumAvailable": float(self.knobs["bucket_max"]),
                        "currentlyAvailable": int(level),
                        "restoreRate": float(self.knobs["restore_rate"]),
                    },
                }
            }

    # --- resolvers -------------------------------------------------------------------------
    def _root(self, request: Request) -> dict[str, Any]:
        return {
            "products": lambda info, **args: self._products(bulk=info.context["bulk"], **args),
            "product": lambda info, id: self._product(id),
            "productsCount": lambda info, query=None, limit=DEFAULT_COUNT_LIMIT: self._count(
                query, limit
            ),
            "productVariants": lambda info, **args: self._variants(
                bulk=info.context["bulk"], **args
            ),
            "node": lambda info, id: self._node(id, request),
            "currentBulkOperation": lambda info, type="QUERY": self._current_bulk(request, type),
            "bulkOperationRunQuery": lambda info, query, groupObjects=None: self._start_bulk(
                query, groupObjects, info.context["version"], request
            ),
            "shop": lambda info: self._shop_fields(),
        }

    def _filtered(self, query: str | None) -> list[dict[str, Any]]:
        try:
            keep = compile_query(query)
        except SearchSyntaxError as exc:
            raise GraphQLError(str(exc), extensions={"code": "BAD_REQUEST"}) from None
        with self.lock:
            rows = [self.products[k] for k in sorted(self.products)]
        return [p for p in rows if keep(p)]

    def _count(self, query: str | None, limit: int | None) -> dict[str, Any]:
        """Shopify caps counts at `limit` (10,000 unless null) and says AT_LEAST when capped."""
        total = len(self._filtered(query))
        if limit is not None and total > limit:
            return {"count": limit, "precision": "AT_LEAST"}
        return {"count": total, "precision": "EXACT"}

    def _products(
        self,
        *,
        bulk: bool = False,
        first: int | None = None,
        after: str | None = None,
        query: str | None = None,
        sortKey: str = "ID",
        reverse: bool = False,
        **_: Any,
    ) -> dict[str, Any]:
        rows = _sorted(self._filtered(query), sortKey, reverse)
        start = _cursor_position(after)
        size = len(rows) if bulk else int(first or 0)
        return _connection(rows, start, size, lambda row: self._shaped_product(row, bulk))

    def _variants(
        self,
        *,
        bulk: bool = False,
        first: int | None = None,
        after: str | None = None,
        query: str | None = None,
        sortKey: str = "ID",
        reverse: bool = False,
        **_: Any,
    ) -> dict[str, Any]:
        """`productVariants`: every variant of the shop, filtered by its own fields."""
        try:
            keep = compile_query(query)
        except SearchSyntaxError as exc:
            raise GraphQLError(str(exc), extensions={"code": "BAD_REQUEST"}) from None
        with self.lock:
            products = [self.products[k] for k in sorted(self.products)]
            pairs = [(p, v) for p in products for v in p["_variants"]]
        rows = [self._shaped_variant(v, p) for p, v in pairs if keep(v)]
        key = {"SKU": "sku", "TITLE": "title"}.get(sortKey)
        if key:
            rows.sort(key=lambda r: str(r.get(key) or ""))
        if reverse:
            rows.reverse()
        size = len(rows) if bulk else int(first or 0)
        return _connection(rows, _cursor_position(after), size, dict)

    def _shaped_variant(self, variant: dict[str, Any], product: dict[str, Any]) -> dict[str, Any]:
        return {**variant, "product": lambda info: self._shaped_product(product, False)}

    def _shaped_product(self, product: dict[str, Any], bulk: bool) -> dict[str, Any]:
        shaped = {k: v for k, v in product.items() if k != "_variants"}
        # Computed from the stored variants; each is shaped only when a query reaches it.
        variants: list[dict[str, Any]] = product["_variants"]
        quantities = [int(v.get("inventoryQuantity") or 0) for v in variants]
        options: dict[str, list[str]] = {}
        for variant in variants:
            for option in variant.get("selectedOptions") or []:
                options.setdefault(option["name"], []).append(option["value"])
        images = [product["featuredImage"]] if product.get("featuredImage") else []
        prices = [float(v["price"]) for v in variants] or [0.0]
        shaped.update(
            publishedAt=product["createdAt"] if product.get("status") == "ACTIVE" else None,
            bodyHtml=product["descriptionHtml"],
            templateSuffix=None,
            description=re.sub(r"<[^>]+>", "", product["descriptionHtml"]),
            isGiftCard=False,
            onlineStorePreviewUrl=product.get("onlineStoreUrl"),
            tracksInventory=True,
            hasOnlyDefaultVariant=len(variants) == 1,
            hasOutOfStockVariants=any(q <= 0 for q in quantities),
            requiresSellingPlan=False,
            priceRangeV2={
                "maxVariantPrice": {"amount": f"{max(prices):.2f}", "currencyCode": "USD"},
                "minVariantPrice": {"amount": f"{min(prices):.2f}", "currencyCode": "USD"},
            },
            seo={"title": None, "description": None},
            mediaCount={"count": len(images), "precision": "EXACT"},
            featuredMedia=None,
            feedback=None,
            category=None,
            totalInventory=sum(quantities),
            variantsCount={"count": len(variants), "precision": "EXACT"},
            options=lambda info, first=None: [
                {
                    "id": f"{product['id']}/option/{i + 1}",
                    "name": name,
                    "position": i + 1,
                    "values": list(dict.fromkeys(values)),
                }
                for i, (name, values) in enumerate(options.items())
            ][: first or None],
            images=lambda info, first=None, after=None, **_: _connection(
                images, _cursor_position(after), len(images) if bulk else int(first or 0), dict
            ),
            variants=lambda info, first=None, after=None, **_: _connection(
                variants,
                _cursor_position(after),
                len(variants) if bulk else int(first or 0),
                lambda variant: self._shaped_variant(variant, product),
            ),
        )
        return shaped

    def _product(self, product_id: str) -> dict[str, Any] | None:
        number = _gid_number(product_id, "Product")
        with self.lock:
            product = self.products.get(number) if number is not None else None
        return self._shaped_product(product, False) if product else None

    def _node(self, node_id: str, request: Request) -> dict[str, Any] | None:
        number = _gid_number(node_id, "BulkOperation")
        if number is not None:
            return self._poll_bulk(number, request)
        number = _gid_number(node_id, "ProductVariant")
        if number is not None:
            with self.lock:
                for product in self.products.values():
                    for variant in product["_variants"]:
                        if variant["id"] == node_id:
                            return self._shaped_variant(variant, product)
            return None
        return self._product(node_id)

    # --- bulk operations -------------------------------------------------------------------
    def _start_bulk(
        self, query: str, group_objects: bool | None, version: str, request: Request
    ) -> dict[str, Any]:
        def refused(message: str, code: str = "INVALID") -> dict[str, Any]:
            return {
                "bulkOperation": None,
                "userErrors": [{"field": ["query"], "message": message, "code": code}],
            }

        if group_objects is not None and version != "unstable" and version < GROUP_OBJECTS_SINCE:
            raise GraphQLError(
                "Field 'bulkOperationRunQuery' doesn't accept argument 'groupObjects'",
                extensions={"code": "argumentNotAccepted"},
            )
        try:
            document = parse(query)
        except GraphQLError as exc:
            return refused(exc.message)
        problems = validate(SCHEMA, document)
        if problems:
            return refused("; ".join(p.message for p in problems))
        operation = next(d for d in document.definitions if isinstance(d, OperationDefinitionNode))
        shape_problem = _bulk_shape_problem(operation)
        if shape_problem:
            return refused(shape_problem)
        if group_objects is None:
            group_objects = version != "unstable" and version < UNGROUPED_DEFAULT_SINCE
        search_problem = _search_problem(operation)
        if search_problem:
            return refused(search_problem)
        export = BulkExport(
            SCHEMA, tuple(document.definitions), operation, {"bulk": True, "version": version}
        )
        with self.lock:
            if any(
                op["status"] in {"CREATED", "RUNNING"} and op["type"] == "QUERY"
                for op in self.bulk_operations.values()
            ):
                return refused(
                    "A bulk query operation for this app and shop is already in progress",
                    "OPERATION_IN_PROGRESS",
                )
            number = len(self.bulk_operations) + 1
            operation_row = {
                "__typename": "BulkOperation",
                "id": gid("BulkOperation", number),
                "type": "QUERY",
                "status": "CREATED",
                "errorCode": None,
                "createdAt": stamp(datetime.now(UTC)),
                "completedAt": None,
                "objectCount": "0",
                "rootObjectCount": "0",
                "fileSize": None,
                "url": None,
                "partialDataUrl": None,
                "query": query,
                "_polls": 0,
                "_snapshot": None,
                "_failure": None,
                "_objects": 0,
                "_roots": 0,
            }
            self.bulk_operations[number] = operation_row
        # Shopify answers CREATED at once and runs the export in the background.
        worker = threading.Thread(
            target=self._build_bulk,
            args=(operation_row, export, bool(group_objects), self._root(request)),
            name=f"shopify-bulk-{number}",
            daemon=True,
        )
        answer = {"bulkOperation": _public(operation_row), "userErrors": []}
        worker.start()
        return answer

    def _build_bulk(
        self, operation: dict[str, Any], export: BulkExport, grouped: bool, root: dict[str, Any]
    ) -> None:
        """The export, off the request thread: CREATED until it starts (the `bulk_hold` knob
        keeps it there), RUNNING with a running objectCount, then the file is ready."""
        with self.bulk_changed:
            self.bulk_changed.wait_for(
                lambda: (
                    not self.knobs["bulk_hold"]
                    or operation["status"] != "CREATED"  # a poll already started it
                    or self._gone(operation)
                )
            )
            if self._gone(operation) or operation["status"] not in {"CREATED", "RUNNING"}:
                return
            operation["status"] = "RUNNING"
            self.bulk_exports_built += 1
        rows: list[dict[str, Any]] = []
        try:
            for row in export.rows(root):
                rows.append(row)
                if len(rows) % 1000 == 0:
                    with self.lock:
                        operation["objectCount"] = str(len(rows))
            body = "".join(json.dumps(r) + "\n" for r in ordered(rows, grouped=grouped)).encode()
        except Exception as exc:  # the operation fails, as Shopify's would
            with self.bulk_changed:
                operation["_failure"] = f"{type(exc).__name__}: {exc}"
                self.bulk_changed.notify_all()
            return
        with self.bulk_changed:
            operation["_objects"] = len(rows)
            operation["_roots"] = sum(1 for r in rows if "__parentId" not in r)
            operation["objectCount"] = str(len(rows))
            operation["_snapshot"] = body
            self.bulk_changed.notify_all()

    def _gone(self, operation: dict[str, Any]) -> bool:
        """A reset dropped the operation (its worker then stops)."""
        number = _gid_number(operation["id"], "BulkOperation")
        return number is None or self.bulk_operations.get(number) is not operation

    def _poll_bulk(self, number: int, request: Request) -> dict[str, Any] | None:
        """The simulator's clock for an export is the number of polls: RUNNING for
        `bulk_polls_until_done` polls after it started, then the outcome. A poll that is due to
        see COMPLETED waits for the background build, so tests and the bench see a fixed number
        of polls whatever the machine's speed."""
        with self.bulk_changed:
            operation = self.bulk_operations.get(number)
            if operation is None:
                return None
            if operation["status"] == "CREATED" and not self.knobs["bulk_hold"]:
                operation["status"] = "RUNNING"  # its worker is starting: no race on the count
            if operation["status"] == "RUNNING":
                operation["_polls"] += 1
                if operation["_polls"] > int(self.knobs["bulk_polls_until_done"]):
                    if self.knobs["bulk_outcome"] == "COMPLETED":
                        self.bulk_changed.wait_for(
                            lambda: (
                                operation["_snapshot"] is not None
                                or operation["_failure"] is not None
                            ),
                            timeout=BULK_BUILD_TIMEOUT,
                        )
                    self._finish_bulk(number, operation, request)
            return _public(operation)

    def _signature(self, number: int) -> str:
        key = str(self.knobs["access_token"]).encode() + b"/storage"
        return hmac.new(key, str(number).encode(), hashlib.sha256).hexdigest()

    def _finish_bulk(self, number: int, operation: dict[str, Any], request: Request) -> None:
        outcome = str(self.knobs["bulk_outcome"])
        if operation["_failure"] is not None:
            outcome = "FAILED"
        operation["status"] = outcome
        operation["completedAt"] = stamp(datetime.now(UTC))
        if outcome == "COMPLETED":
            body: bytes = operation["_snapshot"]
            operation["objectCount"] = str(operation["_objects"])
            operation["rootObjectCount"] = str(operation["_roots"])
            operation["fileSize"] = str(len(body)) if body else None
            # Shaped like Shopify's signed storage URL (signature, expiry and the download's
            # file name in the query string): no shop token is needed, or wanted, to fetch it.
            name = f"bulk-{number}.jsonl"
            query = urlencode(
                {
                    "GoogleAccessId": "sim-assets@shopify-sim.iam.example.com",
                    "Expires": str(int(time.time()) + 7 * 24 * 3600),
                    "Signature": self._signature(number),
                    "response-content-disposition": (
                        f"attachment; filename=\"{name}\"; filename*=UTF-8''{name}"
                    ),
                    "response-content-type": "application/jsonl",
                }
            )
            operation["url"] = (
                f"{request.host_url}/_sim/bulk/{number}.jsonl?{query}" if body else None
            )
        else:
            operation["errorCode"] = self.knobs.get("bulk_error_code") or (
                "INTERNAL_SERVER_ERROR" if outcome == "FAILED" else None
            )

    def _current_bulk(self, request: Request, kind: str = "QUERY") -> dict[str, Any] | None:
        with self.lock:
            numbers = [n for n, op in self.bulk_operations.items() if op["type"] == kind]
            if not numbers:
                return None
            number = max(numbers)
        return self._poll_bulk(number, request)

    def _bulk_file(self, request: Request) -> Response:
        number = int(request.params["op"])
        with self.lock:
            operation = self.bulk_operations.get(number)
        request.notes["shop_token_sent"] = bool(request.header("x-shopify-access-token"))
        if request.notes["shop_token_sent"]:
            self.count("bulk_downloads_with_shop_token")
        signature = request.arg("Signature") or ""
        if (
            operation is None
            or operation["status"] != "COMPLETED"
            or not hmac.compare_digest(signature, self._signature(number))
        ):
            return Response(
                status=404 if operation is None else 403,
                raw=b"<Error><Code>AccessDenied</Code></Error>"
                if operation is not None
                else b"<Error><Code>NoSuchKey</Code></Error>",
                content_type="application/xml",
            )
        return Response(raw=operation["_snapshot"], content_type="application/jsonl")


SORT_FIELDS = {
    "TITLE": "title",
    "UPDATED_AT": "updatedAt",
    "CREATED_AT": "createdAt",
    "PRODUCT_TYPE": "productType",
    "VENDOR": "vendor",
}


def _sorted(rows: list[dict[str, Any]], sort_key: str, reverse: bool) -> list[dict[str, Any]]:
    """Shopify's `sortKey` (ties broken by id) and `reverse`."""
    field = SORT_FIELDS.get(sort_key)
    if field:
        rows = sorted(rows, key=lambda r: (str(r.get(field) or ""), int(r["legacyResourceId"])))
    elif sort_key == "INVENTORY_TOTAL":
        rows = sorted(
            rows, key=lambda r: sum(int(v.get("inventoryQuantity") or 0) for v in r["_variants"])
        )
    return list(reversed(rows)) if reverse else rows


def _bulk_shape_problem(operation: OperationDefinitionNode) -> str | None:
    """Shopify's limits on a bulk query: 1 to 5 connections, nested at most two deep."""
    found: list[int] = []

    def walk(selection_set: SelectionSetNode | None, parent: GraphQLObjectType, depth: int) -> None:
        for selection in selection_set.selections if selection_set else ():
            if isinstance(selection, InlineFragmentNode):
                name = selection.type_condition.name.value if selection.type_condition else ""
                target = SCHEMA.get_type(name)
                if isinstance(target, GraphQLObjectType):
                    walk(selection.selection_set, target, depth)
                continue
            if not isinstance(selection, FieldNode) or selection.name.value.startswith("__"):
                continue
            if selection.name.value in {"edges", "nodes", "node"}:
                inner = parent.fields[selection.name.value].type
                named = get_named_type(inner)
                if isinstance(named, GraphQLObjectType):
                    walk(selection.selection_set, named, depth)
                continue
            named = get_named_type(parent.fields[selection.name.value].type)
            is_connection = named.name.endswith("Connection")
            if is_connection:
                found.append(depth + 1)
            if isinstance(named, GraphQLObjectType):
                walk(selection.selection_set, named, depth + int(is_connection))

    root = SCHEMA.query_type
    assert root is not None
    walk(operation.selection_set, root, 0)
    if not found:
        return "Bulk queries must contain at least one connection."
    if len(found) > MAX_BULK_CONNECTIONS:
        return f"Bulk queries cannot contain more than {MAX_BULK_CONNECTIONS} connections."
    if max(found) > MAX_BULK_DEPTH:
        return (
            "Bulk queries cannot contain connections with a nesting depth greater than "
            f"{MAX_BULK_DEPTH}."
        )
    return None


def _search_problem(operation: OperationDefinitionNode) -> str | None:
    """A root field's `query:` search string that does not parse: refused at once, before any
    export starts (it is literal text, a bulk query has no variables)."""
    for selection in operation.selection_set.selections:
        if not isinstance(selection, FieldNode):
            continue
        for argument in selection.arguments or ():
            if argument.name.value != "query":
                continue
            try:
                compile_query(value_from_ast_untyped(argument.value))
            except SearchSyntaxError as exc:
                return str(exc)
    return None


def _selects(operation: OperationDefinitionNode, field_name: str) -> bool:
    return any(
        isinstance(s, FieldNode) and s.name.value == field_name
        for s in operation.selection_set.selections
    )


def _public(operation: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in operation.items() if not k.startswith("_") or k == "__typename"}


def _gid_number(value: str, kind: str) -> int | None:
    prefix = f"gid://shopify/{kind}/"
    if not isinstance(value, str) or not value.startswith(prefix):
        return None
    tail = value[len(prefix) :]
    return int(tail) if tail.isdigit() else None


def _cursor_position(cursor: str | None) -> int:
    """Cursors are opaque to clients; here they are `pos:<index>` (a bad one is an error)."""
    if not cursor:
        return 0
    if not cursor.startswith("pos:") or not cursor[4:].isdigit():
        raise GraphQLError(f"Invalid cursor for current pagination sort: {cursor}")
    return int(cursor[4:]) + 1


def _connection(rows: list[Any], start: int, size: int, shape: Any) -> dict[str, Any]:
    chunk = rows[start : start + size]
    end = start + len(chunk) - 1
    shaped = [shape(row) for row in chunk]
    return {
        "pageInfo": {
            "hasNextPage": start + len(chunk) < len(rows),
            "hasPreviousPage": start > 0,
            "endCursor": f"pos:{end}" if chunk else None,
            "startCursor": f"pos:{start}" if chunk else None,
        },
        "nodes": shaped,
        "edges": [{"cursor": f"pos:{start + i}", "node": node} for i, node in enumerate(shaped)],
    }


__all__ = ["QueryCost", "ShopifySimulator"]
