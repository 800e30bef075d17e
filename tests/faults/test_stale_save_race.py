"""Issue 12, finding 1: no stale save can erase what a push recorded, so no orphan is left in Meta.

Both tests push to the Meta simulator over HTTP. The first forces the interleaving step by step
(load, push completes, the stale instance is saved); the second lets 100 SKU-changing PATCHes
race real flushes on other threads.
"""

import threading
from decimal import Decimal
from typing import Any

import pytest
from django.db import connections
from rest_framework.test import APIClient

from meta_integration.models import MetaDeletion
from meta_integration.push import flush_tenant
from products_and_services.models import Product
from products_and_services.services import create_product, update_product
from simulators.meta import MetaSimulator
from tenants.models import Tenant
from tests.conftest import META_CATALOG


def drain(tenant: Tenant) -> None:
    for _ in range(20):
        flush_tenant(tenant.pk)
        if not (
            Product.objects.filter(tenant=tenant, meta_sync_next_attempt__isnull=False).exists()
            or MetaDeletion.objects.filter(tenant=tenant).exists()
        ):
            return
    raise AssertionError("the outbox did not drain")


@pytest.mark.django_db
def test_a_stale_save_after_a_push_leaves_no_orphan(
    tenant: Tenant, meta_catalog: MetaSimulator
) -> None:
    product = create_product(
        tenant=tenant, fields={"name": "Race", "sku": "RACE-A", "price": Decimal("5")}
    )
    stale = Product.objects.get(pk=product.pk)  # loaded by a request, before the push
    assert flush_tenant(tenant.pk).succeeded == 1  # the push of RACE-A completes
    update_product(product=stale, fields={"sku": "RACE-B"})  # the request saves its instance
    drain(tenant)
    assert sorted(meta_catalog.items(META_CATALOG)) == ["RACE-B"]
    assert Product.objects.get(pk=product.pk).meta_pushed_ids == ["RACE-B"]


@pytest.mark.django_db(transaction=True)
def test_a_hundred_concurrent_sku_changes_leave_exactly_one_item(
    tenant: Tenant, meta_catalog: MetaSimulator, client_for: Any
) -> None:
    product = create_product(
        tenant=tenant, fields={"name": "Race", "sku": "RACE-0", "price": Decimal("5")}
    )
    flush_tenant(tenant.pk)
    writers_done = threading.Event()
    errors: list[BaseException] = []

    def patch(writer: int) -> None:
        try:
            api: APIClient = client_for(tenant)
            for n in range(25):
                sku = f"RACE-{writer}-{n}"
                response = api.patch(
                    f"/v1/catalog/products/{product.pk}/", {"sku": sku}, format="json"
                )
                assert response.status_code == 200, response.content
        except BaseException as exc:  # reported by the main thread
            errors.append(exc)
        finally:
            connections.close_all()

    def flusher() -> None:
        try:
            while not writers_done.is_set():
                flush_tenant(tenant.pk)
        except BaseException as exc:
            errors.append(exc)
        finally:
            connections.close_all()

    pushers = [threading.Thread(target=flusher) for _ in range(2)]
    writers = [threading.Thread(target=patch, args=(w,)) for w in range(4)]
    for thread in [*pushers, *writers]:
        thread.start()
    for thread in writers:
        thread.join(timeout=300)
    writers_done.set()
    for thread in pushers:
        thread.join(timeout=300)
    assert errors == []
    drain(tenant)
    final = Product.objects.get(pk=product.pk).sku
    assert sorted(meta_catalog.items(META_CATALOG)) == [final]
    assert len(meta_catalog.items(META_CATALOG)) == 1


@pytest.mark.django_db
def test_a_push_of_an_older_version_that_lands_last_leaves_no_orphan(
    tenant: Tenant, meta_catalog: MetaSimulator
) -> None:
    """Two pushes of one product overlap: the SKU changes while the first is in flight, a
    second flush pushes the new SKU, then the first lands. Found by the 100-PATCH test."""
    from meta_integration.push import (
        FlushReport,
        Round,
        Sender,
        active_config,
        build_requests,
        claim_due,
        client_for,
        mapping_context,
        plan_for,
    )

    product = create_product(
        tenant=tenant, fields={"name": "Race", "sku": "RACE-A", "price": Decimal("5")}
    )
    config = active_config(tenant.pk)
    first = claim_due(tenant.pk, 10)  # worker 1 claims and plans RACE-A ...
    plans = [plan_for(Product.objects.get(pk=product.pk), mapping_context(config))]
    update_product(product=Product.objects.get(pk=product.pk), fields={"sku": "RACE-B"})
    flush_tenant(tenant.pk)  # ... worker 2 pushes RACE-B meanwhile ...
    sender = Sender(config, client_for(config), FlushReport(tenant_id=str(tenant.pk)))
    sender.send(Round(first, plans, [], build_requests(plans, [])))
    sender.finish()  # ... then RACE-A lands, and worker 1 records it
    assert sorted(meta_catalog.items(META_CATALOG)) == ["RACE-A", "RACE-B"]
    assert Product.objects.get(pk=product.pk).meta_sync_next_attempt is not None
    drain(tenant)
    assert sorted(meta_catalog.items(META_CATALOG)) == ["RACE-B"]
