"""WooCommerce REST API v3 stand-in: products and variations with WordPress-style paging.

Honours Basic auth or consumer keys in the query string, `per_page` ≤ 100, the
`X-WP-Total` / `X-WP-TotalPages` / `Link` headers, `modified_after` and `after` (publication
date) with `dates_are_gmt`, scheduled (`future`) products that WordPress publishes without
touching their modified date, sale dates (`date_on_sale_from_gmt` / `_to_gmt`), variable
products with variations, 429 throttling and 5xx faults.
"""

from __future__ import annotations

import base64
from collections import deque
from datetime import UTC, datetime, timedelta
from typing import Any

from simulators.base import Request, Response, Simulator, json_response

BASE_TIME = datetime(2026, 1, 1, tzinfo=UTC)
API = "/wp-json/wc/v3"
MAX_PER_PAGE = 100
WINDOW_SECONDS = 60.0


def wc_error(code: str, message: str, status: int) -> Response:
    return json_response({"code": code, "message": message, "data": {"status": status}}, status)


def stamp(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%S")


class WooCommerceSimulator(Simulator):
    name = "woocommerce"
    default_knobs = {
        "consumer_key": "ck_sim",
        "consumer_secret": "cs_sim",
        "requests_per_minute": 0,  # 0 = unlimited; over it answers 429 with Retry-After
        "fail_on_page": None,  # {"page": 3, "times": N}
    }

    def __init__(
        self, products: int = 0, variable_every: int = 3, variations: int = 3, **kwargs: Any
    ) -> None:
        self.seed_spec = (products, variable_every, variations)
        super().__init__(**kwargs)

    def reset_data(self) -> None:
        self.products: dict[int, dict[str, Any]] = {}
        self.variations: dict[int, list[dict[str, Any]]] = {}
        self.recent: deque[float] = deque()
        self.next_id = 1
        self.seed(*getattr(self, "seed_spec", (0, 3, 3)))

    # --- data ------------------------------------------------------------------------------
    def seed(self, count: int, variable_every: int = 3, variations: int = 3) -> None:
        """Deterministic products; every `variable_every`-th one is variable."""
        for n in range(1, count + 1):
            variable = variable_every > 0 and n % variable_every == 0
            self.add_product(n, variable=variable, variations=variations if variable else 0)

    def add_product(self, n: int, *, variable: bool = False, variations: int = 0) -> dict[str, Any]:
        with self.lock:
            product_id = self.next_id
            self.next_id += 1
            modified = stamp(BASE_TIME + timedelta(seconds=n))
            price = f"{10 + n % 50}.00"
            product = {
                "id": product_id,
                "name": f"Woo product {n}",
                "slug": f"woo-product-{n}",
                "type": "variable" if variable else "simple",
                "status": "publish",
                "sku": f"WC-{n:05d}",
                "price": "" if variable else price,
                "regular_price": "" if variable else price,
                "sale_price": "",
                "date_on_sale_from_gmt": None,
                "date_on_sale_to_gmt": None,
                "manage_stock": not variable,
                "stock_quantity": None if variable else n % 20,
                "stock_status": "instock",
                "categories": [{"id": 1, "name": "General"}],
                "tags": [{"id": 2, "name": "sim"}],
                "images": [{"id": n, "src": f"https://img.example.com/{n}.jpg"}],
                "attributes": [{"name": "Size", "options": ["S", "M", "L"]}] if variable else [],
                "variations": [],
                "permalink": f"https://shop.example.com/p/{n}",
                "short_description": f"<p>Short {n}</p>",
                "description": f"<p>Description of product {n}</p>",
                "date_created_gmt": modified,
                "date_modified_gmt": modified,
            }
            self.products[product_id] = product
            sizes = ["S", "M", "L", "XL", "XXL"]
            children = []
            for v in range(variations):
                children.append(
                    {
                        "id": 100_000 + product_id * 10 + v,
                        "sku": f"WC-{n:05d}-{sizes[v % 5]}",
                        "price": price,
                        "regular_price": price,
                        "sale_price": "",
                        "date_on_sale_from_gmt": None,
                        "date_on_sale_to_gmt": None,
                        "manage_stock": True,
                        "stock_quantity": v + 1,
                        "stock_status": "instock",
                        "status": "publish",
                        "attributes": [{"name": "Size", "option": sizes[v % 5]}],
                        "date_modified_gmt": modified,
                    }
                )
            self.variations[product_id] = children
            product["variations"] = [c["id"] for c in children]
            return product

    def setup_routes(self) -> None:
        self.route("GET", API + r"/products", self._list)
        self.route("GET", API + r"/products/(?P<pid>\d+)", self._one)
        self.route("GET", API + r"/products/(?P<pid>\d+)/variations", self._variations)
        self.route(
            "GET",
            r"/_sim/products",
            lambda r: json_response({"products": list(self.products.values())}),
            control=True,
        )
        self.route("POST", r"/_sim/products/(?P<pid>\d+)", self._edit, control=True)
        self.route("DELETE", r"/_sim/products/(?P<pid>\d+)", self._delete, control=True)
        self.route("POST", r"/_sim/products/(?P<pid>\d+)/publish", self._publish, control=True)
        self.route("POST", r"/_sim/seed", self._seed, control=True)

    def fault_response(self, request: Request) -> Response:
        return wc_error(
            "internal_server_error", "There has been a critical error on this website.", 500
        )

    def _seed(self, request: Request) -> Response:
        """Replace the catalog with `count` products, every `variable_every`-th one variable."""
        body = request.json() or {}
        with self.lock:
            self.seed_spec = (int(body.get("count", 0)), int(body.get("variable_every", 3)), 3)
            self.reset_data()
        return json_response({"products": len(self.products)})

    def _edit(self, request: Request) -> Response:
        pid = int(request.params["pid"])
        with self.lock:
            product = self.products.get(pid)
            if product is None:
                return wc_error("woocommerce_rest_product_invalid_id", "Invalid ID.", 404)
            product.update(request.json() or {})
            moment = BASE_TIME + timedelta(days=365, seconds=self.now())
            product["date_modified_gmt"] = stamp(moment)
        return json_response(product)

    def _publish(self, request: Request) -> Response:
        """WordPress's cron publishing a scheduled post: only the status changes.

        `wp_publish_post` leaves the modified date alone, so `modified_after` misses it;
        the publication date (`date_created_gmt`, filtered by `after`) is the scheduled one.
        """
        with self.lock:
            product = self.products.get(int(request.params["pid"]))
            if product is None:
                return wc_error("woocommerce_rest_product_invalid_id", "Invalid ID.", 404)
            if product["status"] != "future":
                return wc_error("sim_not_scheduled", "Only a scheduled product publishes.", 400)
            product["status"] = "publish"
        return json_response(product)

    def _delete(self, request: Request) -> Response:
        with self.lock:
            removed = self.products.pop(int(request.params["pid"]), None)
        return json_response({"deleted": removed is not None})

    # --- API -------------------------------------------------------------------------------
    def _guard(self, request: Request) -> Response | None:
        key, secret = request.arg("consumer_key"), request.arg("consumer_secret")
        auth = request.header("authorization")
        if auth.lower().startswith("basic "):
            try:
                key, _, secret = base64.b64decode(auth[6:]).decode().partition(":")
            except ValueError:
                key = secret = None
        if (key, secret) != (self.knobs["consumer_key"], self.knobs["consumer_secret"]):
            return wc_error(
                "woocommerce_rest_cannot_view", "Sorry, you cannot list resources.", 401
            )
        limit = self.knobs.get("requests_per_minute")
        if limit:
            now = self.now()
            with self.lock:
                while self.recent and now - self.recent[0] >= WINDOW_SECONDS:
                    self.recent.popleft()
                if len(self.recent) >= limit:
                    wait = max(1, int(WINDOW_SECONDS - (now - self.recent[0])) + 1)
                    response = wc_error("too_many_requests", "Too many requests.", 429)
                    response.headers["Retry-After"] = str(wait)
                    return response
                self.recent.append(now)
        return None

    def _list(self, request: Request) -> Response:
        denied = self._guard(request)
        if denied:
            return denied
        try:
            page = int(request.arg("page", "1") or 1)
            per_page = int(request.arg("per_page", "10") or 10)
        except ValueError:
            return wc_error("rest_invalid_param", "Invalid parameter(s): page", 400)
        if per_page < 1 or per_page > MAX_PER_PAGE:
            return wc_error("rest_invalid_param", "Invalid parameter(s): per_page", 400)
        fault = self.knobs.get("fail_on_page")
        if fault and fault.get("page") == page and fault.get("times", 0) > 0:
            with self.lock:
                fault["times"] -= 1
            return self.fault_response(request)
        with self.lock:
            rows = sorted(self.products.values(), key=lambda p: p["id"])
        since = request.arg("modified_after")
        if since:
            rows = [p for p in rows if p["date_modified_gmt"] > since[:19]]
        published_after = request.arg("after")
        if published_after:
            rows = [p for p in rows if p["date_created_gmt"] > published_after[:19]]
        total = len(rows)
        pages = max(1, -(-total // per_page))
        chunk = rows[(page - 1) * per_page : page * per_page]
        headers = {"X-WP-Total": str(total), "X-WP-TotalPages": str(pages)}
        if page < pages:
            headers["Link"] = f'<{request.host_url}{API}/products?page={page + 1}>; rel="next"'
        return json_response(chunk, 200, **headers)

    def _one(self, request: Request) -> Response:
        denied = self._guard(request)
        if denied:
            return denied
        product = self.products.get(int(request.params["pid"]))
        if product is None:
            return wc_error("woocommerce_rest_product_invalid_id", "Invalid ID.", 404)
        return json_response(product)

    def _variations(self, request: Request) -> Response:
        denied = self._guard(request)
        if denied:
            return denied
        pid = int(request.params["pid"])
        if pid not in self.products:
            return wc_error("woocommerce_rest_product_invalid_id", "Invalid ID.", 404)
        per_page = min(int(request.arg("per_page", "10") or 10), MAX_PER_PAGE)
        page = int(request.arg("page", "1") or 1)
        rows = self.variations.get(pid, [])
        pages = max(1, -(-len(rows) // per_page))
        return json_response(
            rows[(page - 1) * per_page : page * per_page],
            200,
            **{"X-WP-Total": str(len(rows)), "X-WP-TotalPages": str(pages)},
        )
