"""The Meta simulator behaves like the Graph catalog API our client relies on."""

import json
import time
from collections.abc import Iterator
from typing import Any

import pytest
import requests

from simulators.base import SimulatorServer
from simulators.meta import MetaSimulator

GOOD = {
    "title": "Tent",
    "description": "Dry",
    "availability": "in stock",
    "condition": "new",
    "price": "10.00 USD",
    "link": "https://shop.example.com/tent",
    "brand": "Acme",
}


@pytest.fixture
def sim() -> Iterator[tuple[MetaSimulator, str]]:
    app = MetaSimulator()
    with SimulatorServer(app) as server:
        yield app, server.url


def batch(
    url: str, requests_: list[dict[str, Any]], token: str = "t", **form: str
) -> requests.Response:
    data = {
        "access_token": token,
        "item_type": "PRODUCT_ITEM",
        "requests": json.dumps(requests_),
        **form,
    }
    return requests.post(f"{url}/v21.0/cat/items_batch", data=data, timeout=5)


def status(url: str, handle: str) -> dict[str, Any]:
    response = requests.get(
        f"{url}/v21.0/cat/check_batch_request_status",
        params={"handle": handle, "load_ids_of_invalid_requests": "true"},
        headers={"Authorization": "Bearer t"},
        timeout=5,
    )
    return response.json()["data"][0]


def items(url: str) -> dict[str, Any]:
    return requests.get(f"{url}/_sim/catalogs/cat/items", timeout=5).json()["items"]


def test_upsert_merge_and_delete(sim: tuple[MetaSimulator, str]) -> None:
    _, url = sim
    assert batch(url, [{"method": "UPDATE", "data": {"id": "A", **GOOD}}]).status_code == 200
    batch(url, [{"method": "UPDATE", "data": {"id": "A", "price": "12.50 USD"}}])
    assert items(url)["A"]["price"] == "12.50 USD"
    assert items(url)["A"]["title"] == "Tent"
    batch(
        url,
        [{"method": "DELETE", "data": {"id": "A"}}, {"method": "DELETE", "data": {"id": "NOPE"}}],
    )
    assert items(url) == {}


def test_item_errors_are_reported_in_the_status_and_valid_items_saved(
    sim: tuple[MetaSimulator, str],
) -> None:
    _, url = sim
    response = batch(
        url,
        [
            {"method": "UPDATE", "data": {"id": "OK", **GOOD}},
            {"method": "UPDATE", "data": {"id": "P", **GOOD, "price": "10"}},
            {"method": "UPDATE", "data": {"id": "AV", **GOOD, "availability": "maybe"}},
            {"method": "UPDATE", "data": {"id": "T", **GOOD, "title": "x" * 101}},
            {"method": "UPDATE", "data": {"id": "NEW", "price": "1.00 USD"}},
        ],
    )
    body = response.json()
    assert body["validation_status"] == []
    first = status(url, body["handles"][0])
    assert first == {"status": "started", "warnings": []}
    done = status(url, body["handles"][0])
    assert done["status"] == "finished"
    assert done["errors"] == [
        {"line": 1, "id": "P", "message": "Invalid price format: '10' (expected '9.99 USD')"},
        {"line": 2, "id": "AV", "message": "Invalid availability: 'maybe'"},
        {"line": 3, "id": "T", "message": "title is longer than 100 characters"},
        {
            "line": 4,
            "id": "NEW",
            "message": "Missing required field(s) for a new item: title, description, "
            "availability, condition, link, brand",
        },
    ]
    assert done["ids_of_invalid_requests"] == ["P", "AV", "T", "NEW"]
    assert set(items(url)) == {"OK"}


def test_reject_ids_and_unknown_handle(sim: tuple[MetaSimulator, str]) -> None:
    app, url = sim
    app.configure(reject_ids=["BAD"], polls_until_finished=0)
    handle = batch(url, [{"method": "UPDATE", "data": {"id": "BAD", **GOOD}}]).json()["handles"][0]
    assert status(url, handle)["errors"] == [
        {"line": 0, "id": "BAD", "message": "Simulated rejection"}
    ]
    response = requests.get(
        f"{url}/v21.0/cat/check_batch_request_status",
        params={"handle": "x"},
        headers={"Authorization": "Bearer t"},
        timeout=5,
    )
    assert response.status_code == 400
    assert response.json()["error"]["code"] == 100


def test_token_errors(sim: tuple[MetaSimulator, str]) -> None:
    app, url = sim
    assert batch(url, [], token="").json()["error"]["code"] == 190
    app.configure(token_invalid=True)
    response = batch(url, [])
    assert response.status_code == 400
    assert (response.json()["error"]["code"], response.json()["error"]["error_subcode"]) == (
        190,
        463,
    )


def test_batch_rate_limit_and_recovery(sim: tuple[MetaSimulator, str]) -> None:
    _, url = sim
    for _ in range(8):
        assert batch(url, []).status_code == 200
    refused = batch(url, [])
    assert refused.status_code == 400
    assert refused.json()["error"]["code"] == 80014
    usage = json.loads(refused.headers["X-Business-Use-Case-Usage"])
    assert usage["sim-business"][0]["estimated_time_to_regain_access"] == 1
    requests.post(f"{url}/_sim/advance_clock", json={"seconds": 61}, timeout=5)
    assert batch(url, []).status_code == 200


def test_injected_faults_and_limits(sim: tuple[MetaSimulator, str]) -> None:
    app, url = sim
    app.configure(fail_next=2)
    assert [batch(url, []).status_code for _ in range(3)] == [500, 500, 200]
    too_many = [{"method": "DELETE", "data": {"id": str(i)}} for i in range(5001)]
    assert batch(url, too_many).json()["error"]["code"] == 100
    assert batch(url, [], item_type="VEHICLE").status_code == 400


def test_single_item_endpoints_and_call_log(sim: tuple[MetaSimulator, str]) -> None:
    _, url = sim
    created = requests.post(
        f"{url}/v21.0/cat/products",
        timeout=5,
        data={
            "access_token": "t",
            "retailer_id": "S1",
            "name": "Lamp",
            "price": "1250",
            "currency": "USD",
        },
    )
    item_id = created.json()["id"]
    assert items(url)["S1"]["price"] == "12.50 USD"
    assert requests.post(
        f"{url}/v21.0/{item_id}", data={"access_token": "t", "name": "Lamp 2"}, timeout=5
    ).json() == {"success": True}
    assert requests.delete(
        f"{url}/v21.0/{item_id}", headers={"Authorization": "Bearer t"}, timeout=5
    ).json() == {"success": True}
    assert items(url) == {}
    kinds = [c["kind"] for c in requests.get(f"{url}/_sim/calls", timeout=5).json()["calls"]]
    assert kinds == ["single_create", "single_update", "single_delete"]


def test_latency_knob(sim: tuple[MetaSimulator, str]) -> None:
    _, url = sim
    requests.post(f"{url}/_sim/config", json={"latency_ms": 50}, timeout=5)
    started = time.monotonic()
    batch(url, [])
    assert time.monotonic() - started >= 0.05
    assert requests.post(f"{url}/_sim/config", json={"nope": 1}, timeout=5).status_code == 400
