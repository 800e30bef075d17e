"""Knowledge index end to end: saves and pull pages → real worker → embeddings simulator."""

from collections.abc import Callable, Iterator
from decimal import Decimal
from typing import Any

import pytest
from rest_framework.test import APIClient

from integrations.engine.records import ProductRecord
from integrations.engine.upsert import upsert_page
from knowledge.models import DocumentStatus, KnowledgeDocument
from products_and_services.models import Product
from products_and_services.services import create_product, update_product
from tenants.models import Tenant
from tests.e2e.conftest import SimulatorHandle, wait_until

pytestmark = [pytest.mark.e2e, pytest.mark.services]


@pytest.fixture
def embeddings_sim(settings: Any) -> Iterator[SimulatorHandle]:
    from simulators.base import SimulatorServer
    from simulators.embeddings import EmbeddingsSimulator

    with SimulatorServer(EmbeddingsSimulator()) as server:
        settings.EMBEDDINGS_API_URL = server.url
        settings.EMBEDDINGS_API_KEY = "sim-key"
        settings.EMBEDDINGS_MODEL = "sim-model"
        settings.EMBEDDINGS_BATCH_SIZE = 100
        yield SimulatorHandle(server.url)


def embedding_calls(sim: SimulatorHandle) -> int:
    return sim.get("/_sim/stats")["embedding_requests"]


def document(product: Product) -> KnowledgeDocument | None:
    return KnowledgeDocument.objects.filter(product=product).first()


def test_description_change_re_indexes_once_and_price_change_never(
    celery_worker: Any,
    tenant: Tenant,
    embeddings_sim: SimulatorHandle,
    client_for: Callable[..., APIClient],
) -> None:
    product = create_product(
        tenant=tenant,
        fields={
            "name": "Trail Tent",
            "sku": "TENT",
            "description": "Two person tent",
            "price": Decimal("189.50"),
        },
    )
    wait_until(lambda: (d := document(product)) and d.status == DocumentStatus.INDEXED)
    assert embedding_calls(embeddings_sim) == 1

    update_product(product=product, fields={"price": Decimal("150.00"), "stock_quantity": 3})
    wait_until(lambda: document(product).metadata["price"] == "150.00")  # type: ignore[union-attr]
    assert document(product).metadata["stock_quantity"] == 3  # type: ignore[union-attr]
    assert embedding_calls(embeddings_sim) == 1

    update_product(
        product=product,
        fields={"description": "Waterproof ultralight shelter with a bathtub floor"},
    )
    wait_until(
        lambda: document(product).indexed_content_hash == product.content_hash  # type: ignore[union-attr]
    )
    assert embedding_calls(embeddings_sim) == 2
    calls = [c for c in embeddings_sim.get("/_sim/calls")["calls"] if c["kind"] == "embeddings"]
    assert [c["inputs"] for c in calls] == [1, 1]

    body = client_for(tenant).get("/v1/catalog/search", {"q": "waterproof shelter"}).json()
    assert body["mode"] == "semantic"
    assert [hit["product"]["sku"] for hit in body["results"]] == ["TENT"]
    assert embedding_calls(embeddings_sim) == 3  # the query


def test_a_pull_page_is_indexed_by_one_task_in_batched_calls(
    celery_worker: Any, tenant: Tenant, embeddings_sim: SimulatorHandle
) -> None:
    records = [
        ProductRecord(external_id=str(n), name=f"Item {n}", sku=f"I-{n}", price=Decimal("5"))
        for n in range(1, 151)
    ]
    upsert_page(tenant=tenant, source="zoho", connection_key="zoho:1", records=records)
    wait_until(
        lambda: KnowledgeDocument.objects.filter(status=DocumentStatus.INDEXED).count() == 150
    )
    calls = [c for c in embeddings_sim.get("/_sim/calls")["calls"] if c["kind"] == "embeddings"]
    assert [c["inputs"] for c in calls] == [100, 50]
