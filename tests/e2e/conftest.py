"""End-to-end fixtures: simulators over real HTTP, and helpers to wait on a real worker."""

import time
from collections.abc import Callable, Iterator
from typing import Any

import pytest
import requests

from meta_integration.models import MetaAppConfig
from tenants.models import Tenant

CATALOG_ID = "e2e-catalog"


class SimulatorHandle:
    """Talks to a running simulator's control endpoints."""

    def __init__(self, url: str) -> None:
        self.url = url

    def configure(self, **knobs: Any) -> None:
        response = requests.post(f"{self.url}/_sim/config", json=knobs, timeout=5)
        response.raise_for_status()

    def get(self, path: str) -> Any:
        response = requests.get(f"{self.url}{path}", timeout=5)
        response.raise_for_status()
        return response.json()

    def post(self, path: str, body: Any = None) -> Any:
        response = requests.post(f"{self.url}{path}", json=body, timeout=5)
        response.raise_for_status()
        return response.json() if response.content else None


class MetaHandle(SimulatorHandle):
    def items(self, catalog_id: str = CATALOG_ID) -> dict[str, dict[str, Any]]:
        return self.get(f"/_sim/catalogs/{catalog_id}/items")["items"]

    def batch_calls(self) -> list[dict[str, Any]]:
        return [c for c in self.get("/_sim/calls")["calls"] if c["kind"] == "items_batch"]


def create_with_image(
    *,
    tenant: Tenant,
    fields: dict[str, Any],
    variants: Any = (),
    images: list[dict[str, Any]] | None = None,
) -> Any:
    """`create_product` with one image URL, as a product Meta accepts has (Meta refuses a new
    item without an image)."""
    from products_and_services.services import create_product

    if images is None:
        images = [{"url": f"https://img.example.com/{fields.get('sku') or 'product'}.jpg"}]
    return create_product(tenant=tenant, fields=fields, variants=variants, images=images)


def wait_until(condition: Callable[[], Any], timeout: float = 30.0, interval: float = 0.2) -> Any:
    """Poll until `condition()` is truthy; fail the test with the last value otherwise."""
    deadline = time.monotonic() + timeout
    value = condition()
    while not value and time.monotonic() < deadline:
        time.sleep(interval)
        value = condition()
    assert value, f"condition not met within {timeout} s"
    return value


@pytest.fixture
def meta_sim(settings: Any) -> Iterator[MetaHandle]:
    from simulators.base import SimulatorServer
    from simulators.meta import MetaSimulator

    with SimulatorServer(MetaSimulator()) as server:
        settings.META_GRAPH_API_URL = server.url
        yield MetaHandle(server.url)


@pytest.fixture
def e2e_meta_config(tenant: Tenant, meta_sim: MetaHandle) -> MetaAppConfig:
    return MetaAppConfig.objects.create(
        tenant=tenant,
        access_token="e2e-token",
        catalog_id=CATALOG_ID,
        default_product_url="https://shop.example.com/",
        currency="USD",
    )


class ZohoHandle(SimulatorHandle):
    def items(self) -> list[dict[str, Any]]:
        return self.get("/_sim/items")["items"]

    def stats(self) -> dict[str, Any]:
        return self.get("/_sim/stats")


@pytest.fixture
def zoho_sim() -> Iterator[ZohoHandle]:
    from simulators.base import SimulatorServer
    from simulators.zoho import ZohoSimulator

    with SimulatorServer(ZohoSimulator(seed_items=1000)) as server:
        yield ZohoHandle(server.url)


@pytest.fixture
def e2e_zoho_credential(tenant: Tenant, zoho_sim: ZohoHandle) -> Any:
    from tests.integrations.conftest import make_credential

    return make_credential(tenant, base_url=zoho_sim.url)


class WooHandle(SimulatorHandle):
    def products(self) -> list[dict[str, Any]]:
        return self.get("/_sim/products")["products"]


@pytest.fixture
def woo_sim() -> Iterator[WooHandle]:
    from simulators.base import SimulatorServer
    from simulators.woocommerce import WooCommerceSimulator

    with SimulatorServer(WooCommerceSimulator(products=1000)) as server:
        yield WooHandle(server.url)


@pytest.fixture
def woo_store(tenant: Tenant, woo_sim: WooHandle) -> Any:
    from integrations.woocommerce.models import WooCommerceStore

    return WooCommerceStore.objects.create(
        tenant=tenant,
        store_url=woo_sim.url,
        consumer_key="ck_sim",
        consumer_secret="cs_sim",
        currency="EUR",
    )


class ShopHandle(SimulatorHandle):
    def stats(self) -> dict[str, Any]:
        return self.get("/_sim/stats")

    def calls(self) -> list[dict[str, Any]]:
        return self.get("/_sim/calls")["calls"]


@pytest.fixture
def shop_sim() -> Iterator[ShopHandle]:
    from simulators.base import SimulatorServer
    from simulators.shopify import ShopifySimulator

    with SimulatorServer(ShopifySimulator(products=1000)) as server:
        yield ShopHandle(server.url)


@pytest.fixture
def shopify_store(tenant: Tenant, shop_sim: ShopHandle) -> Any:
    from integrations.shopify.models import ShopifyStore

    return ShopifyStore.objects.create(
        tenant=tenant, shop_domain=shop_sim.url, access_token="shpat_sim", currency="CAD"
    )
