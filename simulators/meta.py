"""Meta Graph API product-catalog stand-in: items_batch, batch status, single-item calls.

It validates items the way Meta documents (price strings, availability and condition
values, length limits, required fields when an upsert creates an item), reports
per-item errors only in the batch status, throttles batch calls per catalog per
rolling minute with code 80014, and can reject tokens (190) or fail with 5xx, so our
client's retry, throttle and error paths can be exercised over real HTTP.
"""

from __future__ import annotations

import functools
import itertools
import json
import math
import re
from collections import deque
from datetime import datetime
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pycountry

from simulators.base import Request, Response, Simulator, json_response, random_id

VERSION = r"(?P<version>v\d+(?:\.\d+)?)"
PRICE = re.compile(r"^\d+(\.\d{1,2})? (?P<currency>[A-Z]{3})$")
CURRENCIES = frozenset(c.alpha_3 for c in pycountry.currencies)
AVAILABILITY = frozenset({"in stock", "out of stock", "available for order", "discontinued"})
CONDITION = frozenset({"new", "refurbished", "used"})
REQUIRED_ON_CREATE = ("title", "description", "availability", "condition", "price", "link", "brand")
MAX_GRAPH_BATCH = 50  # Graph API batch requests: at most 50 calls in one
METHODS = frozenset({"CREATE", "UPDATE", "DELETE"})
MAX_REQUESTS = 5000
MAX_BODY_BYTES = 28_000_000  # items_batch: "a payload under 28 MB"
# Commerce Manager's product field reference: title up to 200, description up to 9,999.
TITLE_MAX, DESCRIPTION_MAX = 200, 9999
WINDOW_SECONDS = 60.0
BUSINESS_ID = "sim-business"
FIRST_PRODUCT_ITEM_ID = 10**15
# Single-item form fields and the batch (feed) field each is stored under.
SINGLE_FIELDS = {
    "name": "title",
    "availability": "availability",
    "condition": "condition",
    "link": "link",
    "description": "description",
    "brand": "brand",
    "image_url": "image_link",
}


SALE_INSTANT = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2})?(Z|[+-]\d{2}:?\d{2})$")


@functools.lru_cache(maxsize=4096)
def sale_window(value: str) -> tuple[datetime, datetime] | None:
    """`start/end` (ISO 8601 with a zone, as Meta documents it), or None when malformed."""
    parts = value.split("/")
    if len(parts) != 2 or not all(SALE_INSTANT.match(p) for p in parts):
        return None
    try:
        start, end = (datetime.fromisoformat(p.replace("Z", "+00:00")) for p in parts)
    except ValueError:
        return None
    return (start, end) if start < end else None


def shown_price(item: dict[str, Any], at: datetime) -> str:
    """The price a shopper sees at `at`: the sale price only inside its effective window."""
    sale = item.get("sale_price")
    if not sale:
        return str(item["price"])
    window = item.get("sale_price_effective_date")
    if window:
        start, end = sale_window(str(window)) or (None, None)
        if start is None or end is None or not start <= at <= end:
            return str(item["price"])
    return str(sale)


def graph_error(
    message: str, code: int, status: int = 400, subcode: int | None = None, **headers: str
) -> Response:
    """An error in the Graph API's shape, which our client parses for code and subcode."""
    error: dict[str, Any] = {
        "message": message,
        "type": "OAuthException",
        "code": code,
        "fbtrace_id": random_id("A"),
    }
    if subcode is not None:
        error["error_subcode"] = subcode
    return json_response({"error": error}, status, **headers)


@functools.lru_cache(maxsize=4096)  # a catalog's items share links and sale windows
def _is_http_url(value: str) -> bool:
    """Meta rejects links that are not absolute http(s) URLs."""
    parts = urlsplit(str(value))
    return parts.scheme in {"http", "https"} and bool(parts.netloc)


class MetaSimulator(Simulator):
    """In-memory catalogs `{catalog_id: {retailer_id: item}}` behind Graph API endpoints.

    Knobs (besides the base ones): `batch_calls_per_minute` (8; 0/None = unlimited),
    `token_invalid`, `require_image`, `reject_ids`, `polls_until_finished` (1).
    """

    name = "meta"
    default_knobs = {
        "batch_calls_per_minute": 8,  # a new catalog's allowance; 0 or None = unlimited
        "token_invalid": False,  # every API call answers 190 / subcode 463
        "require_image": True,  # a new item needs image_link (or image[]), as Meta requires
        "reject_ids": [],  # retailer ids that always fail with "Simulated rejection"
        "polls_until_finished": 1,  # status polls answered "started" before "finished"
    }

    def reset_data(self) -> None:
        self.catalogs: dict[str, dict[str, dict[str, Any]]] = {}
        self.handles: dict[str, dict[str, Any]] = {}
        self.batch_times: dict[str, deque[float]] = {}
        self.single_items: dict[str, tuple[str, str]] = {}  # product item id -> (catalog, rid)
        self.product_item_ids = itertools.count(FIRST_PRODUCT_ITEM_ID + 1)

    def items(self, catalog_id: str) -> dict[str, dict[str, Any]]:
        """A copy of one catalog's items, for in-process assertions."""
        with self.lock:
            return {rid: dict(item) for rid, item in self.catalogs.get(catalog_id, {}).items()}

    def setup_routes(self) -> None:
        self.route(
            "GET", r"/_sim/catalogs/(?P<catalog>[^/]+)/items", self._list_items, control=True
        )
        self.route(
            "POST",
            "/" + VERSION + r"/(?P<catalog>[^/]+)/items_batch",
            self._items_batch,
            kind="items_batch",
        )
        self.route(
            "GET",
            "/" + VERSION + r"/(?P<catalog>[^/]+)/check_batch_request_status",
            self._batch_status,
            kind="batch_status",
        )
        self.route(
            "POST",
            "/" + VERSION + r"/(?P<catalog>[^/]+)/products",
            self._single_create,
            kind="single_create",
        )
        self.route(
            "POST", "/" + VERSION + r"/(?P<item>\d+)", self._single_update, kind="single_update"
        )
        self.route(
            "DELETE", "/" + VERSION + r"/(?P<item>\d+)", self._single_delete, kind="single_delete"
        )
        self.route("GET", "/" + VERSION + r"/(?P<catalog>[^/]+)/?", self._node, kind="node")
        # A Graph API batch: `batch` is a JSON array of {method, relative_url, body}.
        self.route("POST", "/" + VERSION + r"/?", self._graph_batch, kind="graph_batch")

    def fault_response(self, request: Request) -> Response:
        return graph_error(
            "An unexpected error has occurred. Please retry your request later.",
            2,
            self.fail_status(),
        )

    def error_response(self, status: int, message: str) -> Response:
        return graph_error(message, 100, status)

    # --- helpers ---------------------------------------------------------------------------
    def _token(self, request: Request) -> str:
        """Graph accepts the token as a Bearer header, a form field or a query parameter."""
        auth = request.header("authorization")
        if auth.lower().startswith("bearer "):
            return auth[7:].strip()
        return str(self._params(request).get("access_token") or "")

    def _params(self, request: Request) -> dict[str, Any]:
        """Graph reads parameters from the query string, a form body or a JSON body alike."""
        merged: dict[str, Any] = {k: v[0] for k, v in request.query.items()}
        if request.header("content-type").startswith("application/json"):
            body = request.json()
            if isinstance(body, dict):
                merged.update(body)
        else:
            merged.update(request.form())
        return merged

    def _auth_error(self, request: Request) -> Response | None:
        if not self._token(request):
            return graph_error("An access token is required to request this resource.", 190)
        if self.knobs["token_invalid"]:
            return graph_error(
                "Error validating access token: Session has expired", 190, subcode=463
            )
        return None

    def _list_items(self, request: Request) -> Response:
        items = self.items(request.params["catalog"])
        return json_response({"items": items, "count": len(items)})

    def _throttled(self, catalog: str) -> Response | None:
        """Count this batch call in the catalog's rolling minute, or refuse it with 80014."""
        limit = self.knobs.get("batch_calls_per_minute")
        if not limit:
            return None
        now = self.now()
        with self.lock:
            window = self.batch_times.setdefault(catalog, deque())
            while window and now - window[0] >= WINDOW_SECONDS:
                window.popleft()
            if len(window) < limit:
                window.append(now)
                return None
            wait = WINDOW_SECONDS - (now - window[0])
        usage = {
            BUSINESS_ID: [
                {
                    "type": "catalog_batch",
                    "call_count": 100,
                    "estimated_time_to_regain_access": max(1, math.ceil(wait / 60)),
                }
            ]
        }
        return graph_error(
            "(#80014) There have been too many calls for this Catalog. Wait a bit and try again.",
            80014,
            **{"X-Business-Use-Case-Usage": json.dumps(usage)},
        )

    # --- validation ------------------------------------------------------------------------
    def _validate(
        self,
        method: str,
        data: dict[str, Any],
        exists: bool,
        upsert: bool,
        rejected: frozenset[str] = frozenset(),
    ) -> str | None:
        """The first problem with one batch request, or None when it may be applied."""
        rid = data.get("id")
        if rid is None or str(rid) == "":
            return "Missing required field: id"
        if str(rid) in rejected:
            return "Simulated rejection"
        if method not in METHODS:
            return f"Unsupported method: {method}"
        if method == "DELETE":
            return None
        if method == "UPDATE" and not exists and not upsert:
            return f"Item with id '{rid}' does not exist"
        for name in ("price", "sale_price"):
            if name not in data:
                continue
            match = PRICE.match(str(data[name]))
            if not match:
                return f"Invalid {name} format: '{data[name]}' (expected '9.99 USD')"
            if match["currency"] not in CURRENCIES:
                return f"Invalid currency in {name}: '{match['currency']}' is not an ISO 4217 code"
        window = data.get("sale_price_effective_date")
        if window is not None and sale_window(str(window)) is None:
            return (
                f"Invalid sale_price_effective_date: '{window}' "
                "(expected 'YYYY-MM-DDThh:mm+hh:mm/YYYY-MM-DDThh:mm+hh:mm', start before end)"
            )
        if "availability" in data and data["availability"] not in AVAILABILITY:
            return f"Invalid availability: '{data['availability']}'"
        if "condition" in data and data["condition"] not in CONDITION:
            return f"Invalid condition: '{data['condition']}'"
        if len(str(data.get("title", ""))) > TITLE_MAX:
            return f"title is longer than {TITLE_MAX} characters"
        if len(str(data.get("description", ""))) > DESCRIPTION_MAX:
            return f"description is longer than {DESCRIPTION_MAX} characters"
        for name in ("link", "image_link"):
            if name in data and not _is_http_url(str(data[name])):
                return f"Invalid URL in {name}: '{data[name]}'"
        if method == "CREATE" or not exists:
            required = [
                *REQUIRED_ON_CREATE,
                *(["image_link"] if self.knobs["require_image"] else []),
            ]
            missing = [name for name in required if not data.get(name)]
            if "image_link" in missing and data.get("image"):
                missing.remove("image_link")  # `image: [{url, tag}]` is the other way to give one
            if missing:
                return f"Missing required field(s) for a new item: {', '.join(missing)}"
        return None

    # --- API -------------------------------------------------------------------------------
    def _items_batch(self, request: Request) -> Response:
        catalog = request.params["catalog"]
        form = self._params(request)
        request.notes.update(ids=[], requests=0)
        error = self._auth_error(request) or self._throttled(catalog)
        if error:
            return error
        if form.get("item_type") != "PRODUCT_ITEM":
            return graph_error("(#100) Param item_type must be PRODUCT_ITEM", 100)
        if len(request.body) >= MAX_BODY_BYTES:
            # The documented limit; the wording of Meta's refusal is the simulator's own.
            return graph_error("(#100) The request payload must be under 28 MB", 100)
        requests_ = form.get("requests", "")
        if isinstance(requests_, str):
            try:
                requests_ = json.loads(requests_)
            except ValueError:
                requests_ = None
        if not isinstance(requests_, list) or not all(isinstance(r, dict) for r in requests_):
            return graph_error("(#100) Param requests must be a JSON array of objects", 100)
        request.notes["requests"] = len(requests_)
        if len(requests_) > MAX_REQUESTS:
            return graph_error(f"(#100) At most {MAX_REQUESTS} requests are allowed per call", 100)
        upsert = str(form.get("allow_upsert", "true")).strip().lower() not in {"false", "0"}
        errors: list[dict[str, Any]] = []
        ids: list[str] = []
        rejected = frozenset(str(r) for r in self.knobs.get("reject_ids") or [])
        with self.lock:
            items = self.catalogs.setdefault(catalog, {})
            for line, entry in enumerate(requests_):
                method = str(entry.get("method", "")).upper()
                data = entry.get("data") if isinstance(entry.get("data"), dict) else {}
                rid = "" if data.get("id") is None else str(data["id"])
                ids.append(rid)
                problem = self._validate(method, data, rid in items, upsert, rejected)
                if problem:
                    errors.append({"line": line, "id": rid, "message": problem})
                elif method == "DELETE":
                    items.pop(rid, None)
                elif method == "CREATE":
                    items[rid] = {**data, "id": rid}
                else:
                    items[rid] = {**items.get(rid, {}), **data, "id": rid}
            handle = random_id("handle-")
            self.handles[handle] = {"catalog": catalog, "errors": errors, "polls": 0}
        request.notes.update(ids=ids, handle=handle)
        return json_response({"handles": [handle], "validation_status": []})

    def _batch_status(self, request: Request) -> Response:
        error = self._auth_error(request)
        if error:
            return error
        handle = request.arg("handle") or ""
        with self.lock:
            batch = self.handles.get(handle)
            if batch is None or batch["catalog"] != request.params["catalog"]:
                return graph_error(f"(#100) Unknown batch handle: {handle}", 100)
            batch["polls"] += 1
            finished = batch["polls"] > int(self.knobs.get("polls_until_finished") or 0)
            errors = list(batch["errors"]) if finished else []
        data: dict[str, Any] = {
            "status": "finished" if finished else "started",
            "errors_total_count": len(errors),
            "errors": errors,
            "warnings": [],
        }
        if (request.arg("load_ids_of_invalid_requests") or "").lower() == "true":
            data["ids_of_invalid_requests"] = [e["id"] for e in errors]
        return json_response({"data": [data]})

    def _node(self, request: Request) -> Response:
        """A node read: a product item made by the single-item API, else the catalog itself."""
        error = self._auth_error(request)
        if error:
            return error
        node_id = request.params["catalog"]
        with self.lock:
            where = self.single_items.get(node_id)
            item = self.catalogs.get(where[0], {}).get(where[1]) if where else None
        if item is not None:
            node = {**item, "retailer_id": item["id"], "id": node_id}
        else:
            node = {"id": node_id, "name": f"Simulated catalog {node_id}", "product_count": 0}
            with self.lock:
                node["product_count"] = len(self.catalogs.get(node_id, {}))
        fields = str(self._params(request).get("fields") or "")
        if fields:
            wanted = {f.strip() for f in fields.split(",") if f.strip()} | {"id"}
            node = {k: v for k, v in node.items() if k in wanted}
        return json_response(node)

    def _graph_batch(self, request: Request) -> Response:
        """Run each call of a Graph batch as its own request; answer one result per call."""
        params = self._params(request)
        error = self._auth_error(request)
        if error:
            return error
        calls = params.get("batch")
        if isinstance(calls, str):
            try:
                calls = json.loads(calls)
            except ValueError:
                calls = None
        if not isinstance(calls, list) or not all(isinstance(c, dict) for c in calls):
            return graph_error("(#100) Param batch must be a JSON array of objects", 100)
        if len(calls) > MAX_GRAPH_BATCH:
            return graph_error(
                f"(#100) Too many requests in batch message. Maximum batch size "
                f"is {MAX_GRAPH_BATCH}",
                100,
            )
        version = request.params["version"]
        token = self._token(request)
        results = []
        for call in calls:
            inner = self._batch_call(call, version, token, request.host_url)
            response = self.dispatch(inner)
            results.append(
                {
                    "code": response.status,
                    "headers": [{"name": "Content-Type", "value": response.content_type}]
                    + [{"name": k, "value": v} for k, v in response.headers.items()],
                    "body": response.encoded().decode(),
                }
            )
        return json_response(results)

    @staticmethod
    def _batch_call(call: dict[str, Any], version: str, token: str, host_url: str) -> Request:
        """One call of a Graph batch as a request of its own (the batch's token if it has none)."""
        parts = urlsplit(str(call.get("relative_url") or "").lstrip("/"))
        path = parts.path if re.match(r"^v\d", parts.path) else f"{version}/{parts.path}"
        query = parse_qs(parts.query, keep_blank_values=True)
        body = str(call.get("body") or "")
        if token and "access_token" not in query and "access_token=" not in body:
            query["access_token"] = [token]
        return Request(
            method=str(call.get("method") or "GET").upper(),
            path="/" + path,
            query=query,
            headers={"content-type": "application/x-www-form-urlencoded"},
            body=body.encode(),
            host_url=host_url,
        )

    def _single_fields(self, form: dict[str, str], current: dict[str, Any]) -> dict[str, Any]:
        """Map the old single-item form fields onto the stored (batch-style) item fields."""
        fields = {SINGLE_FIELDS[k]: v for k, v in form.items() if k in SINGLE_FIELDS}
        if "price" in form or "currency" in form:
            cents = int(form.get("price") or round(float(str(current["price"]).split()[0]) * 100))
            currency = form.get("currency") or str(current.get("price", " USD")).split()[-1]
            fields["price"] = f"{cents / 100:.2f} {currency}"
        return fields

    def _single_create(self, request: Request) -> Response:
        form = request.form()
        request.notes["ids"] = [form.get("retailer_id", "")]
        error = self._auth_error(request)
        if error:
            return error
        required = ("retailer_id", "name", "price", "currency")
        missing = [name for name in required if not form.get(name)]
        if missing:
            return graph_error(f"(#100) Missing required parameter(s): {', '.join(missing)}", 100)
        if not form["price"].isdigit():
            return graph_error("(#100) Param price must be an integer number of cents", 100)
        catalog, rid = request.params["catalog"], form["retailer_id"]
        item = {"id": rid, **self._single_fields(form, {})}
        with self.lock:
            self.catalogs.setdefault(catalog, {})[rid] = item
            item_id = str(next(self.product_item_ids))
            self.single_items[item_id] = (catalog, rid)
        return json_response({"id": item_id})

    def _unknown_item(self, item_id: str, method: str) -> Response:
        return graph_error(
            f"Unsupported {method.lower()} request. Object with ID '{item_id}' does not exist.",
            100,
            subcode=33,
        )

    def _single_update(self, request: Request) -> Response:
        request.notes["ids"] = []
        error = self._auth_error(request)
        if error:
            return error
        form = request.form()
        if "price" in form and not form["price"].isdigit():
            return graph_error("(#100) Param price must be an integer number of cents", 100)
        with self.lock:
            where = self.single_items.get(request.params["item"])
            item = self.catalogs.get(where[0], {}).get(where[1]) if where else None
            if where is None or item is None:
                return self._unknown_item(request.params["item"], request.method)
            request.notes["ids"] = [where[1]]
            item.update(self._single_fields(form, item))
        return json_response({"success": True})

    def _single_delete(self, request: Request) -> Response:
        request.notes["ids"] = []
        error = self._auth_error(request)
        if error:
            return error
        with self.lock:
            where = self.single_items.pop(request.params["item"], None)
            if where is None:
                return self._unknown_item(request.params["item"], request.method)
            request.notes["ids"] = [where[1]]
            self.catalogs.get(where[0], {}).pop(where[1], None)
        return json_response({"success": True})
