"""A product that can no longer go to Meta as it stands is held back, and leaves Meta.

Meta must not keep selling it at its old values; an id a clashing item holds is never deleted.
"""

from collections.abc import Iterator
from decimal import Decimal
from typing import Any

import pytest

from meta_integration.models import MetaAppConfig
from meta_integration.push import flush_tenant
from meta_integration.status import MetaSyncState, sync_state
from products_and_services.identity import sync_identities
from products_and_services.models import Product, ProductVariant
from products_and_services.services import create_product, update_product
from simulators.base import SimulatorServer
from simulators.meta import MetaSimulator
from tenants.models import Tenant

pytestmark = pytest.mark.django_db
CATALOG = "held"


@pytest.fixture
def meta(settings: Any, tenant: Tenant) -> Iterator[MetaSimulator]:
    sim = MetaSimulator()
    sim.knobs.update(batch_calls_per_minute=0, polls_until_finished=0)
    with SimulatorServer(sim) as server:
        settings.META_GRAPH_API_URL = server.url
        MetaAppConfig.objects.create(
            tenant=tenant,
            access_token="t",
            catalog_id=CATALOG,
            default_product_url="https://shop.example.com/",
            currency="USD",
            include_images=False,
        )
        yield sim


def test_a_product_that_becomes_unpushable_leaves_meta(tenant: Tenant, meta: MetaSimulator) -> None:
    coin = create_product(
        tenant=tenant, fields={"name": "Coin", "sku": "COIN", "price": Decimal("3")}
    )
    flush_tenant(tenant.pk)
    assert sorted(meta.items(CATALOG)) == ["COIN"]
    update_product(product=coin, fields={"currency": "BTC"})  # no mapping to an ISO code
    report = flush_tenant(tenant.pk)
    assert (report.succeeded, report.failed) == (1, 0)
    assert meta.items(CATALOG) == {}
    row = Product.objects.get(pk=coin.pk)
    assert (row.meta_sync_attempts, row.meta_pushed_ids) == (0, [])
    assert row.meta_sync_last_error.startswith("Not sent to Meta")
    assert sync_state(row) == MetaSyncState.HELD


def test_a_clash_held_item_never_deletes_the_holders_id(
    tenant: Tenant, meta: MetaSimulator
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
    assert sorted(meta.items(CATALOG)) == ["LAMP"]
    assert Product.objects.get(pk=knock.pk).meta_pushed_ids == ["LAMP"]
