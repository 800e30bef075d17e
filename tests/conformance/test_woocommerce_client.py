"""The `woocommerce` REST client (WooCommerce's own Python library) against the simulator.

Docs: WooCommerce REST API documentation (woocommerce.github.io/woocommerce-rest-api-docs),
sections "Authentication", "Pagination", "Errors", "Products" (list all products, parameters)
and "Product variations"; WordPress REST API handbook, "Pagination" and "Linking".
"""

from typing import Any

import pytest
import requests
from woocommerce import API

from simulators.base import SimulatorServer
from simulators.tls import CertificateFiles


def client(server: SimulatorServer, ca: str | bool = True, **options: Any) -> API:
    return API(
        url=server.url,
        consumer_key="ck_sim",
        consumer_secret="cs_sim",
        version="wc/v3",
        timeout=10,
        verify_ssl=ca,
        **options,
    )


def test_oauth1_over_http_is_accepted_and_keys_over_http_are_not(woo_http: SimulatorServer) -> None:
    # Authentication: "over HTTP ... you must use OAuth 1.0a 'one-legged' authentication";
    # keys by Basic auth or query string are for HTTPS only.
    signed = client(woo_http).get("products", params={"per_page": 5})
    assert signed.status_code == 200
    assert "oauth_signature=" in signed.request.url
    assert len(signed.json()) == 5
    keys = requests.get(
        f"{woo_http.url}/wp-json/wc/v3/products", auth=("ck_sim", "cs_sim"), timeout=10
    )
    assert keys.status_code == 401
    assert keys.json()["code"] == "woocommerce_rest_cannot_view"
    forged = API(url=woo_http.url, consumer_key="ck_sim", consumer_secret="wrong", version="wc/v3")
    refused = forged.get("products")
    assert (refused.status_code, refused.json()["code"]) == (
        401,
        "woocommerce_rest_authentication_error",
    )
    assert refused.json()["message"] == "Invalid signature - provided signature does not match."


def test_keys_over_https_by_basic_auth_and_query_string(
    woo_https: SimulatorServer, certificates: CertificateFiles
) -> None:
    # Authentication over HTTPS: HTTP Basic, or consumer_key/consumer_secret as query string.
    basic = client(woo_https, certificates.ca_file).get("products", params={"per_page": 3})
    assert basic.status_code == 200
    assert basic.request.headers["Authorization"].startswith("Basic ")
    query = client(woo_https, certificates.ca_file, query_string_auth=True).get("products")
    assert query.status_code == 200 and "consumer_secret=cs_sim" in query.request.url
    wrong = API(
        url=woo_https.url,
        consumer_key="ck_sim",
        consumer_secret="nope",
        version="wc/v3",
        verify_ssl=certificates.ca_file,
    ).get("products")
    assert (wrong.status_code, wrong.json()["message"]) == (401, "Consumer secret is invalid.")


def test_paging_by_page_with_wordpress_headers(woo_http: SimulatorServer) -> None:
    # Pagination: X-WP-Total, X-WP-TotalPages and a Link header whose next/prev URLs keep the
    # request's parameters (per_page included).
    api = client(woo_http)
    seen: list[int] = []
    page = 1
    while True:
        response = api.get(
            "products", params={"per_page": 10, "page": page, "orderby": "id", "order": "asc"}
        )
        assert response.headers["X-WP-Total"] == "25"
        assert response.headers["X-WP-TotalPages"] == "3"
        seen += [p["id"] for p in response.json()]
        link = response.headers.get("Link", "")
        if page > 1:
            assert 'rel="prev"' in link
        if 'rel="next"' not in link:
            break
        assert "per_page=10" in link and f"page={page + 1}" in link
        page += 1
    assert seen == list(range(1, 26))


def test_paging_by_offset_and_default_newest_first(woo_http: SimulatorServer) -> None:
    # Products list parameters: `offset` ("offset the result set by a specific number of
    # items"); `order` defaults to desc and `orderby` to date.
    api = client(woo_http)
    newest = api.get("products", params={"per_page": 3}).json()
    assert [p["id"] for p in newest] == [25, 24, 23]
    by_offset: list[int] = []
    offset = 0
    while True:
        chunk = api.get(
            "products", params={"per_page": 10, "offset": offset, "orderby": "id", "order": "asc"}
        ).json()
        by_offset += [p["id"] for p in chunk]
        if len(chunk) < 10:
            break
        offset += 10
    assert by_offset == list(range(1, 26))


def test_filters_narrow_the_list(woo_http: SimulatorServer) -> None:
    # Products list parameters: include, sku, type, status, search, modified_after/before,
    # _fields (global parameter: "limit the response to specific fields").
    api = client(woo_http)

    def ids(**params: Any) -> list[int]:
        response = api.get("products", params={"orderby": "id", "order": "asc", **params})
        assert response.status_code == 200, response.text
        return [p["id"] for p in response.json()]

    assert ids(include="3,7,11") == [3, 7, 11]
    assert ids(sku="WC-00004") == [4]
    assert ids(type="variable") == [5, 10, 15, 20, 25]
    assert ids(status="draft") == []
    assert ids(search="product 12") == [12]
    window = {
        "modified_after": "2026-01-01T00:00:03",
        "modified_before": "2026-01-01T00:00:06",
        "dates_are_gmt": "true",
    }
    assert ids(**window) == [4, 5]
    slim = api.get("products", params={"_fields": "id,name", "per_page": 2}).json()
    assert [sorted(p) for p in slim] == [["id", "name"], ["id", "name"]]


def test_variations_carry_parent_and_stock_fields(woo_http: SimulatorServer) -> None:
    # Product variations properties: parent_id, image, description, permalink,
    # manage_stock ("true, false or parent"), date_on_sale_from(_gmt)/to(_gmt), on_sale.
    api = client(woo_http)
    product = api.get("products/10").json()
    assert {"date_created", "on_sale", "parent_id", "meta_data"} <= set(product)
    variations = api.get("products/10/variations").json()
    assert [v["parent_id"] for v in variations] == [10, 10, 10]
    assert {v["manage_stock"] for v in variations} == {"parent"}
    assert {v["stock_quantity"] for v in variations} == {product["stock_quantity"]}
    first = variations[0]
    assert {"image", "description", "permalink", "date_on_sale_from", "date_on_sale_to_gmt"} <= set(
        first
    )


def test_errors_have_woocommerces_codes(woo_http: SimulatorServer) -> None:
    # Errors: 400 rest_invalid_param for a value out of the schema (orderby enum, page
    # minimum 1), 404 rest_no_route for an unknown route, 404 for an unknown id; an empty
    # result has X-WP-TotalPages 0.
    api = client(woo_http)
    bogus = api.get("products", params={"orderby": "bogus"})
    assert (bogus.status_code, bogus.json()["code"]) == (400, "rest_invalid_param")
    assert "orderby" in bogus.json()["data"]["params"]
    assert api.get("products", params={"page": 0}).status_code == 400
    assert api.get("nothing-here").json()["code"] == "rest_no_route"
    missing = api.get("products/999999")
    assert (missing.status_code, missing.json()["code"]) == (
        404,
        "woocommerce_rest_product_invalid_id",
    )
    empty = api.get("products", params={"sku": "NO-SUCH-SKU"})
    assert (empty.json(), empty.headers["X-WP-Total"], empty.headers["X-WP-TotalPages"]) == (
        [],
        "0",
        "0",
    )


def test_system_status_tools_lists_tools(woo_http: SimulatorServer) -> None:
    # System status tools: GET /system_status/tools lists the tools (connectors' access check).
    tools = client(woo_http).get("system_status/tools").json()
    assert {"id", "name", "action", "description"} <= set(tools[0])


@pytest.mark.parametrize("https", [False, True])
def test_the_projects_pull_works_over_either_scheme(
    https: bool,
    woo_http: SimulatorServer,
    woo_https: SimulatorServer,
    certificates: CertificateFiles,
    monkeypatch: pytest.MonkeyPatch,
    db: None,
) -> None:
    # The project's own client: OAuth 1.0a over HTTP, keys over HTTPS (verified TLS).
    from integrations.woocommerce.client import WooClient
    from integrations.woocommerce.models import WooCommerceStore
    from tenants.models import Tenant

    monkeypatch.setenv("REQUESTS_CA_BUNDLE", certificates.ca_file)
    server = woo_https if https else woo_http
    tenant = Tenant.objects.create(name="Acme", slug="acme")
    store = WooCommerceStore.objects.create(
        tenant=tenant, store_url=server.url, consumer_key="ck_sim", consumer_secret="cs_sim"
    )
    page = WooClient(store).fetch_products_batch(1)
    assert (page.total, len(page.items)) == (25, 25)
