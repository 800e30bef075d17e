"""A product that can no longer go to Meta as it stands is held back, and leaves Meta.

Meta must not keep selling it at its old values; an id a clashing item holds is never deleted.
"""

from decimal import Decimal

import pytest

from meta_integration.push import flush_tenant
from meta_integration.status import MetaSyncState, sync_state
from products_and_services.identity import sync_identities
from products_and_services.models import Product, ProductVariant
from products_and_services.services import create_product, update_product
from simulators.meta import MetaSimulator
from tenants.models import Tenant
from tests.conftest import META_CATALOG

pytestmark = pytest.mark.django_db


def test_a_product_that_becomes_unpushable_leaves_meta(
    tenant: Tenant, meta_catalog: MetaSimulator
) -> None:
    coin = create_product(
        tenant=tenant, fields={"name": "Coin", "sku": "COIN", "price": Decimal("3")}
    )
    flush_tenant(tenant.pk)
    assert sorted(meta_catalog.items(META_CATALOG)) == ["COIN"]
    update_product(product=coin, fields={"currency": "BTC"})  # no mapping to an ISO code
    report = flush_tenant(tenant.pk)
    assert (report.succeeded, report.failed) == (1, 0)
    assert meta_catalog.items(META_CATALOG) == {}
    row = Product.objects.get(pk=coin.pk)
    assert (row.meta_sync_attempts, row.meta_pushed_ids) == (0, [])
    assert row.meta_sync_last_error.startswith("Not sent to Meta")
    assert sync_state(row) == MetaSyncState.HELD


def test_a_clash_held_item_never_deletes_the_holders_id(
    tenant: Tenant, meta_catalog: MetaSimulator
) -> None:
    lamp = create_product(
        tenant=tenant, fields={"name": "Lamp", "sku": "LAMP", "price": Decimal("5")}
    )
    flush_tenant(tenant.pk)
    # Data from before the identity rule: another product's variant pushed the same id.
    knock = Product.objects.create(tenant=tenant, name="Knock", sku="KNOCK", price=Decimal("1"))
    ProductVariant.objects.create(product=knock, sku="LAMP")
    ProductVariant.objects.create(product=knock, sku="KNOCK-2")
    Product.objects.filter(pk=knock.pk).update(meta_pushed_ids=["KNOCK-2", "LAMP"])
    sync_identities(tenant_id=tenant.pk, product_ids=[knock.pk], strict=False)
    Product.objects.filter(pk=knock.pk).update(meta_sync_next_attempt=lamp.created_at)
    flush_tenant(tenant.pk)
    assert sorted(meta_catalog.items(META_CATALOG)) == ["LAMP"]
    assert Product.objects.get(pk=knock.pk).meta_pushed_ids == ["LAMP"]
