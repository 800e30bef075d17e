"""Zoho accounts (OAuth refresh) and Zoho Inventory v1 items stand-in, served by one app.

It behaves the way our client has to cope with: refresh errors answered as HTTP 200
with `{"error": "invalid_code"}`, at most 10 access tokens per refresh token per
10 minutes, expiring tokens (401, code 57), organisation checks, 200-item pages with
`page_context.has_more_page`, item errors as a non-zero `code` inside an HTTP 200,
100 requests per minute per organisation (429 with Retry-After) and 5xx faults.
"""

from __future__ import annotations

import math
import secrets
import time
from collections import deque
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

from simulators.base import Request, Response, Simulator, json_response

API = "/inventory/v1"
TOKEN_PATH = "/oauth/v2/token"
SCOPE = "ZohoInventory.items.READ"
FIRST_ITEM_ID = 4_600_000_000_000
MAX_PER_PAGE = 200
WINDOW_SECONDS = 60.0
TOKEN_WINDOW_SECONDS = 600.0
# Seeded item n was last modified at SEED_BASE + n seconds; edits made through the control
# endpoints are stamped WALL_BASE + elapsed simulator time, so they always sort after seeds.
SEED_BASE = datetime(2026, 1, 31, 10, 0, tzinfo=UTC)
WALL_BASE = datetime(2026, 3, 1, tzinfo=UTC)
SORT_COLUMNS = {"item_id", "name", "sku", "last_modified_time"}
ITEM_DEFAULTS: dict[str, Any] = {
    "name": "",
    "sku": "",
    "description": "",
    "rate": 0.0,
    "stock_on_hand": 0.0,
    "available_stock": 0.0,
    "status": "active",
    "unit": "pcs",
    "group_id": "",
}


def zoho_time(moment: datetime) -> str:
    """Zoho's timestamp format, e.g. 2026-01-31T10:15:00+0000 (no colon in the offset)."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S%z")


def zoho_error(code: int, message: str, status: int = 200, **headers: str) -> Response:
    """Inventory errors carry a numeric `code`; some arrive with HTTP 200."""
    return json_response({"code": code, "message": message}, status, **headers)


def seed_item(n: int) -> dict[str, Any]:
    """The n-th deterministic item (n starts at 1), so tests can predict every field."""
    stock = float(n % 20)
    return {
        "item_id": str(FIRST_ITEM_ID + n),
        "name": f"Zoho item {n}",
        "sku": f"ZI-{n:05d}",
        "description": f"Description of Zoho item {n}",
        "rate": 10 + n % 50 + 0.5,
        "stock_on_hand": stock,
        "available_stock": stock,
        "status": "active",
        "unit": "pcs",
        "group_id": "",
        "last_modified_time": zoho_time(SEED_BASE + timedelta(seconds=n)),
    }


def _id_key(item: dict[str, Any]) -> tuple[int, int, str]:
    """Order ids numerically (digit strings of any length), odd hand-made ids last."""
    item_id = str(item["item_id"])
    return (0, int(item_id), "") if item_id.isdigit() else (1, 0, item_id)


class ZohoSimulator(Simulator):
    """Zoho accounts + Inventory in one WSGI app; `api_domain` points back at itself."""

    name = "zoho"
    default_knobs = {
        "client_id": "sim-client",
        "client_secret": "sim-secret",
        "refresh_token": "1000.sim-refresh",
        "organization_id": "sim-org",
        "token_ttl_seconds": 3600,
        "token_refresh_limit": 10,  # access tokens per refresh token per 600 s; 0/None = no limit
        "requests_per_minute": 100,  # inventory calls per organisation; 0/None = unlimited
        "fail_on_page": None,  # {"page": 3, "times": N}: that list page answers 500 N times
    }

    def __init__(
        self,
        seed_items: int = 0,
        clock: Callable[[], float] = time.monotonic,
        wall_base: datetime = WALL_BASE,
    ) -> None:
        # reset_data() runs inside the base constructor and needs these already.
        self.seed_items = seed_items
        self.wall_base = wall_base
        super().__init__(clock=clock)

    # --- state -----------------------------------------------------------------------------
    def reset_data(self) -> None:
        self.origin = self.now()
        self.items: dict[str, dict[str, Any]] = {}
        self._by_id: list[dict[str, Any]] | None = None  # items in id order, until one is added
        self.tokens: dict[str, float] = {}  # access token -> expiry on the simulator clock
        self.refreshes: dict[str, deque[float]] = {}  # refresh token -> issue times
        self.recent: dict[str, deque[float]] = {}  # organisation -> inventory call times
        self.seed(getattr(self, "seed_items", 0))

    def stats(self) -> dict[str, Any]:
        """Counters that tests assert on are present even while still zero."""
        zero = dict.fromkeys(
            ("requests", "token_refreshes", "token_refresh_denied", "token_refresh_invalid"), 0
        )
        with self.lock:
            return {**zero, **self.counters, "items": len(self.items)}

    def wall_now(self) -> datetime:
        """The simulator clock mapped onto a fixed wall-clock base, for last_modified_time."""
        return self.wall_base + timedelta(seconds=self.now() - self.origin)

    def seed(self, count: int) -> None:
        """Replace every item with `count` deterministic ones."""
        with self.lock:
            self.items = {item["item_id"]: item for item in map(seed_item, range(1, count + 1))}
            self._by_id = None

    def add_item(self, fields: dict[str, Any]) -> dict[str, Any]:
        """Add one item; missing fields get defaults and the id the next free number."""
        with self.lock:
            item_id = str(fields.get("item_id") or "")
            if not item_id:
                numeric = [int(i) for i in self.items if i.isdigit()]
                item_id = str(max([FIRST_ITEM_ID, *numeric]) + 1)
            item = {
                **ITEM_DEFAULTS,
                "last_modified_time": zoho_time(self.wall_now()),
                **fields,
                "item_id": item_id,
            }
            self.items[item_id] = item
            self._by_id = None
            return dict(item)

    def update_item(self, item_id: str, fields: dict[str, Any]) -> dict[str, Any] | None:
        """Merge fields into an item and stamp it modified now (unless a time is given)."""
        with self.lock:
            item = self.items.get(item_id)
            if item is None:
                return None
            item.update({k: v for k, v in fields.items() if k != "item_id"})
            if "last_modified_time" not in fields:
                item["last_modified_time"] = zoho_time(self.wall_now())
            return dict(item)

    def expire_tokens(self) -> None:
        """Make every issued access token expire now (a revoked or timed-out session)."""
        with self.lock:
            now = self.now()
            self.tokens = dict.fromkeys(self.tokens, now)

    # --- routes ----------------------------------------------------------------------------
    def setup_routes(self) -> None:
        self.route("POST", TOKEN_PATH, self._token)
        self.route("GET", API + r"/items", self._list)
        self.route("GET", API + r"/items/(?P<item_id>[^/]+)", self._one)
        self.route("POST", r"/_sim/seed", self._seed, control=True)
        self.route("POST", r"/_sim/expire_tokens", self._expire, control=True)
        self.route("GET", r"/_sim/items", self._all_items, control=True)
        self.route("POST", r"/_sim/items", self._add, control=True)
        self.route("POST", r"/_sim/items/(?P<item_id>[^/]+)", self._edit, control=True)
        self.route("DELETE", r"/_sim/items/(?P<item_id>[^/]+)", self._delete, control=True)

    def take_fault(self) -> bool:
        """`fail_next` only hits inventory calls, so the base dispatcher never injects it."""
        return False

    def fault_response(self, request: Request) -> Response:
        status = int(self.knobs.get("fail_status") or 500)
        return zoho_error(500, "Internal Server Error", status)

    # --- control endpoints -----------------------------------------------------------------
    def _seed(self, request: Request) -> Response:
        count = int((request.json() or {}).get("count", 0))
        self.seed(count)
        return json_response({"count": count})

    def _expire(self, request: Request) -> Response:
        self.expire_tokens()
        return json_response({"expired": len(self.tokens)})

    def _all_items(self, request: Request) -> Response:
        with self.lock:
            rows = [dict(item) for item in sorted(self.items.values(), key=_id_key)]
        return json_response({"items": rows, "count": len(rows)})

    def _add(self, request: Request) -> Response:
        body = request.json()
        if not isinstance(body, dict):
            return json_response({"error": "Send a JSON object of item fields."}, 400)
        return json_response(self.add_item(body), 201)

    def _edit(self, request: Request) -> Response:
        body = request.json()
        if not isinstance(body, dict):
            return json_response({"error": "Send a JSON object of item fields."}, 400)
        item = self.update_item(request.params["item_id"], body)
        if item is None:
            return json_response({"error": "No such item"}, 404)
        return json_response(item)

    def _delete(self, request: Request) -> Response:
        with self.lock:
            removed = self.items.pop(request.params["item_id"], None)
            self._by_id = None
        if removed is None:
            return json_response({"error": "No such item"}, 404)
        return json_response({"deleted": True})

    # --- accounts --------------------------------------------------------------------------
    def _token(self, request: Request) -> Response:
        params = {k: v[0] for k, v in request.query.items() if v} | request.form()
        if params.get("grant_type") != "refresh_token":
            return json_response({"error": "unsupported_grant_type"})
        refresh = params.get("refresh_token", "")
        knobs = self.knobs
        if (
            params.get("client_id") != knobs["client_id"]
            or params.get("client_secret") != knobs["client_secret"]
            or refresh != knobs["refresh_token"]
        ):
            self.count("token_refresh_invalid")
            return json_response({"error": "invalid_code"})
        now = self.now()
        limit = knobs.get("token_refresh_limit")
        ttl = int(knobs["token_ttl_seconds"])
        with self.lock:
            issued = self.refreshes.setdefault(refresh, deque())
            while issued and now - issued[0] >= TOKEN_WINDOW_SECONDS:
                issued.popleft()
            if limit and len(issued) >= limit:
                self.count("token_refresh_denied")
                return json_response(
                    {
                        "error": "Access Denied",
                        "error_description": (
                            "You have made too many requests continuously. "
                            "Please try again after some time."
                        ),
                    },
                    400,
                )
            issued.append(now)
            token = "1000." + secrets.token_hex(16)
            self.tokens[token] = now + ttl
        self.count("token_refreshes")
        return json_response(
            {
                "access_token": token,
                "expires_in": ttl,
                "api_domain": request.host_url,
                "token_type": "Bearer",
                "scope": SCOPE,
            }
        )

    # --- inventory -------------------------------------------------------------------------
    def _guard(self, request: Request) -> Response | None:
        """Auth, organisation, rate limit, then injected faults: what every call goes through."""
        scheme, _, token = request.header("authorization").partition(" ")
        with self.lock:
            expiry = self.tokens.get(token.strip()) if scheme == "Zoho-oauthtoken" else None
        if expiry is None or self.now() >= expiry:
            self.count("unauthorized")
            return zoho_error(57, "You are not authorized to perform this operation", 401)
        org = request.arg("organization_id") or request.header(
            "x-com-zoho-inventory-organizationid"
        )
        if not org:
            return zoho_error(2, "Invalid value passed for organization_id", 400)
        if org != self.knobs["organization_id"]:
            return zoho_error(
                6041, f"This user is not associated with the CompanyID/CompanyName:{org}.", 400
            )
        throttled = self._throttle(org)
        if throttled:
            return throttled
        self.count("inventory_requests")
        if super().take_fault():
            self.count("faults")
            return self.fault_response(request)
        return None

    def _throttle(self, org: str) -> Response | None:
        limit = self.knobs.get("requests_per_minute")
        if not limit:
            return None
        now = self.now()
        with self.lock:
            window = self.recent.setdefault(org, deque())
            while window and now - window[0] >= WINDOW_SECONDS:
                window.popleft()
            if len(window) < limit:
                window.append(now)
                return None
            wait = max(1, math.ceil(WINDOW_SECONDS - (now - window[0])))
        self.count("throttled")
        return zoho_error(
            44,
            "You have made too many requests. Please try after some time.",
            429,
            **{"Retry-After": str(wait)},
        )

    def _page_fault(self, page: int) -> bool:
        """Consume one failure of the `fail_on_page` knob if it targets this page."""
        with self.lock:
            fault = self.knobs.get("fail_on_page")
            if not fault or int(fault.get("page", 0)) != page or int(fault.get("times", 0)) < 1:
                return False
            self.knobs["fail_on_page"] = {**fault, "times": int(fault["times"]) - 1}
        self.count("faults")
        return True

    def _list(self, request: Request) -> Response:
        denied = self._guard(request)
        if denied:
            return denied
        numbers: dict[str, int] = {}
        for name, default in (("page", 1), ("per_page", MAX_PER_PAGE)):
            raw = request.arg(name) or str(default)
            try:
                numbers[name] = int(raw)
            except ValueError:
                numbers[name] = 0
            if numbers[name] < 1:
                return zoho_error(2, f"Invalid value passed for {name}", 400)
        page, per_page = numbers["page"], min(numbers["per_page"], MAX_PER_PAGE)
        column = request.arg("sort_column") or "item_id"
        order = request.arg("sort_order") or "A"
        if column not in SORT_COLUMNS:
            return zoho_error(2, "Invalid value passed for sort_column", 400)
        if order not in {"A", "D"}:
            return zoho_error(2, "Invalid value passed for sort_order", 400)
        if self._page_fault(page):
            return self.fault_response(request)
        self.count("item_lists")
        with self.lock:
            rows = self._in_id_order()
            if column != "item_id":
                rows = sorted(rows, key=lambda item: str(item.get(column) or ""))
            if order == "D":
                rows = rows[::-1]
            start = (page - 1) * per_page
            chunk = [dict(item) for item in rows[start : start + per_page]]
            more = len(rows) > start + per_page
        return json_response(
            {
                "code": 0,
                "message": "success",
                "items": chunk,
                "page_context": {
                    "page": page,
                    "per_page": per_page,
                    "has_more_page": more,
                    "sort_column": column,
                    "sort_order": order,
                },
            }
        )

    def _in_id_order(self) -> list[dict[str, Any]]:
        """Sorted once, not for every page: at 100,000 items a sort per page request cost the
        simulator 60 ms a page under its lock. Edits keep ids, so only adds and deletes reset
        it; a sort on another column copies it first."""
        if self._by_id is None:
            self._by_id = sorted(self.items.values(), key=_id_key)
        return self._by_id

    def _one(self, request: Request) -> Response:
        denied = self._guard(request)
        if denied:
            return denied
        with self.lock:
            item = self.items.get(request.params["item_id"])
            found = dict(item) if item is not None else None
        if found is None:
            return zoho_error(1002, "Item does not exist.")
        return json_response({"code": 0, "message": "success", "item": found})
