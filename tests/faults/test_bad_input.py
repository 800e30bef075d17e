"""Inputs that used to answer 500 now answer 4xx and write nothing.

Before: a plugin price of 1e400 (decimal.InvalidOperation), a product id of 2**70 (too large
for the column), `updated_since` with an offset past ±15:59 (PostgreSQL refuses it), and a
price of 1e15 accepted with 202 that then failed after 4 attempts; a sync trigger with a
JSON array body started a full sync.
"""

import threading
from typing import Any

import pytest
from django.db import connections
from django.db.models.signals import pre_delete
from rest_framework.test import APIClient

from integrations.models import SyncRun, WebhookLog
from integrations.webhooks.models import WooCommerceEventLog
from knowledge.models import KnowledgeDocument
from products_and_services.models import Product
from tenants.models import Tenant
from tests.webhooks.conftest import PLUGIN_WEBHOOK, plugin_event

pytestmark = pytest.mark.services


def assert_nothing_written() -> None:
    assert WooCommerceEventLog.objects.count() == 0
    assert WebhookLog.objects.count() == 0
    assert Product.objects.count() == 0


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("product", "field"),
    [
        ({"price": "1e400"}, "price"),
        ({"price": 1e15}, "price"),
        ({"sale_price": "1e15"}, "sale_price"),
        ({"id": 2**70}, "id"),
        ({"stock_quantity": 2**40}, "stock_quantity"),
    ],
    ids=["price-1e400", "price-1e15", "sale-price-1e15", "id-2^70", "stock-2^40"],
)
def test_plugin_values_out_of_range_are_400(
    plugin_client: APIClient, product: dict[str, Any], field: str
) -> None:
    response = plugin_client.post(PLUGIN_WEBHOOK, plugin_event(**product), format="json")
    assert response.status_code == 400
    assert set(response.json()["product"]) == {field}
    assert_nothing_written()


@pytest.mark.django_db
@pytest.mark.parametrize("offset", ["+22:42", "-16:00", "+14:01"])
def test_updated_since_with_an_impossible_offset_is_400(api: APIClient, offset: str) -> None:
    response = api.get("/v1/catalog/products/", {"updated_since": f"2026-11-20T10:00:00{offset}"})
    assert response.status_code == 400
    assert "updated_since" in response.json()


@pytest.mark.django_db
def test_updated_since_offsets_are_compared_in_utc(
    api: APIClient, tenant: Tenant, make_product: Any
) -> None:
    make_product(tenant)
    response = api.get("/v1/catalog/products/", {"updated_since": "2000-01-01T10:00:00+14:00"})
    assert (response.status_code, response.json()["count"]) == (200, 1)


@pytest.mark.django_db
@pytest.mark.parametrize("body", [[], [{"mode": "full"}], "full"], ids=["[]", "[{}]", "string"])
def test_sync_trigger_body_must_be_an_object(api: APIClient, body: Any) -> None:
    response = api.post("/v1/catalog/sync/zoho", body, format="json")
    assert response.status_code == 400
    assert SyncRun.objects.count() == 0


@pytest.mark.django_db(transaction=True)
def test_delete_while_indexing_commits_a_document_is_not_a_500(
    api: APIClient, tenant: Tenant, make_product: Any
) -> None:
    """The interleaving is forced: the indexer's document commits after Django listed the
    product's related rows and before it deletes the product."""
    if connections["default"].vendor != "postgresql":
        pytest.skip("the cascade lives in PostgreSQL")
    product = make_product(tenant)

    def indexer_commits_a_document(sender: Any, instance: Product, **_: Any) -> None:
        def index() -> None:
            KnowledgeDocument.objects.get_or_create(tenant_id=instance.tenant_id, product=instance)
            connections.close_all()

        worker = threading.Thread(target=index)
        worker.start()
        worker.join()

    pre_delete.connect(indexer_commits_a_document, sender=Product, dispatch_uid="faults-race")
    try:
        response = api.delete(f"/v1/catalog/products/{product.pk}/")
    finally:
        pre_delete.disconnect(sender=Product, dispatch_uid="faults-race")
    assert response.status_code == 204
    assert (Product.objects.count(), KnowledgeDocument.objects.count()) == (0, 0)


@pytest.mark.django_db
@pytest.mark.parametrize("size", ["abc", "0", "-1", "1.5"])
def test_page_size_that_is_not_a_whole_number_is_400(api: APIClient, size: str) -> None:
    response = api.get("/v1/catalog/products/", {"page_size": size})
    assert response.status_code == 400
    assert response.json() == {"page_size": ["Enter a whole number from 1 to 500."]}
