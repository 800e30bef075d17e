"""Meta Graph API product-catalog stand-in: items_batch, batch status, single-item calls.

It validates items the way Meta documents (price strings, availability and condition
values, length limits, required fields when an upsert creates an item), reports
per-item errors only in the batch status, throttles batch calls per catalog per
rolling minute with code 80014, and can reject tokens (190) or fail with 5xx.
"""

from __future__ import annotations

import json
import math
import re
from collections import deque
from typing import Any

from simulators.base import Request, Response, Simulator, json_response, random_id

PRICE = re.compile(r"^\d+(\.\d{1,2})? [A-Z]{3}$")
AVAILABILITY = {"in stock", "out of stock", "available for order", "discontinued"}
CONDITION = {"new", "refurbished", "used"}
REQUIRED_ON_CREATE = ("title", "description", "availability", "condition", "price", "link", "brand")
MAX_REQUESTS = 5000
TITLE_MAX, DESCRIPTION_MAX = 100, 5000
WINDOW_SECONDS = 60.0


def graph_error(
    message: str, code: int, status: int = 400, subcode: int | None = None, **headers: str
) -> Response:
    error: dict[str, Any] = {
        "message": message,
        "type": "OAuthException",
        "code": code,
        "fbtrace_id": random_id("A"),
    }
    if subcode is not None:
        error["error_subcode"] = subcode
    return json_response({"error": error}, status, **headers)


class MetaSimulator(Simulator):
    name = "meta"
    default_knobs = {
        "batch_calls_per_minute": 8,  # a new catalog's allowance; 0 or None = unlimited
        "token_invalid": False,
        "require_image": False,
        "reject_ids": [],
        "polls_until_finished": 1,
    }

    def reset_data(self) -> None:
        self.catalogs: dict[str, dict[str, dict[str, Any]]] = {}
        self.handles: dict[str, dict[str, Any]] = {}
        self.batch_times: dict[str, deque[float]] = {}
        self.calls: list[dict[str, Any]] = []
        self.single_items: dict[str, tuple[str, str]] = {}

    def setup_routes(self) -> None:
        self.route(
            "GET", r"/_sim/catalogs/(?P<catalog>[^/]+)/items", self._list_items, control=True
        )
        self.route(
            "GET",
            r"/_sim/calls",
            lambda r: json_response({"calls": list(self.calls)}),
            control=True,
        )
        self.route(
            "POST", r"/(?P<version>v[\d.]+)/(?P<catalog>[^/]+)/items_batch", self._items_batch
        )
        self.route(
            "GET",
            r"/(?P<version>v[\d.]+)/(?P<catalog>[^/]+)/check_batch_request_status",
            self._batch_status,
        )
        self.route(
            "POST", r"/(?P<version>v[\d.]+)/(?P<catalog>[^/]+)/products", self._single_create
        )
        self.route("GET", r"/(?P<version>v[\d.]+)/(?P<catalog>[^/]+)", self._catalog)
        self.route("POST", r"/(?P<version>v[\d.]+)/(?P<item>\d+)", self._single_update)
        self.route("DELETE", r"/(?P<version>v[\d.]+)/(?P<item>\d+)", self._single_delete)

    def fault_response(self, request: Request) -> Response:
        self._record(request, "fault")
        return graph_error(
            "An unexpected error has occurred. Please retry your request later.", 2, 500
        )

    # --- helpers ---------------------------------------------------------------------------
    def _record(self, request: Request, kind: str, **extra: Any) -> None:
        with self.lock:
            self.calls.append(
                {"method": request.method, "path": request.path, "kind": kind, **extra}
            )

    def _token(self, request: Request) -> str:
        auth = request.header("authorization")
        if auth.lower().startswith("bearer "):
            return auth[7:].strip()
        return request.form().get("access_token") or request.arg("access_token") or ""

    def _auth_error(self, request: Request) -> Response | None:
        if not self._token(request):
            return graph_error("An access token is required to request this resource.", 190)
        if self.knobs["token_invalid"]:
            return graph_error(
                "Error validating access token: Session has expired", 190, subcode=463
            )
        return None

    def _list_items(self, request: Request) -> Response:
        with self.lock:
            items = dict(self.catalogs.get(request.params["catalog"], {}))
        return json_response({"items": items, "count": len(items)})

    def _catalog(self, request: Request) -> Response:
        self._record(request, "catalog")
        error = self._auth_error(request)
        if error:
            return error
        catalog = request.params["catalog"]
        return json_response({"id": catalog, "name": f"Simulated catalog {catalog}"})

    def _throttled(self, catalog: str) -> Response | None:
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
            "sim-business": [
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
        self, method: str, data: dict[str, Any], exists: bool, upsert: bool
    ) -> str | None:
        rid = data.get("id")
        if not rid:
            return "Missing required field: id"
        if str(rid) in set(self.knobs.get("reject_ids") or []):
            return "Simulated rejection"
        if method == "DELETE":
            return None
        if method not in {"CREATE", "UPDATE"}:
            return f"Unsupported method: {method}"
        creating = method == "CREATE" or not exists
        if method == "UPDATE" and not exists and not upsert:
            return f"Item with id '{rid}' does not exist"
        for name in ("price", "sale_price"):
            if name in data and not PRICE.match(str(data[name])):
                return f"Invalid {name} format: '{data[name]}' (expected '9.99 USD')"
        if "availability" in data and data["availability"] not in AVAILABILITY:
            return f"Invalid availability: '{data['availability']}'"
        if "condition" in data and data["condition"] not in CONDITION:
            return f"Invalid condition: '{data['condition']}'"
        if len(str(data.get("title", ""))) > TITLE_MAX:
            return f"title is longer than {TITLE_MAX} characters"
        if len(str(data.get("description", ""))) > DESCRIPTION_MAX:
            return f"description is longer than {DESCRIPTION_MAX} characters"
        for name in ("link", "image_link"):
            if name in data and not str(data[name]).startswith(("http://", "https://")):
                return f"Invalid URL in {name}: '{data[name]}'"
        if creating:
            required = [
                *REQUIRED_ON_CREATE,
                *(["image_link"] if self.knobs["require_image"] else []),
            ]
            missing = [name for name in required if not data.get(name)]
            if missing:
                return f"Missing required field(s) for a new item: {', '.join(missing)}"
        return None

    # --- API -------------------------------------------------------------------------------
    def _items_batch(self, request: Request) -> Response:
        catalog = request.params["catalog"]
        form = request.form()
        error = self._auth_error(request)
        if error:
            self._record(request, "items_batch", ids=[], rejected=True)
            return error
        throttled = self._throttled(catalog)
        if throttled:
            self._record(request, "items_batch", ids=[], rejected=True)
            return throttled
        if form.get("item_type") != "PRODUCT_ITEM":
            return graph_error("(#100) Param item_type must be PRODUCT_ITEM", 100)
        try:
            requests_ = json.loads(form.get("requests", ""))
            if not isinstance(requests_, list) or not all(isinstance(r, dict) for r in requests_):
                raise ValueError
        except ValueError:
            return graph_error("(#100) Param requests must be a JSON array of objects", 100)
        if len(requests_) > MAX_REQUESTS:
            return graph_error(f"(#100) At most {MAX_REQUESTS} requests are allowed per call", 100)
        upsert = form.get("allow_upsert", "true").lower() != "false"
        errors: list[dict[str, Any]] = []
        with self.lock:
            items = self.catalogs.setdefault(catalog, {})
            for line, entry in enumerate(requests_):
                method = str(entry.get("method", "")).upper()
                data = entry.get("data") if isinstance(entry.get("data"), dict) else {}
                rid = str(data.get("id", ""))
                problem = self._validate(method, data, rid in items, upsert)
                if problem:
                    errors.append({"line": line, "id": rid, "message": problem})
                    continue
                if method == "DELETE":
                    items.pop(rid, None)
                else:
                    items[rid] = {**items.get(rid, {}), **{k: v for k, v in data.items()}}
            handle = random_id("handle-")
            self.handles[handle] = {"catalog": catalog, "errors": errors, "polls": 0}
        ids = [str((e.get("data") or {}).get("id", "")) for e in requests_ if isinstance(e, dict)]
        self._record(request, "items_batch", ids=ids, requests=len(requests_))
        return json_response({"handles": [handle], "validation_status": []})

    def _batch_status(self, request: Request) -> Response:
        self._record(request, "batch_status")
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
            errors = list(batch["errors"])
        data: dict[str, Any] = {"status": "finished" if finished else "started", "warnings": []}
        if finished:
            data.update(errors_total_count=len(errors), errors=errors)
            if request.arg("load_ids_of_invalid_requests") == "true":
                data["ids_of_invalid_requests"] = [e["id"] for e in errors]
        return json_response({"data": [data]})

    def _single_create(self, request: Request) -> Response:
        form = request.form()
        self._record(request, "single_create", ids=[form.get("retailer_id", "")])
        error = self._auth_error(request)
        if error:
            return error
        missing = [
            name for name in ("retailer_id", "name", "price", "currency") if not form.get(name)
        ]
        if missing:
            return graph_error(f"(#100) Missing required parameter(s): {', '.join(missing)}", 100)
        try:
            cents = int(form["price"])
        except ValueError:
            return graph_error("(#100) price must be an integer number of cents", 100)
        catalog = request.params["catalog"]
        item = {
            "id": form["retailer_id"],
            "title": form["name"],
            "price": f"{cents / 100:.2f} {form['currency']}",
            **{
                k: form[k]
                for k in ("availability", "condition", "link", "description", "brand")
                if k in form
            },
        }
        with self.lock:
            self.catalogs.setdefault(catalog, {})[form["retailer_id"]] = item
            item_id = str(10**15 + len(self.single_items) + 1)
            self.single_items[item_id] = (catalog, form["retailer_id"])
        return json_response({"id": item_id})

    def _single_update(self, request: Request) -> Response:
        self._record(request, "single_update")
        error = self._auth_error(request)
        if error:
            return error
        with self.lock:
            where = self.single_items.get(request.params["item"])
            if where is None:
                return graph_error("(#100) Unknown product item", 100)
            fields = {k: v for k, v in request.form().items() if k != "access_token"}
            self.catalogs[where[0]][where[1]].update(fields)
        return json_response({"success": True})

    def _single_delete(self, request: Request) -> Response:
        self._record(request, "single_delete")
        error = self._auth_error(request)
        if error:
            return error
        with self.lock:
            where = self.single_items.pop(request.params["item"], None)
            if where is not None:
                self.catalogs.get(where[0], {}).pop(where[1], None)
        return json_response({"success": True})
