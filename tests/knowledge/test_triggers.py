"""What queues re-indexing: catalog writes (services, image changes, the pull upsert), one hook
per commit."""

from collections.abc import Callable
from decimal import Decimal
from typing import Any

import pytest
from django.db import transaction

from integrations.engine.records import ProductRecord
from integrations.engine.upsert import upsert_page
from knowledge.tasks import sweep_stale_documents
from products_and_services.models import Product
from products_and_services.services import update_product
from tenants.models import Tenant
from tests.knowledge.conftest import created_with_indexing_off

pytestmark = pytest.mark.django_db


def knowledge_hooks(callbacks: list[Callable[[], None]]) -> list[tuple[str, set[int]]]:
    return [
        (hook.knowledge_tenant, set(hook.knowledge_ids))  # type: ignore[attr-defined]
        for hook in callbacks
        if hasattr(hook, "knowledge_ids")
    ]


def test_saves_in_one_transaction_queue_one_task_per_tenant(
    tenant: Tenant,
    other_tenant: Tenant,
    make_product: Callable[..., Product],
    indexing_on: Any,
    django_capture_on_commit_callbacks: Callable[..., Any],
) -> None:
    with django_capture_on_commit_callbacks() as callbacks, transaction.atomic():
        a = make_product(tenant)
        b = make_product(tenant)
        c = make_product(other_tenant)
        a.price = Decimal("1")
        a.save()
    assert sorted(knowledge_hooks(callbacks)) == sorted(
        [(str(tenant.pk), {a.pk, b.pk}), (str(other_tenant.pk), {c.pk})]
    )


def test_image_changes_queue_their_product(
    tenant: Tenant,
    make_product: Callable[..., Product],
    indexing_on: Any,
    django_capture_on_commit_callbacks: Callable[..., Any],
) -> None:
    product = created_with_indexing_off(make_product, tenant, indexing_on)
    with django_capture_on_commit_callbacks() as callbacks:
        update_product(
            product=product, fields={}, images=[{"url": "https://cdn.example.com/a.jpg"}]
        )
    assert knowledge_hooks(callbacks) == [(str(tenant.pk), {product.pk})]


def test_tracking_only_saves_and_indexing_off_queue_nothing(
    tenant: Tenant,
    make_product: Callable[..., Product],
    settings: Any,
    indexing_on: Any,
    django_capture_on_commit_callbacks: Callable[..., Any],
) -> None:
    product = created_with_indexing_off(make_product, tenant, settings)
    with django_capture_on_commit_callbacks() as callbacks:
        Product.objects.filter(pk=product.pk).update(meta_sync_attempts=1)
    assert knowledge_hooks(callbacks) == []
    with django_capture_on_commit_callbacks() as callbacks:
        update_product(product=product, fields={"stock_quantity": 3})
    assert knowledge_hooks(callbacks) == [(str(tenant.pk), {product.pk})]
    transaction.get_connection().run_on_commit.clear()  # start the next check from nothing
    settings.EMBEDDINGS_API_KEY = ""
    with django_capture_on_commit_callbacks() as callbacks:
        update_product(product=product, fields={"description": "Changed"})
    assert knowledge_hooks(callbacks) == []


def test_a_pull_page_queues_one_task_for_all_changed_products(
    tenant: Tenant, indexing_on: Any, django_capture_on_commit_callbacks: Callable[..., Any]
) -> None:
    records = [
        ProductRecord(external_id=str(n), name=f"Item {n}", sku=f"Z-{n}", price=Decimal("5"))
        for n in range(1, 51)
    ]
    with django_capture_on_commit_callbacks() as callbacks:
        upsert_page(tenant=tenant, source="zoho", connection_key="zoho:1", records=records)
    ids = set(Product.objects.values_list("pk", flat=True))
    assert len(ids) == 50
    assert knowledge_hooks(callbacks) == [(str(tenant.pk), ids)]
    with django_capture_on_commit_callbacks() as callbacks:
        upsert_page(tenant=tenant, source="zoho", connection_key="zoho:1", records=records)
    assert knowledge_hooks(callbacks) == []  # nothing changed, nothing queued


def test_sweep_queues_stale_products_and_is_off_without_a_key(
    tenant: Tenant, make_product: Callable[..., Product], indexing_on: Any, settings: Any
) -> None:
    make_product(tenant)
    make_product(tenant)
    assert sweep_stale_documents() == 2
    settings.EMBEDDINGS_API_KEY = ""
    assert sweep_stale_documents() == 0
