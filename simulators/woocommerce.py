"""WooCommerce REST API v3 stand-in: products and variations with WordPress-style paging.

Honours Basic auth or consumer keys in the query string, `per_page` ≤ 100, the
`X-WP-Total` / `X-WP-TotalPages` / `Link` headers, `modified_after` and `after` (publication
date) with `dates_are_gmt`, scheduled (`future`) products that WordPress publishes without
touching their modified date, sale dates (`date_on_sale_from_gmt` / `_to_gmt`), variable
products with variations, 429 throttling and 5xx faults.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import operator
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import cached_property
from typing import Any
from urllib.parse import quote, unquote, urlencode

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
        self.used_nonces: set[str] = set()
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
            parent_stock = variable and n % 2 == 0
            product = {
                "id": product_id,
                "parent_id": 0,
                "menu_order": 0,
                "meta_data": [{"id": n, "key": "_sim_origin", "value": "seed"}],
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
                # Every second variable product keeps one stock for all its variations.
                "manage_stock": not variable or parent_stock,
                "stock_quantity": n % 20 if not variable or parent_stock else None,
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
                        "parent_id": product_id,
                        "menu_order": v,
                        "name": f"Woo product {n} - {sizes[v % 5]}",
                        "slug": f"woo-product-{n}-{sizes[v % 5].lower()}",
                        "description": f"<p>Size {sizes[v % 5]} of product {n}</p>",
                        "permalink": f"https://shop.example.com/p/{n}?size={sizes[v % 5]}",
                        "image": {"id": n * 10 + v, "src": f"https://img.example.com/{n}-{v}.jpg"},
                        "meta_data": [],
                        "date_created_gmt": modified,
                        "sku": f"WC-{n:05d}-{sizes[v % 5]}",
                        "price": price,
                        "regular_price": price,
                        "sale_price": "",
                        "date_on_sale_from_gmt": None,
                        "date_on_sale_to_gmt": None,
                        # "parent": the parent manages one stock, which the variation reports.
                        "manage_stock": "parent" if parent_stock else True,
                        "stock_quantity": n % 20 if parent_stock else v + 1,
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
        self.route("GET", API + r"/system_status/tools", self._tools, kind="tools")
        self.route(
            "GET",
            r"/_sim/products",
            lambda r: json_response({"products": list(self.products.values())}),
            control=True,
        )
        self.route("GET", r"/_sim/variations", self._all_variations, control=True)
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

    def _all_variations(self, request: Request) -> Response:
        """Every variation by parent id, for checking a pull against the whole catalog."""
        with self.lock:
            rows = {str(pid): list(children) for pid, children in self.variations.items()}
        return json_response({"variations": rows})

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

    # --- authentication --------------------------------------------------------------------
    def _authenticate(self, request: Request) -> Response | None:
        """WooCommerce's REST authentication: keys over HTTPS only, OAuth 1.0a over HTTP.

        Over HTTPS: HTTP Basic with the key and secret, or `consumer_key` / `consumer_secret`
        in the query string. Over plain HTTP those are not read at all (so the request is
        anonymous and refused); a one-legged OAuth 1.0a signature is required instead.
        """
        if request.host_url.startswith("https://"):
            key, secret = request.arg("consumer_key"), request.arg("consumer_secret")
            auth = request.header("authorization")
            if auth.lower().startswith("basic "):
                try:
                    key, _, secret = base64.b64decode(auth[6:]).decode().partition(":")
                except ValueError:
                    key = secret = None
            if key is None and secret is None:
                return self._anonymous()
            if key != self.knobs["consumer_key"]:
                return auth_error("Consumer key is invalid.")
            if secret != self.knobs["consumer_secret"]:
                return auth_error("Consumer secret is invalid.")
            return None
        params = oauth_params(request)
        if not params:
            return self._anonymous()
        missing = [p for p in OAUTH_REQUIRED if not params.get(p)]
        if missing:
            return auth_error(f"Missing OAuth parameter {missing[0]}")
        if params["oauth_consumer_key"] != self.knobs["consumer_key"]:
            return auth_error("Consumer key is invalid.")
        if params["oauth_signature_method"] not in {"HMAC-SHA1", "HMAC-SHA256"}:
            return auth_error("Invalid signature method - must be HMAC-SHA1 or HMAC-SHA256.")
        expected = oauth_signature(request, params, str(self.knobs["consumer_secret"]))
        if not hmac.compare_digest(expected, params["oauth_signature"]):
            return auth_error("Invalid signature - provided signature does not match.")
        try:
            timestamp = int(params["oauth_timestamp"])
        except ValueError:
            timestamp = 0
        if timestamp < time.time() - OAUTH_WINDOW_SECONDS:
            return auth_error("Invalid timestamp.")
        with self.lock:
            if params["oauth_nonce"] in self.used_nonces:
                return auth_error("Invalid nonce - nonce has already been used.")
            self.used_nonces.add(params["oauth_nonce"])
        return None

    def _anonymous(self) -> Response:
        return wc_error("woocommerce_rest_cannot_view", "Sorry, you cannot list resources.", 401)

    def _guard(self, request: Request) -> Response | None:
        denied = self._authenticate(request)
        if denied:
            return denied
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

    # --- API -------------------------------------------------------------------------------
    def _list(self, request: Request) -> Response:
        denied = self._guard(request)
        if denied:
            return denied
        try:
            query = ListQuery.read(request, ORDERBY_PRODUCTS)
        except InvalidParams as exc:
            return exc.response()
        fault = self.knobs.get("fail_on_page")
        if fault and fault.get("page") == query.page and fault.get("times", 0) > 0:
            with self.lock:
                fault["times"] -= 1
            return self.fault_response(request)
        # As WooCommerce's SQL does: filter and sort the stored rows, then shape only the page
        # returned. Deriving every product's fields under the lock cost ~150 ms a page at 10k
        # products, and every other request waited for the lock meanwhile.
        with self.lock:
            rows = list(self.products.values())
        return query.answer(request, [p for p in rows if query.keeps(p)], self._public)

    def _public(self, product: dict[str, Any]) -> dict[str, Any]:
        """A product as the API shows it: local dates beside the GMT ones, `on_sale` derived."""
        return with_derived_fields(product)

    def _one(self, request: Request) -> Response:
        denied = self._guard(request)
        if denied:
            return denied
        product = self.products.get(int(request.params["pid"]))
        if product is None:
            return wc_error("woocommerce_rest_product_invalid_id", "Invalid ID.", 404)
        return json_response(only_fields(self._public(product), request.arg("_fields")))

    def _variations(self, request: Request) -> Response:
        denied = self._guard(request)
        if denied:
            return denied
        pid = int(request.params["pid"])
        if pid not in self.products:
            return wc_error("woocommerce_rest_product_invalid_id", "Invalid ID.", 404)
        try:
            query = ListQuery.read(request, ORDERBY_VARIATIONS)
        except InvalidParams as exc:
            return exc.response()
        with self.lock:
            rows = list(self.variations.get(pid, []))
        return query.answer(request, [v for v in rows if query.keeps(v)], with_derived_fields)

    def _tools(self, request: Request) -> Response:
        """`GET /system_status/tools`: the maintenance tools, which connectors list to check."""
        denied = self._guard(request)
        if denied:
            return denied
        return json_response(
            [
                {
                    "id": tool_id,
                    "name": name,
                    "action": action,
                    "description": description,
                    "_links": {
                        "item": [{"href": f"{request.host_url}{API}/system_status/tools/{tool_id}"}]
                    },
                }
                for tool_id, name, action, description in SYSTEM_TOOLS
            ]
        )

    def error_response(self, status: int, message: str) -> Response:
        if status in (404, 405):
            return wc_error(
                "rest_no_route", "No route was found matching the URL and request method.", 404
            )
        return wc_error(
            "internal_server_error" if status >= 500 else "rest_invalid_param", message, status
        )


ORDERBY_PRODUCTS = (
    "date",
    "modified",
    "id",
    "include",
    "title",
    "slug",
    "price",
    "popularity",
    "rating",
    "menu_order",
)
ORDERBY_VARIATIONS = ("date", "modified", "id", "include", "title", "slug", "menu_order")
STATUSES = ("any", "future", "trash", "draft", "pending", "private", "publish")
TYPES = ("simple", "grouped", "external", "variable")
AUTH_QUERY_KEYS = {"consumer_key", "consumer_secret"}
OAUTH_REQUIRED = (
    "oauth_consumer_key",
    "oauth_timestamp",
    "oauth_nonce",
    "oauth_signature",
    "oauth_signature_method",
)
OAUTH_WINDOW_SECONDS = 15 * 60
SYSTEM_TOOLS = (
    (
        "clear_transients",
        "WooCommerce transients",
        "Clear transients",
        "This tool will clear the product/shop transients cache.",
    ),
    (
        "recount_terms",
        "Term counts",
        "Recount terms",
        "This tool will recount product terms - useful when changing your settings.",
    ),
    (
        "regenerate_product_lookup_tables",
        "Product lookup tables",
        "Regenerate",
        "This tool will regenerate product lookup table data.",
    ),
)


class InvalidParams(ValueError):
    """`rest_invalid_param`, naming each bad parameter as WordPress does."""

    def __init__(self, problems: dict[str, str]) -> None:
        super().__init__(", ".join(problems))
        self.problems = problems

    def response(self) -> Response:
        return json_response(
            {
                "code": "rest_invalid_param",
                "message": f"Invalid parameter(s): {', '.join(self.problems)}",
                "data": {"status": 400, "params": self.problems},
            },
            400,
        )


def auth_error(message: str) -> Response:
    return wc_error("woocommerce_rest_authentication_error", message, 401)


def oauth_params(request: Request) -> dict[str, str]:
    """The oauth_* parameters, from the query string, a form body or an `OAuth` header."""
    params = {k: v[0] for k, v in request.query.items() if k.startswith("oauth_")}
    if request.method == "POST":
        params.update({k: v for k, v in request.form().items() if k.startswith("oauth_")})
    header = request.header("authorization")
    if header.lower().startswith("oauth "):
        for part in header[6:].split(","):
            name, _, value = part.strip().partition("=")
            if name.startswith("oauth_"):
                params[name] = unquote(value.strip('"'))
    return params


def _rfc3986(value: str) -> str:
    """PHP's rawurlencode of the decoded value, as WooCommerce normalizes OAuth parameters."""
    return quote(unquote(value), safe="~")


def oauth_signature(request: Request, oauth: dict[str, str], secret: str) -> str:
    """The signature WooCommerce computes for a request (its REST authentication class):
    the method, the encoded URL, then every parameter but the signature, sorted by name,
    encoded and joined; HMAC with `consumer_secret&`."""
    params = {k: v[0] for k, v in request.query.items()}
    params.update(oauth)
    params.pop("oauth_signature", None)
    pairs = "%26".join(
        f"{_rfc3986(k).replace('%', '%25')}%3D{_rfc3986(v).replace('%', '%25')}"
        for k, v in sorted(params.items())
    )
    base = f"{request.method}&{quote(request.host_url + request.path, safe='~')}&{pairs}"
    algorithm = hashlib.sha1 if oauth["oauth_signature_method"] == "HMAC-SHA1" else hashlib.sha256
    digest = hmac.new(f"{secret}&".encode(), base.encode(), algorithm).digest()
    return base64.b64encode(digest).decode()


def local(gmt: str | None) -> str | None:
    """The site's local time for a GMT stamp (the simulated site runs on UTC)."""
    return gmt


def with_derived_fields(item: dict[str, Any]) -> dict[str, Any]:
    """Fields WooCommerce derives: local dates beside the GMT ones, `on_sale`, `price`."""
    shown = dict(item)
    for name in ("date_created", "date_modified", "date_on_sale_from", "date_on_sale_to"):
        if f"{name}_gmt" in shown:
            shown[name] = local(shown[f"{name}_gmt"])
    shown["on_sale"] = on_sale(item)
    return shown


def on_sale(item: dict[str, Any]) -> bool:
    """WooCommerce's `on_sale`: a sale price, within its sale dates if it has any."""
    if not item.get("sale_price"):
        return False
    now = stamp(datetime.now(UTC))
    starts, ends = item.get("date_on_sale_from_gmt"), item.get("date_on_sale_to_gmt")
    return (not starts or starts <= now) and (not ends or now <= ends)


def only_fields(item: dict[str, Any], fields: str | None) -> dict[str, Any]:
    """`_fields=id,name,images.src`: the top-level fields asked for (nested names keep their
    top-level field)."""
    if not fields:
        return item
    wanted = {f.strip().split(".", 1)[0] for f in fields.split(",") if f.strip()}
    return {k: v for k, v in item.items() if k in wanted}


@dataclass
class ListQuery:
    """The collection parameters WooCommerce's products and variations endpoints take."""

    page: int
    per_page: int
    offset: int | None
    order: str
    orderby: str
    args: dict[str, str]

    @classmethod
    def read(cls, request: Request, orderby_allowed: tuple[str, ...]) -> ListQuery:
        args = {k: v[-1] for k, v in request.query.items()}
        problems: dict[str, str] = {}

        def integer(
            name: str, default: int | None, minimum: int, maximum: int | None = None
        ) -> int | None:
            raw = args.get(name)
            if raw is None or raw == "":
                return default
            try:
                value = int(raw)
            except ValueError:
                problems[name] = f"{name} is not of type integer."
                return default
            if value < minimum or (maximum is not None and value > maximum):
                bound = (
                    f"between {minimum} ({minimum}) and {maximum} ({maximum})"
                    if maximum
                    else f"greater than or equal to {minimum}"
                )
                problems[name] = f"{name} must be {bound}"
                return default
            return value

        page = integer("page", 1, 1)
        per_page = integer("per_page", 10, 1, MAX_PER_PAGE)
        offset = integer("offset", None, 0)
        order = args.get("order", "desc")
        if order not in ("asc", "desc"):
            problems["order"] = "order is not one of asc and desc."
        orderby = args.get("orderby", "date")
        if orderby not in orderby_allowed:
            problems["orderby"] = f"orderby is not one of {', '.join(orderby_allowed)}."
        status = args.get("status", "any")
        if status not in STATUSES:
            problems["status"] = f"status is not one of {', '.join(STATUSES)}."
        if args.get("type") and args["type"] not in TYPES:
            problems["type"] = f"type is not one of {', '.join(TYPES)}."
        for name in ("after", "before", "modified_after", "modified_before"):
            if args.get(name) and parse_wc_date(args[name]) is None:
                problems[name] = "Invalid date."
        if problems:
            raise InvalidParams(problems)
        assert page is not None and per_page is not None
        return cls(page, per_page, offset, order, orderby, args)

    @cached_property
    def keeps(self) -> Callable[[dict[str, Any]], bool]:
        """Whether an item passes every filter asked for (one check, most often: not trash)."""
        checks = self.checks()
        if len(checks) == 1:
            return checks[0]
        return lambda item: all(check(item) for check in checks)

    def checks(self) -> list[Callable[[dict[str, Any]], bool]]:
        """The filters asked for, each read from the query once, not once per product."""
        args = self.args
        checks: list[Callable[[dict[str, Any]], bool]] = []
        status = args.get("status", "any")
        if status == "any":
            checks.append(lambda item: item.get("status") != "trash")
        else:
            checks.append(lambda item: item.get("status") == status)
        if args.get("type"):
            checks.append(lambda item, kind=args["type"]: item.get("type") == kind)
        for name, field, listed in (
            ("include", "id", True),
            ("exclude", "id", False),
            ("parent", "parent_id", True),
            ("sku", "sku", True),
        ):
            if args.get(name):
                values = set(_csv(args[name]))
                checks.append(
                    lambda item, f=field, v=values, want=listed: (str(item.get(f)) in v) == want
                )
        if args.get("stock_status"):
            checks.append(lambda item, s=args["stock_status"]: item.get("stock_status") == s)
        if args.get("on_sale") in {"true", "1"}:
            checks.append(on_sale)
        if args.get("search"):
            needle = args["search"].lower()
            searched = ("name", "description", "short_description", "sku")
            checks.append(
                lambda item: needle in " ".join(str(item.get(k) or "") for k in searched).lower()
            )
        for name, field, keep_if in (
            ("after", "date_created_gmt", operator.gt),
            ("before", "date_created_gmt", operator.lt),
            ("modified_after", "date_modified_gmt", operator.gt),
            ("modified_before", "date_modified_gmt", operator.lt),
        ):
            if args.get(name):
                bound = parse_wc_date(args[name])
                checks.append(
                    lambda item, f=field, k=keep_if, b=bound: (
                        bool(item.get(f)) and k(item.get(f), b)
                    )
                )
        return checks

    def answer(
        self,
        request: Request,
        rows: list[dict[str, Any]],
        shown: Callable[[dict[str, Any]], dict[str, Any]],
    ) -> Response:
        """Sorted, sliced by offset or page, with WordPress's paging headers; `shown` makes
        each row of the page as the API shows it."""
        key = {
            "date": lambda r: (r.get("date_created_gmt") or "", r["id"]),
            "modified": lambda r: (r.get("date_modified_gmt") or "", r["id"]),
            "id": operator.itemgetter("id"),
            "title": lambda r: (str(r.get("name") or "").lower(), r["id"]),
            "slug": lambda r: (str(r.get("slug") or ""), r["id"]),
            "price": lambda r: (float(r.get("price") or 0), r["id"]),
            "menu_order": lambda r: (int(r.get("menu_order") or 0), r["id"]),
        }.get(self.orderby, lambda r: r["id"])
        if self.orderby == "include" and self.args.get("include"):
            order = _csv(self.args["include"])
            rows.sort(key=lambda r: order.index(str(r["id"])))
        else:
            rows.sort(key=key, reverse=self.order == "desc")
        total = len(rows)
        pages = -(-total // self.per_page)
        start = self.offset if self.offset is not None else (self.page - 1) * self.per_page
        chunk = rows[start : start + self.per_page]
        headers = {"X-WP-Total": str(total), "X-WP-TotalPages": str(pages)}
        links = []
        kept = {
            k: v
            for k, v in self.args.items()
            if k not in AUTH_QUERY_KEYS and not k.startswith("oauth_") and k != "page"
        }
        base = f"{request.host_url}{request.path}"
        if self.offset is None and self.page > 1 and pages:
            prev_page = min(self.page - 1, pages)
            links.append(f'<{base}?{urlencode({**kept, "page": prev_page})}>; rel="prev"')
        if self.offset is None and self.page < pages:
            links.append(f'<{base}?{urlencode({**kept, "page": self.page + 1})}>; rel="next"')
        if links:
            headers["Link"] = ", ".join(links)
        return json_response(
            [only_fields(shown(r), self.args.get("_fields")) for r in chunk], 200, **headers
        )


def _csv(value: str) -> list[str]:
    return [v.strip() for v in value.split(",") if v.strip()]


def parse_wc_date(value: str) -> str | None:
    """An ISO 8601 date as WordPress takes it, as a comparable `YYYY-MM-DDTHH:MM:SS` string."""
    text = value.strip().replace(" ", "T")
    try:
        moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return None
    if moment.tzinfo is not None:
        moment = moment.astimezone(UTC).replace(tzinfo=None)
    return moment.strftime("%Y-%m-%dT%H:%M:%S")
