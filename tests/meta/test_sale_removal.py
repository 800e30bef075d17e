"""A sale removed here ends in Meta too, though an UPDATE keeps the fields it leaves out."""

from collections.abc import Iterator
from decimal import Decimal
from typing import Any

import pytest
from django.utils import timezone

from meta_integration.models import MetaAppConfig
from meta_integration.push import flush_tenant
from products_and_services.services import create_product, update_product
from simulators.base import SimulatorServer
from simulators.meta import MetaSimulator, shown_price
from tenants.models import Tenant

pytestmark = pytest.mark.django_db


@pytest.fixture
def meta(settings: Any, tenant: Tenant) -> Iterator[MetaSimulator]:
    sim = MetaSimulator()
    sim.knobs.update(batch_calls_per_minute=0, polls_until_finished=0)
    with SimulatorServer(sim) as server:
        settings.META_GRAPH_API_URL = server.url
        MetaAppConfig.objects.create(
            tenant=tenant,
            access_token="t",
            catalog_id="sales",
            default_product_url="https://shop.example.com/",
            currency="USD",
            include_images=False,
        )
        yield sim


def test_an_undated_sale_removed_here_ends_in_meta(tenant: Tenant, meta: MetaSimulator) -> None:
    lamp = create_product(
        tenant=tenant,
        fields={"name": "Lamp", "sku": "LAMP", "price": Decimal("40"), "sale_price": Decimal("30")},
    )
    flush_tenant(tenant.pk)
    assert shown_price(meta.items("sales")["LAMP"], timezone.now()) == "30.00 USD"
    update_product(product=lamp, fields={"sale_price": None})
    assert flush_tenant(tenant.pk).succeeded == 1
    assert shown_price(meta.items("sales")["LAMP"], timezone.now()) == "40.00 USD"
