"""The simulators' HTTP server keeps connections alive as the real APIs' servers do: a client's
pooled connections serve many requests, a client that asks to close gets its connection
closed, and a stopped server answers no one, kept-alive connections included."""

from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
import requests
from requests.adapters import HTTPAdapter

from simulators.base import Simulator, SimulatorServer
from simulators.tls import make_test_certificates
from simulators.woocommerce import WooCommerceSimulator


def opened(url: str) -> int:
    """TCP connections the server accepted since its last reset (this request's own too, when
    it came on a new connection)."""
    return int(requests.get(f"{url}/_sim/connections", timeout=5).json()["opened"])


@pytest.fixture
def served() -> Iterator[tuple[Simulator, str]]:
    app = Simulator()
    with SimulatorServer(app) as server:
        yield app, server.url


def test_one_session_sends_every_request_on_one_connection(served: tuple[Simulator, str]) -> None:
    app, url = served
    with requests.Session() as session:
        answers = [session.get(f"{url}/_sim/health", timeout=5) for _ in range(20)]
    assert [a.status_code for a in answers] == [200] * 20
    assert {a.raw.version for a in answers} == {11}  # HTTP/1.1
    assert all("Connection" not in a.headers for a in answers)
    assert app.connections_opened == 1


def test_concurrent_requests_open_no_more_connections_than_the_pool_holds(
    served: tuple[Simulator, str],
) -> None:
    app, url = served
    with requests.Session() as session:
        session.mount("http://", HTTPAdapter(pool_maxsize=8))
        with ThreadPoolExecutor(max_workers=8) as pool:
            statuses = list(
                pool.map(
                    lambda _: session.get(f"{url}/_sim/health", timeout=5).status_code, range(200)
                )
            )
    assert statuses == [200] * 200
    assert 1 <= app.connections_opened <= 8


def test_a_client_asking_to_close_gets_a_connection_a_request(
    served: tuple[Simulator, str],
) -> None:
    app, url = served
    with requests.Session() as session:
        answers = [
            session.get(f"{url}/_sim/health", headers={"Connection": "close"}, timeout=5)
            for _ in range(3)
        ]
    assert [a.headers["Connection"] for a in answers] == ["close"] * 3
    assert app.connections_opened == 3


def test_a_request_body_is_read_whole_so_the_next_request_on_the_connection_parses(
    served: tuple[Simulator, str],
) -> None:
    app, url = served
    with requests.Session() as session:
        configured = session.post(f"{url}/_sim/config", json={"latency_ms": 0}, timeout=5)
        bad = session.post(f"{url}/_sim/config", data=b"{not json", timeout=5)
        health = session.get(f"{url}/_sim/health", timeout=5)
    assert (configured.status_code, bad.status_code, health.json()) == (200, 400, {"ok": True})
    assert app.connections_opened == 1


def test_a_stopped_server_ends_its_kept_alive_connections() -> None:
    app = Simulator()
    server = SimulatorServer(app).start()
    with requests.Session() as session:
        assert session.get(f"{server.url}/_sim/health", timeout=5).status_code == 200
        server.stop()
        with pytest.raises(requests.ConnectionError):
            session.get(f"{server.url}/_sim/health", timeout=5)
    assert app.connections_opened == 1


def test_a_reset_counts_connections_from_zero(served: tuple[Simulator, str]) -> None:
    _, url = served
    with requests.Session() as session:
        session.get(f"{url}/_sim/health", timeout=5)
        session.post(f"{url}/_sim/reset", timeout=5)
        assert session.get(f"{url}/_sim/connections", timeout=5).json() == {"opened": 0}
    assert opened(url) == 1  # a new session, a new connection


def test_https_connections_are_kept_alive_too(tmp_path: Path) -> None:
    certificates = make_test_certificates(tmp_path)
    app = WooCommerceSimulator(products=3, variable_every=0)
    with SimulatorServer(app, tls=certificates.server) as server, requests.Session() as session:
        session.auth = ("ck_sim", "cs_sim")
        url = f"{server.url}/wp-json/wc/v3/products"
        # Per request: a session's `verify` loses to REQUESTS_CA_BUNDLE from the environment.
        pages = [session.get(url, verify=certificates.ca_file, timeout=5).json() for _ in range(5)]
    assert [len(page) for page in pages] == [3] * 5
    assert app.connections_opened == 1
