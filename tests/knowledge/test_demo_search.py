"""The demo's search shows the feature: the embeddings simulator (512 slots, stemmed words, as
`make run` starts it) ranks the demo's tent and sleeping bag first among 1,600 pulled items."""

from collections.abc import Iterator
from typing import Any

import pytest

from integrations.management.commands.seed_demo import DEMO_PRODUCTS
from knowledge.indexing import index_products
from knowledge.search import search_products
from products_and_services.models import Product
from simulators.base import SimulatorServer
from simulators.embeddings import EmbeddingsSimulator
from tenants.models import Tenant

pytestmark = pytest.mark.django_db


@pytest.fixture
def demo_embeddings(settings: Any) -> Iterator[str]:
    simulator = EmbeddingsSimulator()
    simulator.configure(dimensions=512)
    with SimulatorServer(simulator) as server:
        settings.EMBEDDINGS_API_URL = server.url
        settings.EMBEDDINGS_API_KEY = "sim-key"
        settings.EMBEDDINGS_MODEL = "demo"
        yield server.url


def test_tent_and_sleeping_bag_rank_first_in_the_demo_catalog(
    tenant: Tenant, demo_embeddings: str
) -> None:
    rows = [Product(tenant=tenant, **{k: v for k, v in p.items()}) for p in DEMO_PRODUCTS]
    # What the demo's simulators hand the pulls: 1,000 Zoho items, 300 WooCommerce and 300
    # Shopify products, named and described as the simulators seed them.
    for n in range(1, 1001):
        rows.append(
            Product(
                tenant=tenant,
                name=f"Zoho item {n}",
                sku=f"Z-{n}",
                price=10,
                description=f"Description of Zoho item {n}",
            )
        )
    for n in range(1, 301):
        rows.append(
            Product(
                tenant=tenant,
                name=f"Woo product {n}",
                sku=f"WC-{n:05d}",
                price=11,
                description=f"Description of Woo product {n}",
            )
        )
        rows.append(
            Product(
                tenant=tenant,
                name=f"Shopify product {n}",
                sku=f"SH-{n}",
                price=12,
                description=f"<p>Description of <b>product {n}</b></p>",
            )
        )
    Product.objects.bulk_create(rows, batch_size=500)
    ids = list(Product.objects.filter(tenant=tenant).values_list("pk", flat=True))
    index_products(tenant_id=tenant.pk, product_ids=ids)

    tent = search_products(tenant=tenant, query="tent", limit=10)
    assert tent.mode == "semantic"
    assert [hit.product.name for hit in tent.hits][:1] == ["Trail Tent 2P"]
    bag = search_products(tenant=tenant, query="sleeping bag", limit=10)
    assert [hit.product.name for hit in bag.hits][:1] == ["Down Sleeping Bag -5C"]
    # Nothing unrelated is padded in below the relevance floor.
    assert all(hit.score >= 0.25 for hit in tent.hits + bag.hits)
