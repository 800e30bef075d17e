"""A sale removed here ends in Meta too, though an UPDATE keeps the fields it leaves out."""

from decimal import Decimal

import pytest
from django.utils import timezone

from meta_integration.push import flush_tenant
from products_and_services.services import create_product, update_product
from simulators.meta import MetaSimulator, shown_price
from tenants.models import Tenant
from tests.conftest import META_CATALOG

pytestmark = pytest.mark.django_db


def test_an_undated_sale_removed_here_ends_in_meta(
    tenant: Tenant, meta_catalog: MetaSimulator
) -> None:
    lamp = create_product(
        tenant=tenant,
        fields={"name": "Lamp", "sku": "LAMP", "price": Decimal("40"), "sale_price": Decimal("30")},
    )
    flush_tenant(tenant.pk)
    assert shown_price(meta_catalog.items(META_CATALOG)["LAMP"], timezone.now()) == "30.00 USD"
    update_product(product=lamp, fields={"sale_price": None})
    assert flush_tenant(tenant.pk).succeeded == 1
    assert shown_price(meta_catalog.items(META_CATALOG)["LAMP"], timezone.now()) == "40.00 USD"
