"""A WooCommerce pull reuses its connections, over real HTTP against the simulator (which
keeps them alive, as WooCommerce's web servers do): one TCP connection per request in flight,
not one per request, whatever the window's size."""

import logging
from collections.abc import Iterator
from typing import Any

import pytest

from integrations.woocommerce.models import WooCommerceStore
from integrations.woocommerce.source import WooSource
from simulators.base import SimulatorServer
from simulators.woocommerce import WooCommerceSimulator
from tenants.models import Tenant

pytestmark = pytest.mark.e2e


@pytest.fixture
def shop() -> Iterator[tuple[WooCommerceSimulator, str]]:
    # 30 pages' worth of calls; a little latency so that the window's requests overlap.
    app = WooCommerceSimulator(products=300, variable_every=3)
    app.configure(latency_ms=10)
    with SimulatorServer(app) as server:
        yield app, server.url


def pull(tenant: Tenant, url: str) -> tuple[int, int]:
    """(products, variations) of a full listing through the source's window."""
    store = WooCommerceStore.objects.create(
        tenant=tenant, store_url=url, consumer_key="ck_sim", consumer_secret="cs_sim"
    )
    pages = list(WooSource(store).pages("full", None, []))
    records = [r for page in pages for r in page.records]
    return len(records), sum(len(r.variants) for r in records if len(r.variants) > 1)


@pytest.mark.parametrize("window", [8, 12])
def test_a_pull_opens_one_connection_per_request_in_flight(
    settings: Any,
    tenant: Tenant,
    shop: tuple[WooCommerceSimulator, str],
    caplog: pytest.LogCaptureFixture,
    window: int,
) -> None:
    """12 is past requests' default pool of 10, which used to close a connection after each
    of the extra requests ("Connection pool is full") and open another for the next."""
    app, url = shop
    settings.WOO_VARIATION_CONCURRENCY = window
    with caplog.at_level(logging.WARNING, logger="urllib3"):
        assert pull(tenant, url) == (300, 100 * 3)
    assert app.stats()["requests_served"] == 3 + 100  # 3 pages, 100 variable products
    assert 1 <= app.connections_opened <= window
    assert not [r for r in caplog.records if "pool is full" in r.getMessage()]
