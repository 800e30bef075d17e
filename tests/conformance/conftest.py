"""The simulators served over real HTTP (and HTTPS), for third-party clients to drive.

Each test names the vendor document the behaviour comes from. A failure here means a
simulator drifted from the real contract (or a client's expectations changed with its pin).
"""

from collections.abc import Iterator
from pathlib import Path

import pytest

from simulators.base import SimulatorServer
from simulators.tls import CertificateFiles, make_test_certificates


@pytest.fixture(scope="session")
def certificates(tmp_path_factory: pytest.TempPathFactory) -> CertificateFiles:
    """A CA and a 127.0.0.1 certificate made for this run; clients trust `ca_file`."""
    return make_test_certificates(Path(tmp_path_factory.mktemp("tls")))


@pytest.fixture
def woo_http() -> Iterator[SimulatorServer]:
    from simulators.woocommerce import WooCommerceSimulator

    with SimulatorServer(WooCommerceSimulator(products=25, variable_every=5)) as server:
        yield server


@pytest.fixture
def woo_https(certificates: CertificateFiles) -> Iterator[SimulatorServer]:
    from simulators.woocommerce import WooCommerceSimulator

    app = WooCommerceSimulator(products=25, variable_every=5)
    with SimulatorServer(app, tls=certificates.server) as server:
        yield server


@pytest.fixture
def meta_server() -> Iterator[SimulatorServer]:
    from simulators.meta import MetaSimulator

    with SimulatorServer(MetaSimulator()) as server:
        yield server


@pytest.fixture
def shopify_server() -> Iterator[SimulatorServer]:
    from simulators.shopify import ShopifySimulator

    with SimulatorServer(ShopifySimulator(products=30)) as server:
        yield server
