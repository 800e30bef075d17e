"""The Meta simulator behaves like the Graph catalog API our client relies on, over real HTTP."""

import json
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

import pytest
import requests

from simulators.base import Request, Response, Simulator, SimulatorServer, json_response
from simulators.meta import MetaSimulator

GOOD = {
    "title": "Tent",
    "description": "Dry",
    "availability": "in stock",
    "condition": "new",
    "price": "10.00 USD",
    "link": "https://shop.example.com/tent",
    "brand": "Acme",
    "image_link": "https://img.example.com/tent.jpg",
}


class FakeClock:
    """A monotonic clock tests move by hand, so rate-limit windows pass without sleeping."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@dataclass
class Sim:
    app: MetaSimulator
    url: str
    clock: FakeClock


@pytest.fixture
def sim() -> Iterator[Sim]:
    clock = FakeClock()
    app = MetaSimulator(clock=clock)
    with SimulatorServer(app) as server:
        yield Sim(app, server.url, clock)


def batch(
    url: str, requests_: list[dict[str, Any]], token: str = "t", catalog: str = "cat", **form: str
) -> requests.Response:
    data = {
        "access_token": token,
        "item_type": "PRODUCT_ITEM",
        "requests": json.dumps(requests_),
        **form,
    }
    return requests.post(f"{url}/v21.0/{catalog}/items_batch", data=data, timeout=5)


def handle_of(response: requests.Response) -> str:
    assert response.status_code == 200, response.text
    return response.json()["handles"][0]


def status(url: str, handle: str) -> dict[str, Any]:
    response = requests.get(
        f"{url}/v21.0/cat/check_batch_request_status",
        params={"handle": handle, "load_ids_of_invalid_requests": "true"},
        headers={"Authorization": "Bearer t"},
        timeout=5,
    )
    assert response.status_code == 200, response.text
    return response.json()["data"][0]


def errors_of(url: str, response: requests.Response) -> list[dict[str, Any]]:
    """Poll the batch to `finished` and return its item errors."""
    handle = handle_of(response)
    data = status(url, handle)
    while data["status"] != "finished":
        data = status(url, handle)
    return data["errors"]


def items(url: str, catalog: str = "cat") -> dict[str, Any]:
    return requests.get(f"{url}/_sim/catalogs/{catalog}/items", timeout=5).json()["items"]


def calls(url: str) -> list[dict[str, Any]]:
    return requests.get(f"{url}/_sim/calls", timeout=5).json()["calls"]


def upsert(rid: str, **fields: str) -> dict[str, Any]:
    return {"method": "UPDATE", "data": {"id": rid, **fields}}


def test_control_endpoints(sim: Sim) -> None:
    url = sim.url
    assert requests.get(f"{url}/_sim/health", timeout=5).json() == {"ok": True}
    unknown = requests.post(f"{url}/_sim/config", json={"nope": 1}, timeout=5)
    assert (unknown.status_code, unknown.json()) == (400, {"error": "Unknown knob(s): nope"})
    assert (
        requests.post(f"{url}/_sim/config", json={"fail_next": "2"}, timeout=5).status_code == 400
    )
    assert requests.post(f"{url}/_sim/config", data="{oops", timeout=5).status_code == 400
    merged = requests.post(f"{url}/_sim/config", json={"reject_ids": ["X"]}, timeout=5).json()
    assert (merged["reject_ids"], merged["batch_calls_per_minute"]) == (["X"], 8)

    batch(url, [upsert("A", **GOOD)])
    requests.get(f"{url}/v21.0/cat", params={"access_token": "t"}, timeout=5)
    stats = requests.get(f"{url}/_sim/stats", timeout=5).json()
    assert stats == {"requests_served": 2, "by_kind": {"items_batch": 1, "node": 1}}

    assert requests.post(f"{url}/_sim/reset", timeout=5).json() == {"ok": True}
    assert items(url) == {}
    assert calls(url) == []
    assert requests.get(f"{url}/_sim/stats", timeout=5).json()["requests_served"] == 0
    assert requests.get(f"{url}/_sim/config", timeout=5).json()["reject_ids"] == []


def test_upsert_creates_then_merges_and_delete_is_idempotent(sim: Sim) -> None:
    url = sim.url
    assert handle_of(batch(url, [upsert("A", **GOOD)]))
    assert items(url)["A"] == {"id": "A", **GOOD}
    batch(url, [upsert("A", price="12.50 USD", sale_price="9.99 USD")])
    assert items(url)["A"] == {"id": "A", **GOOD, "price": "12.50 USD", "sale_price": "9.99 USD"}
    batch(url, [{"method": "CREATE", "data": {"id": "A", **GOOD, "title": "New tent"}}])
    assert items(url)["A"] == {"id": "A", **GOOD, "title": "New tent"}  # CREATE replaces

    response = batch(
        url,
        [{"method": "DELETE", "data": {"id": "A"}}, {"method": "DELETE", "data": {"id": "NOPE"}}],
    )
    assert errors_of(url, response) == []
    assert items(url) == {}


def test_item_errors_are_reported_in_the_status_and_valid_items_saved(sim: Sim) -> None:
    url = sim.url
    response = batch(
        url,
        [
            upsert("OK", **GOOD),
            upsert("P", **{**GOOD, "price": "10"}),
            upsert("AV", **{**GOOD, "availability": "maybe"}),
            upsert("T", **{**GOOD, "title": "x" * 201}),
            upsert("NEW", price="1.00 USD"),
            upsert("OK2", **{**GOOD, "title": "x" * 200}),
        ],
    )
    body = response.json()
    assert body == {"handles": [body["handles"][0]], "validation_status": []}
    handle = body["handles"][0]
    assert status(url, handle) == {
        "status": "started",
        "errors_total_count": 0,
        "errors": [],
        "warnings": [],
        "ids_of_invalid_requests": [],
    }
    done = status(url, handle)
    assert done["status"] == "finished"
    assert done["errors"] == [
        {"line": 1, "id": "P", "message": "Invalid price format: '10' (expected '9.99 USD')"},
        {"line": 2, "id": "AV", "message": "Invalid availability: 'maybe'"},
        {"line": 3, "id": "T", "message": "title is longer than 200 characters"},
        {
            "line": 4,
            "id": "NEW",
            "message": "Missing required field(s) for a new item: title, description, "
            "availability, condition, link, brand, image_link",
        },
    ]
    assert done["errors_total_count"] == 4
    assert done["ids_of_invalid_requests"] == ["P", "AV", "T", "NEW"]
    assert set(items(url)) == {"OK", "OK2"}
    assert status(url, handle)["status"] == "finished"


def test_more_item_rules(sim: Sim) -> None:
    url = sim.url
    response = batch(
        url,
        [
            upsert("C", **{**GOOD, "condition": "mint"}),
            upsert("L", **{**GOOD, "link": "ftp://x/y"}),
            upsert("D", **{**GOOD, "description": "d" * 10000}),
            upsert("S", **{**GOOD, "sale_price": "9,99 EUR"}),
            upsert("I", **{k: v for k, v in GOOD.items() if k != "image_link"}),
            {"method": "PATCH", "data": {"id": "M", **GOOD}},
            {"method": "UPDATE", "data": GOOD},
            upsert("OK", **{**GOOD, "image_link": "https://img.example.com/1.jpg"}),
            upsert("CUR", **{**GOOD, "price": "10.00 XYZ"}),
        ],
    )
    assert errors_of(url, response) == [
        {"line": 0, "id": "C", "message": "Invalid condition: 'mint'"},
        {"line": 1, "id": "L", "message": "Invalid URL in link: 'ftp://x/y'"},
        {"line": 2, "id": "D", "message": "description is longer than 9999 characters"},
        {
            "line": 3,
            "id": "S",
            "message": "Invalid sale_price format: '9,99 EUR' (expected '9.99 USD')",
        },
        {"line": 4, "id": "I", "message": "Missing required field(s) for a new item: image_link"},
        {"line": 5, "id": "M", "message": "Unsupported method: PATCH"},
        {"line": 6, "id": "", "message": "Missing required field: id"},
        {
            "line": 8,
            "id": "CUR",
            "message": "Invalid currency in price: 'XYZ' is not an ISO 4217 code",
        },
    ]
    assert set(items(url)) == {"OK"}

    no_upsert = batch(url, [upsert("GONE", **GOOD), upsert("OK", title="T2")], allow_upsert="false")
    assert errors_of(url, no_upsert) == [
        {"line": 0, "id": "GONE", "message": "Item with id 'GONE' does not exist"}
    ]
    assert items(url)["OK"]["title"] == "T2"


def test_reject_ids_and_unknown_handle(sim: Sim) -> None:
    url = sim.url
    requests.post(f"{url}/_sim/config", json={"reject_ids": ["BAD"]}, timeout=5)
    response = batch(url, [upsert("BAD", **GOOD), upsert("FINE", **GOOD)])
    assert errors_of(url, response) == [{"line": 0, "id": "BAD", "message": "Simulated rejection"}]
    assert set(items(url)) == {"FINE"}
    unknown = requests.get(
        f"{url}/v21.0/cat/check_batch_request_status",
        params={"handle": "x"},
        headers={"Authorization": "Bearer t"},
        timeout=5,
    )
    assert unknown.status_code == 400
    error = unknown.json()["error"]
    assert (error["code"], error["type"]) == (100, "OAuthException")
    assert error["fbtrace_id"]


def test_tokens_and_test_connection(sim: Sim) -> None:
    url = sim.url
    missing = batch(url, [], token="")
    assert missing.status_code == 400
    assert missing.json()["error"]["code"] == 190
    assert "error_subcode" not in missing.json()["error"]
    bearer = requests.get(
        f"{url}/v21.0/cat",
        params={"fields": "id,name"},
        headers={"Authorization": "Bearer t"},
        timeout=5,
    )
    assert bearer.json() == {"id": "cat", "name": "Simulated catalog cat"}

    sim.app.configure(token_invalid=True)
    for response in (
        batch(url, [upsert("A", **GOOD)]),
        requests.get(f"{url}/v21.0/cat", params={"access_token": "t"}, timeout=5),
    ):
        assert response.status_code == 400
        error = response.json()["error"]
        assert (error["code"], error["error_subcode"], error["message"]) == (
            190,
            463,
            "Error validating access token: Session has expired",
        )
    assert items(url) == {}


def test_batch_rate_limit_uses_the_injectable_clock(sim: Sim) -> None:
    url = sim.url
    for _ in range(8):
        handle_of(batch(url, []))
        sim.clock.now += 1  # the first call is at t=0, the eighth at t=7
    sim.clock.now = 1000.0 + 30
    refused = batch(url, [upsert("A", **GOOD)])
    assert refused.status_code == 400
    error = refused.json()["error"]
    assert error["code"] == 80014
    assert error["message"].startswith("(#80014) There have been too many calls for this Catalog")
    usage = json.loads(refused.headers["X-Business-Use-Case-Usage"])
    assert usage == {
        "sim-business": [
            {"type": "catalog_batch", "call_count": 100, "estimated_time_to_regain_access": 1}
        ]
    }
    assert items(url) == {}
    handle_of(batch(url, [], catalog="other"))  # the limit is per catalog

    sim.clock.now = 1000.0 + 60  # the oldest call leaves the window; refused calls never counted
    handle_of(batch(url, []))
    assert batch(url, []).status_code == 400
    sim.clock.now += 61
    assert [batch(url, []).status_code for _ in range(8)] == [200] * 8
    sim.app.configure(batch_calls_per_minute=None)
    assert batch(url, []).status_code == 200


def test_advance_clock_endpoint_lifts_the_limit(sim: Sim) -> None:
    url = sim.url
    requests.post(f"{url}/_sim/config", json={"batch_calls_per_minute": 1}, timeout=5)
    handle_of(batch(url, []))
    assert batch(url, []).json()["error"]["code"] == 80014
    requests.post(f"{url}/_sim/advance_clock", json={"seconds": 61}, timeout=5)
    handle_of(batch(url, []))


def test_injected_faults_spare_control_endpoints(sim: Sim) -> None:
    url = sim.url
    requests.post(f"{url}/_sim/config", json={"fail_next": 2}, timeout=5)
    assert requests.get(f"{url}/_sim/health", timeout=5).status_code == 200
    first, second = batch(url, [upsert("A", **GOOD)]), batch(url, [upsert("A", **GOOD)])
    assert (first.status_code, second.status_code) == (500, 500)
    assert first.json()["error"]["code"] == 2
    assert first.json()["error"]["message"] == (
        "An unexpected error has occurred. Please retry your request later."
    )
    assert items(url) == {}
    handle_of(batch(url, [upsert("A", **GOOD)]))
    assert set(items(url)) == {"A"}
    assert [(c["kind"], c["status"]) for c in calls(url)] == [
        ("fault", 500),
        ("fault", 500),
        ("items_batch", 200),
    ]
    sim.app.configure(fail_next=1, fail_status=503)
    assert batch(url, []).status_code == 503


def test_malformed_batches_are_refused(sim: Sim) -> None:
    url = sim.url
    sim.app.configure(batch_calls_per_minute=0)
    too_many = [{"method": "DELETE", "data": {"id": str(i)}} for i in range(5001)]
    for response in (
        batch(url, too_many),
        batch(url, [], item_type="VEHICLE"),
        requests.post(
            f"{url}/v21.0/cat/items_batch",
            data={"access_token": "t", "item_type": "PRODUCT_ITEM", "requests": "[{"},
            timeout=5,
        ),
    ):
        assert response.status_code == 400
        assert response.json()["error"]["code"] == 100
    handle_of(batch(url, too_many[:5000]))
    assert [c["requests"] for c in calls(url)] == [5001, 0, 0, 5000]


def test_a_payload_of_28_mb_or_more_is_refused(sim: Sim) -> None:
    sim.app.configure(batch_calls_per_minute=0)
    huge = [{"method": "UPDATE", "data": {"id": "big", "description": "a" * 28_000_000}}]
    response = batch(sim.url, huge)
    assert response.status_code == 400
    assert response.json()["error"]["code"] == 100
    assert sim.app.items("cat") == {}


def test_single_item_endpoints(sim: Sim) -> None:
    url = sim.url
    created = requests.post(
        f"{url}/v21.0/cat/products",
        timeout=5,
        data={
            "access_token": "t",
            "retailer_id": "S1",
            "name": "Lamp",
            "price": "1250",
            "currency": "USD",
            "availability": "in stock",
            "image_url": "https://img.example.com/lamp.jpg",
        },
    )
    item_id = created.json()["id"]
    assert item_id.isdigit()
    assert items(url)["S1"] == {
        "id": "S1",
        "title": "Lamp",
        "price": "12.50 USD",
        "availability": "in stock",
        "image_link": "https://img.example.com/lamp.jpg",
    }
    updated = requests.post(
        f"{url}/v21.0/{item_id}",
        data={"access_token": "t", "name": "Lamp 2", "price": "999"},
        timeout=5,
    )
    assert updated.json() == {"success": True}
    assert (items(url)["S1"]["title"], items(url)["S1"]["price"]) == ("Lamp 2", "9.99 USD")
    deleted = requests.delete(
        f"{url}/v21.0/{item_id}", headers={"Authorization": "Bearer t"}, timeout=5
    )
    assert deleted.json() == {"success": True}
    assert items(url) == {}
    again = requests.delete(f"{url}/v21.0/{item_id}", params={"access_token": "t"}, timeout=5)
    assert (again.status_code, again.json()["error"]["code"]) == (400, 100)
    assert [(c["kind"], c["ids"]) for c in calls(url)] == [
        ("single_create", ["S1"]),
        ("single_update", ["S1"]),
        ("single_delete", ["S1"]),
        ("single_delete", []),
    ]


def test_call_log_counts_every_api_call(sim: Sim) -> None:
    url = sim.url
    handle = handle_of(batch(url, [upsert("A", **GOOD), upsert("B", **GOOD)]))
    status(url, handle)
    status(url, handle)
    batch(url, [], token="")
    log = calls(url)
    assert [c["kind"] for c in log] == [
        "items_batch",
        "batch_status",
        "batch_status",
        "items_batch",
    ]
    assert (log[0]["requests"], log[0]["ids"], log[0]["status"]) == (2, ["A", "B"], 200)
    assert (log[3]["requests"], log[3]["ids"], log[3]["status"]) == (0, [], 400)
    assert requests.get(f"{url}/_sim/calls", timeout=5).json()["count"] == 4


def test_unknown_paths_answer_in_graph_shape(sim: Sim) -> None:
    response = requests.get(f"{sim.url}/nothing/here", timeout=5)
    assert (response.status_code, response.json()["error"]["code"]) == (404, 100)
    wrong_method = requests.put(f"{sim.url}/v21.0/cat/items_batch", timeout=5)
    assert wrong_method.status_code == 405


def test_latency_knob(sim: Sim) -> None:
    requests.post(f"{sim.url}/_sim/config", json={"latency_ms": 50}, timeout=5)
    started = time.monotonic()
    batch(sim.url, [])
    assert time.monotonic() - started >= 0.05


class _Rendezvous(Simulator):
    """Answers only once two requests are in flight: proof the server is concurrent."""

    def setup_routes(self) -> None:
        self.barrier = threading.Barrier(2, timeout=5)
        self.route("GET", r"/meet", self._meet)

    def _meet(self, request: Request) -> Response:
        self.barrier.wait()
        return json_response({"met": True})


def test_server_handles_concurrent_requests_and_stops_cleanly() -> None:
    server = SimulatorServer(_Rendezvous())
    assert server.url == f"http://127.0.0.1:{server.port}"
    with server, ThreadPoolExecutor(2) as pool:
        answers = list(pool.map(lambda _: requests.get(f"{server.url}/meet", timeout=10), range(2)))
    assert [a.json() for a in answers] == [{"met": True}, {"met": True}]
    server.stop()  # a second stop is harmless
    SimulatorServer(MetaSimulator()).stop()  # and so is stopping a server never started


def test_command_line_runs_a_simulator_in_the_foreground() -> None:
    process = subprocess.Popen(
        [sys.executable, "-m", "simulators", "meta", "--port", "0", "--latency-ms", "1"],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert process.stdout is not None
        url = process.stdout.readline().split()[-1]
        assert requests.get(f"{url}/_sim/health", timeout=5).json() == {"ok": True}
        assert requests.get(f"{url}/_sim/config", timeout=5).json()["latency_ms"] == 1
    finally:
        process.terminate()
        process.wait(timeout=10)
