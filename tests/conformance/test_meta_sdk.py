"""Meta's `facebook_business` SDK against the Meta simulator.

Docs: Meta Marketing API / Catalog reference: "Catalog Batch API" (`items_batch`, `item_type`
PRODUCT_ITEM, `requests` with CREATE/UPDATE/DELETE and `data.id`),
"check_batch_request_status", the product catalog and product item node references, the
Graph API "Making batch requests" guide (POST to the version root with `batch`), and the
Commerce Manager product field specifications (required fields and length limits).
"""

import json
from collections.abc import Iterator
from typing import Any

import pytest
from facebook_business.adobjects.productcatalog import ProductCatalog
from facebook_business.api import FacebookAdsApi, FacebookRequestError
from facebook_business.session import FacebookSession

from simulators.base import SimulatorServer

# The SDK types `requests` as a map although the Batch API takes a JSON array; it warns, sends.
pytestmark = pytest.mark.filterwarnings("ignore:value of requests might not be compatible")
VERSION = "v21.0"
CATALOG = "777000"
ITEM = {
    "title": "Trail Tent",
    "description": "Two person, dry in any weather",
    "availability": "in stock",
    "condition": "new",
    "price": "189.00 USD",
    "link": "https://shop.example.com/tent",
    "brand": "Acme",
    "image_link": "https://img.example.com/tent.jpg",
}


@pytest.fixture
def api(meta_server: SimulatorServer, monkeypatch: pytest.MonkeyPatch) -> Iterator[FacebookAdsApi]:
    # The SDK builds every URL from FacebookSession.GRAPH; point it at the simulator.
    monkeypatch.setattr(FacebookSession, "GRAPH", meta_server.url)
    yield FacebookAdsApi.init(access_token="sim-token", api_version=VERSION, crash_log=False)


def batch(api: FacebookAdsApi, requests: list[dict[str, Any]]) -> str:
    result = ProductCatalog(CATALOG, api=api).create_items_batch(
        params={"item_type": "PRODUCT_ITEM", "requests": requests, "allow_upsert": True}
    )
    [handle] = result["handles"]
    return handle


def status(api: FacebookAdsApi, handle: str) -> dict[str, Any]:
    cursor = ProductCatalog(CATALOG, api=api).get_check_batch_request_status(
        params={"handle": handle, "load_ids_of_invalid_requests": True}
    )
    return dict(next(iter(cursor)))


def test_items_batch_then_check_batch_request_status(
    api: FacebookAdsApi, meta_server: SimulatorServer
) -> None:
    # Catalog Batch API: requests are applied asynchronously; per-item errors appear only in
    # check_batch_request_status, with ids_of_invalid_requests when asked for.
    handle = batch(
        api,
        [
            {"method": "CREATE", "data": {"id": "TENT", **ITEM}},
            {
                "method": "UPDATE",
                "data": {"id": "NOIMG", **{k: v for k, v in ITEM.items() if k != "image_link"}},
            },
            {"method": "UPDATE", "data": {"id": "LONG", **ITEM, "title": "t" * 201}},
            {"method": "UPDATE", "data": {"id": "CUR", **ITEM, "price": "9.00 ABC"}},
        ],
    )
    started = status(api, handle)
    assert started["status"] == "started"
    done = status(api, handle)
    assert done["status"] == "finished"
    assert done["ids_of_invalid_requests"] == ["NOIMG", "LONG", "CUR"]
    assert [e["line"] for e in done["errors"]] == [1, 2, 3]
    assert set(meta_server.app.items(CATALOG)) == {"TENT"}  # type: ignore[attr-defined]
    # Lengths Meta keeps: title up to 200, description up to 9,999.
    fine = batch(
        api,
        [
            {
                "method": "UPDATE",
                "data": {"id": "TENT", "title": "t" * 200, "description": "d" * 9999},
            }
        ],
    )
    status(api, fine)
    assert status(api, fine)["errors"] == []


def test_node_reads_with_the_sdks_trailing_slash(api: FacebookAdsApi) -> None:
    # Product catalog node: GET /{catalog-id} with `fields`; the SDK requests it as
    # /{version}/{id}/ (a trailing slash), which the Graph API answers like the bare path.
    handle = batch(api, [{"method": "CREATE", "data": {"id": "TENT", **ITEM}}])
    status(api, handle)
    catalog = ProductCatalog(CATALOG, api=api).api_get(fields=["id", "name", "product_count"])
    assert (catalog["id"], catalog["product_count"]) == (CATALOG, 1)


def test_graph_batch_request(api: FacebookAdsApi) -> None:
    # Graph API batch requests: POST /{version}/ with `batch`, a JSON array of
    # {method, relative_url, body}; the answer is one {code, headers, body} per call.
    results: list[Any] = []
    graph_batch = api.new_batch()
    ProductCatalog(CATALOG, api=api).api_get(
        fields=["id", "name"], batch=graph_batch, success=lambda r: results.append(r.json())
    )
    ProductCatalog(CATALOG, api=api).create_items_batch(
        params={
            "item_type": "PRODUCT_ITEM",
            "requests": [{"method": "CREATE", "data": {"id": "B1", **ITEM}}],
        },
        batch=graph_batch,
        success=lambda r: results.append(r.json()),
    )
    assert graph_batch.execute() is None  # nothing failed
    assert results[0] == {"id": CATALOG, "name": f"Simulated catalog {CATALOG}"}
    assert len(results[1]["handles"]) == 1


def test_json_bodies_and_query_string_parameters(meta_server: SimulatorServer) -> None:
    # Graph API: parameters may come in the query string, a form body or a JSON body.
    import requests

    url = f"{meta_server.url}/{VERSION}/{CATALOG}/items_batch"
    as_json = requests.post(
        url,
        json={
            "access_token": "t",
            "item_type": "PRODUCT_ITEM",
            "requests": [{"method": "CREATE", "data": {"id": "J1", **ITEM}}],
        },
        timeout=10,
    )
    assert as_json.status_code == 200 and as_json.json()["handles"]
    in_query = requests.post(
        url,
        params={
            "access_token": "t",
            "item_type": "PRODUCT_ITEM",
            "requests": json.dumps([{"method": "DELETE", "data": {"id": "J1"}}]),
        },
        timeout=10,
    )
    assert in_query.status_code == 200 and in_query.json()["handles"]


def test_errors_come_back_as_facebook_request_errors(
    api: FacebookAdsApi, meta_server: SimulatorServer
) -> None:
    # Graph API errors: {"error": {message, type, code, error_subcode, fbtrace_id}};
    # code 190 for an invalid token, 100 for a bad parameter.
    meta_server.app.configure(token_invalid=True)  # type: ignore[attr-defined]
    with pytest.raises(FacebookRequestError) as caught:
        ProductCatalog(CATALOG, api=api).api_get(fields=["id"])
    assert (caught.value.api_error_code(), caught.value.api_error_subcode()) == (190, 463)
    meta_server.app.configure(token_invalid=False)  # type: ignore[attr-defined]
    with pytest.raises(FacebookRequestError) as bad:
        ProductCatalog(CATALOG, api=api).create_items_batch(
            params={"item_type": "HOTEL", "requests": []}
        )
    assert bad.value.api_error_code() == 100
