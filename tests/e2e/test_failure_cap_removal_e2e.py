"""Issue 16, finding 2, end to end: after five failed pushes and Meta's recovery, a deactivation
made through the API reaches Meta through a real worker, with no manual reset."""

from collections.abc import Callable
from datetime import timedelta
from decimal import Decimal
from typing import Any

import pytest
import time_machine
from django.utils import timezone

from meta_integration.models import MetaAppConfig
from meta_integration.push import flush_tenant
from products_and_services.models import Product
from products_and_services.services import update_product
from tenants.models import Tenant
from tests.e2e.conftest import MetaHandle, create_with_image, wait_until

pytestmark = [pytest.mark.e2e, pytest.mark.services]


def test_deactivating_a_product_that_failed_five_times_removes_it_from_meta(
    celery_worker: Any,
    tenant: Tenant,
    e2e_meta_config: MetaAppConfig,
    meta_sim: MetaHandle,
    client_for: Callable[..., Any],
) -> None:
    meta_sim.configure(batch_calls_per_minute=0)
    product = create_with_image(
        tenant=tenant, fields={"name": "Gadget", "sku": "G-1", "price": Decimal("10")}
    )
    wait_until(lambda: "G-1" in meta_sim.items())
    meta_sim.configure(reject_ids=["G-1"])
    with time_machine.travel(timezone.now(), tick=True) as clock:
        update_product(product=product, fields={"price": Decimal("12")})
        for _ in range(10):
            if Product.objects.get(pk=product.pk).meta_sync_attempts >= 5:
                break
            clock.shift(timedelta(hours=2, minutes=16))
            flush_tenant(tenant.pk)
    row = Product.objects.get(pk=product.pk)
    assert (row.meta_sync_attempts, row.meta_sync_next_attempt) == (5, None)
    assert meta_sim.items()["G-1"]["price"] == "10.00 USD"  # Meta still sells the old version
    meta_sim.configure(reject_ids=[])
    response = client_for(tenant).patch(
        f"/v1/catalog/products/{product.pk}/", {"is_active": False}, format="json"
    )
    assert response.status_code == 200
    wait_until(lambda: "G-1" not in meta_sim.items())
    assert Product.objects.get(pk=product.pk).meta_sync_attempts == 0
