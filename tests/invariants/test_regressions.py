"""Sequences the catalog state machine found, kept as plain regression tests.

Found by `make fuzz` (seed 1946850624), shrunk by hand: a tombstone for a deleted product's SKU
was held by a worker that died; meanwhile a new product took that SKU as a variant and was
pushed; when the tombstone's lease ran out its DELETE removed the new product's item, and
nothing pushed it again. Now the holder of a deleted id is pushed again after the DELETE.
"""

from datetime import timedelta
from decimal import Decimal
from typing import Any

import pytest
import time_machine
from django.utils import timezone

from meta_integration.models import MetaDeletion, MetaParkedRound
from meta_integration.parking import recheck
from meta_integration.push import claim_due, flush_tenant
from products_and_services.models import Product
from products_and_services.services import create_product, delete_products, update_product
from simulators.meta import MetaSimulator
from tenants.models import Tenant
from tests.conftest import META_CATALOG

pytestmark = pytest.mark.django_db


def test_a_late_tombstone_never_deletes_the_item_of_the_skus_new_owner(
    tenant: Tenant, meta_catalog: MetaSimulator
) -> None:
    old = create_product(tenant=tenant, fields={"name": "Old", "sku": "M-5", "price": Decimal("5")})
    claim_due(tenant.pk, 50)  # a worker claims the old product and dies
    delete_products(tenant_id=tenant.pk, product_ids=[old.pk])  # its tombstone for M-5
    claim_due(tenant.pk, 50)  # another worker claims the tombstone and dies
    create_product(
        tenant=tenant,
        fields={"name": "New", "sku": "M-3", "price": Decimal("12")},
        variants=[{"sku": "M-5", "options": {"Size": "L"}}],
    )
    flush_tenant(tenant.pk)  # the new product's M-5 reaches Meta; the tombstone is still leased
    assert sorted(meta_catalog.items(META_CATALOG)) == ["M-5"]
    with time_machine.travel(timezone.now() + timedelta(minutes=16)):
        flush_tenant(tenant.pk)  # the tombstone's DELETE, then the holder again
    assert MetaDeletion.objects.count() == 0
    assert {rid: item["price"] for rid, item in meta_catalog.items(META_CATALOG).items()} == {
        "M-5": "12.00 USD"
    }


def test_an_item_whose_batch_status_was_lost_is_deleted_when_its_product_leaves(
    tenant: Tenant, meta_catalog: MetaSimulator, settings: Any
) -> None:
    """Found by the state machine once flushes could park a slow batch: Meta took the batch
    (and applied it), then its status could not be read (an outage). The product went out
    again with no record that Meta held its item; deactivated before that, it was never
    deleted from Meta. An id of a call Meta took is now recorded as held whatever its status."""
    settings.META_STATUS_INLINE_SECONDS = 0
    product = create_product(
        tenant=tenant, fields={"name": "Lamp", "sku": "M-3", "price": Decimal("5")}
    )
    with meta_catalog.lock:
        meta_catalog.knobs["polls_until_finished"] = 2
    flush_tenant(tenant.pk)  # the batch is parked, still processing
    parked = MetaParkedRound.objects.get()
    with meta_catalog.lock:
        meta_catalog.knobs["fail_next"] = 10**9  # Meta goes down
    with time_machine.travel(parked.next_poll_at):
        assert recheck(parked.pk).settled  # status unknown: released, no attempt spent
    assert sorted(meta_catalog.items(META_CATALOG)) == ["M-3"]
    update_product(product=product, fields={"is_active": False})
    with meta_catalog.lock:
        meta_catalog.knobs.update(fail_next=0, polls_until_finished=0)
    with time_machine.travel(timezone.now() + timedelta(minutes=16)):
        flush_tenant(tenant.pk)
    assert meta_catalog.items(META_CATALOG) == {}
    assert Product.objects.get(pk=product.pk).meta_pushed_ids == []
