"""Shopify GraphQL Admin API stand-in: cost scoring, a leaky bucket, products, bulk exports.

Queries are parsed and validated by graphql-core against a small slice of the Admin API
schema, so a misspelt field or a missing argument fails the way Shopify would fail it.
Each query is scored before it runs (scalars 0, objects 1, connections 2 + first x node,
mutations 10): over 1,000 points it is refused with MAX_COST_EXCEEDED, and otherwise the
bucket must cover the requested cost or the answer is THROTTLED. After it runs, the
difference down to the actual cost (from the nodes really returned) is refunded.
"""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime, timedelta
from itertools import count
from typing import Any

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

BASE_TIME = datetime(2026, 1, 1, tzinfo=UTC)
MAX_QUERY_COST = 1000
MAX_PAGE = 250
MUTATION_COST = 10
GRAPHQL_PATH = r"/admin/api/(?P<version>[0-9]{4}-[0-9]{2})/graphql\.json"

SCHEMA_SDL = """
scalar DateTime
scalar Money
scalar URL
scalar HTML
scalar UnsignedInt64

interface Node { id: ID! }

type Query {
  products(first: Int, last: Int, after: String, before: String, query: String): ProductConnection!
  product(id: ID!): Product
  productsCount(query: String): Count
  node(id: ID!): Node
  currentBulkOperation: BulkOperation
}

type Mutation {
  bulkOperationRunQuery(query: String!): BulkOperationRunQueryPayload
}

type Count { count: Int! }
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
  updatedAt: DateTime!
  handle: String!
  onlineStoreUrl: URL
  featuredImage: Image
  variants(first: Int, last: Int, after: String, before: String): ProductVariantConnection!
}

type Image { url: URL! altText: String }

type ProductVariantConnection {
  pageInfo: PageInfo!
  nodes: [ProductVariant!]!
  edges: [ProductVariantEdge!]!
}
type ProductVariantEdge { cursor: String! node: ProductVariant! }

enum ProductVariantInventoryPolicy { DENY CONTINUE }

type ProductVariant implements Node {
  id: ID!
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

type BulkOperation implements Node {
  id: ID!
  status: BulkOperationStatus!
  errorCode: BulkOperationErrorCode
  objectCount: UnsignedInt64!
  url: URL
}

type UserError { field: [String!] message: String! }
type BulkOperationRunQueryPayload { bulkOperation: BulkOperation userErrors: [UserError!]! }
"""

SCHEMA: GraphQLSchema = build_schema(SCHEMA_SDL)
UPDATED_FILTER = re.compile(r"^updated_at:(>=|>)'?([0-9T:\-.Z+]+)'?$")


def gid(kind: str, number: int) -> str:
    return f"gid://shopify/{kind}/{number}"


def stamp(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def graphql_error(message: str, code: str | None = None, **extra: Any) -> dict[str, Any]:
    error: dict[str, Any] = {"message": message}
    if code:
        error["extensions"] = {"code": code, **extra}
    return error


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
        if "fail_products_call" in knobs:
            with self.lock:
                self.products_calls = 0

    # --- data ------------------------------------------------------------------------------
    def reset_data(self) -> None:
        self.products: dict[int, dict[str, Any]] = {}
        self.bulk_operations: dict[int, dict[str, Any]] = {}
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
            product = {
                "__typename": "Product",
                "id": gid("Product", number),
                "legacyResourceId": str(number),
                "title": f"Shopify product {n}",
                "descriptionHtml": f"<p>Description of <b>product {n}</b></p>",
                "vendor": "Sim Vendor",
                "productType": "Apparel",
                "status": "ACTIVE",
                "tags": ["sim", f"batch-{n % 5}"],
                "updatedAt": stamp(BASE_TIME + timedelta(seconds=n)),
                "handle": f"shopify-product-{n}",
                "onlineStoreUrl": f"https://sim.myshopify.com/products/shopify-product-{n}",
                "featuredImage": {"url": f"https://cdn.example.com/p/{n}.jpg", "altText": None},
                "_variants": [],
            }
            for index in range(variants):
                single = variants == 1
                product["_variants"].append(
                    {
                        "__typename": "ProductVariant",
                        "id": gid("ProductVariant", next(self.variant_ids)),
                        "sku": f"SH-{n:05d}" if single else f"SH-{n:05d}-{sizes[index % 5]}{index}",
                        "price": price,
                        "compareAtPrice": None,
                        "inventoryQuantity": n % 20,
                        "inventoryPolicy": "DENY",
                        "inventoryItem": {"tracked": True},
                        "selectedOptions": [
                            {"name": "Title", "value": "Default Title"}
                            if single
                            else {"name": "Size", "value": f"{sizes[index % 5]}{index}"}
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
    def _graphql(self, request: Request) -> Response:
        if request.header("x-shopify-access-token") != self.knobs["access_token"]:
            return json_response(
                {
                    "errors": "[API] Invalid API key or access token "
                    "(unrecognized login or wrong password)"
                },
                401,
            )
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
            return json_response({"errors": [graphql_error(exc.message)]})
        problems = validate(SCHEMA, document)
        if problems:
            return json_response({"errors": [graphql_error(p.message) for p in problems]})
        operation = next(d for d in document.definitions if isinstance(d, OperationDefinitionNode))
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
            SCHEMA, document, root_value=self._root(request), variable_values=variables
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
            answer["errors"] = [graphql_error(e.message) for e in result.errors]
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
            "products": lambda info, **args: self._products(**args),
            "product": lambda info, id: self._product(id),
            "productsCount": lambda info, query=None: {"count": len(self._filtered(query))},
            "node": lambda info, id: self._node(id, request),
            "currentBulkOperation": lambda info: self._current_bulk(request),
            "bulkOperationRunQuery": lambda info, query: self._start_bulk(query),
        }

    def _filtered(self, query: str | None) -> list[dict[str, Any]]:
        with self.lock:
            rows = [self.products[k] for k in sorted(self.products)]
        if not query:
            return rows
        match = UPDATED_FILTER.match(query.strip())
        if not match:
            raise GraphQLError(f"Unsupported search syntax in the simulator: {query}")
        operator, value = match.groups()
        since = datetime.fromisoformat(value.replace("Z", "+00:00"))
        keep = (lambda at: at >= since) if operator == ">=" else (lambda at: at > since)
        return [
            p for p in rows if keep(datetime.fromisoformat(p["updatedAt"].replace("Z", "+00:00")))
        ]

    def _products(
        self, first: int | None = None, after: str | None = None, query: str | None = None, **_: Any
    ) -> dict[str, Any]:
        rows = self._filtered(query)
        start = _cursor_position(after)
        return _connection(rows, start, int(first or 0), self._shaped_product)

    def _shaped_product(self, product: dict[str, Any]) -> dict[str, Any]:
        shaped = {k: v for k, v in product.items() if k != "_variants"}
        variants = product["_variants"]
        shaped["variants"] = lambda info, first=None, after=None, **_: _connection(
            variants, _cursor_position(after), int(first or 0), dict
        )
        return shaped

    def _product(self, product_id: str) -> dict[str, Any] | None:
        number = _gid_number(product_id, "Product")
        with self.lock:
            product = self.products.get(number) if number is not None else None
        return self._shaped_product(product) if product else None

    def _node(self, node_id: str, request: Request) -> dict[str, Any] | None:
        number = _gid_number(node_id, "BulkOperation")
        if number is not None:
            return self._poll_bulk(number, request)
        return self._product(node_id)

    # --- bulk operations -------------------------------------------------------------------
    def _start_bulk(self, query: str) -> dict[str, Any]:
        try:
            document = parse(query)
        except GraphQLError as exc:
            return {
                "bulkOperation": None,
                "userErrors": [{"field": ["query"], "message": exc.message}],
            }
        problems = validate(SCHEMA, document)
        if problems:
            return {
                "bulkOperation": None,
                "userErrors": [{"field": ["query"], "message": p.message} for p in problems],
            }
        with self.lock:
            if any(op["status"] in {"CREATED", "RUNNING"} for op in self.bulk_operations.values()):
                return {
                    "bulkOperation": None,
                    "userErrors": [
                        {
                            "field": None,
                            "message": "A bulk query operation for this app and shop "
                            "is already in progress",
                        }
                    ],
                }
            number = len(self.bulk_operations) + 1
            operation = {
                "__typename": "BulkOperation",
                "id": gid("BulkOperation", number),
                "status": "CREATED",
                "errorCode": None,
                "objectCount": "0",
                "url": None,
                "_polls": 0,
                "_snapshot": self._jsonl(),
            }
            self.bulk_operations[number] = operation
        return {"bulkOperation": _public(operation), "userErrors": []}

    def _jsonl(self) -> bytes:
        """The export, frozen at start: product rows, each followed by its variant rows."""
        lines: list[str] = []
        for number in sorted(self.products):
            product = self.products[number]
            row = {k: v for k, v in product.items() if not k.startswith("_") and k != "__typename"}
            lines.append(json.dumps(row))
            for variant in product["_variants"]:
                child = {k: v for k, v in variant.items() if k != "__typename"}
                lines.append(json.dumps({**child, "__parentId": product["id"]}))
        return ("\n".join(lines) + "\n").encode() if lines else b""

    def _poll_bulk(self, number: int, request: Request) -> dict[str, Any] | None:
        with self.lock:
            operation = self.bulk_operations.get(number)
            if operation is None:
                return None
            if operation["status"] in {"CREATED", "RUNNING"}:
                operation["_polls"] += 1
                if operation["_polls"] <= int(self.knobs["bulk_polls_until_done"]):
                    operation["status"] = "RUNNING"
                else:
                    self._finish_bulk(number, operation, request)
            return _public(operation)

    def _finish_bulk(self, number: int, operation: dict[str, Any], request: Request) -> None:
        outcome = str(self.knobs["bulk_outcome"])
        operation["status"] = outcome
        if outcome == "COMPLETED":
            body: bytes = operation["_snapshot"]
            operation["objectCount"] = str(body.count(b"\n"))
            operation["url"] = f"{request.host_url}/_sim/bulk/{number}.jsonl" if body else None
        else:
            operation["errorCode"] = self.knobs.get("bulk_error_code") or (
                "INTERNAL_SERVER_ERROR" if outcome == "FAILED" else None
            )

    def _current_bulk(self, request: Request) -> dict[str, Any] | None:
        with self.lock:
            if not self.bulk_operations:
                return None
            number = max(self.bulk_operations)
        return self._poll_bulk(number, request)

    def _bulk_file(self, request: Request) -> Response:
        with self.lock:
            operation = self.bulk_operations.get(int(request.params["op"]))
        if operation is None or operation["status"] != "COMPLETED":
            return Response(
                status=404,
                raw=b"<Error><Code>NoSuchKey</Code></Error>",
                content_type="application/xml",
            )
        return Response(raw=operation["_snapshot"], content_type="application/jsonl")


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
