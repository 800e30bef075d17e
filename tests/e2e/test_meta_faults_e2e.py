"""Meta push faults against the simulator over HTTP: 5xx backoff, throttling, token, item errors."""

from collections.abc import Callable
from datetime import timedelta
from decimal import Decimal

import pytest
import time_machine
from django.utils import timezone

from meta_integration.models import MetaAppConfig
from meta_integration.push import flush_tenant
from products_and_services.models import Product
from tenants.models import Tenant
from tests.e2e.conftest import MetaHandle

pytestmark = [pytest.mark.e2e, pytest.mark.django_db]
SCHEDULE = [
    timedelta(minutes=5),
    timedelta(minutes=15),
    timedelta(minutes=45),
    timedelta(hours=2, minutes=15),
]


def test_server_errors_follow_the_schedule_exactly_then_stop(
    tenant: Tenant,
    e2e_meta_config: MetaAppConfig,
    meta_sim: MetaHandle,
    make_product: Callable[..., Product],
) -> None:
    meta_sim.configure(fail_next=100, batch_calls_per_minute=0)
    start = timezone.now().replace(microsecond=0)
    with time_machine.travel(start, tick=False) as clock:
        product = make_product(tenant, sku="A")
        for attempt, gap in enumerate(SCHEDULE, start=1):
            assert flush_tenant(tenant.pk).failed == 1
            row = Product.objects.get(pk=product.pk)
            assert (row.meta_sync_attempts, row.meta_sync_next_attempt) == (
                attempt,
                timezone.now() + gap,
            )
            clock.shift(gap)
        assert flush_tenant(tenant.pk).failed == 1
        row = Product.objects.get(pk=product.pk)
        assert (row.meta_sync_attempts, row.meta_sync_next_attempt) == (5, None)
        assert "Meta API error 2" in row.meta_sync_last_error
        clock.shift(timedelta(days=2))
        assert flush_tenant(tenant.pk).batch_calls == 0
    assert len([c for c in meta_sim.get("/_sim/calls")["calls"] if c["kind"] == "fault"]) == 5


def test_throttling_burns_no_attempts_and_the_queue_resumes(
    tenant: Tenant,
    e2e_meta_config: MetaAppConfig,
    meta_sim: MetaHandle,
    make_product: Callable[..., Product],
) -> None:
    meta_sim.configure(batch_calls_per_minute=1)
    first = make_product(tenant, sku="FIRST")
    assert flush_tenant(tenant.pk).succeeded == 1
    second = make_product(tenant, sku="SECOND")
    report = flush_tenant(tenant.pk)
    assert (report.released, report.failed) == (1, 0)
    assert Product.objects.get(pk=second.pk).meta_sync_attempts == 0
    paused = MetaAppConfig.objects.get(pk=e2e_meta_config.pk).paused_until
    assert paused is not None
    assert flush_tenant(tenant.pk).skipped.startswith("throttled")
    meta_sim.post("/_sim/advance_clock", {"seconds": 61})
    with time_machine.travel(paused + timedelta(seconds=1)):
        assert flush_tenant(tenant.pk).succeeded == 1
    assert set(meta_sim.items()) == {"FIRST", "SECOND"}
    assert Product.objects.get(pk=first.pk).meta_sync_attempts == 0


def test_invalid_token_marks_the_config_and_stops(
    tenant: Tenant,
    e2e_meta_config: MetaAppConfig,
    meta_sim: MetaHandle,
    make_product: Callable[..., Product],
) -> None:
    meta_sim.configure(token_invalid=True)
    product = make_product(tenant, sku="A")
    flush_tenant(tenant.pk)
    config = MetaAppConfig.objects.get(pk=e2e_meta_config.pk)
    assert config.status == "invalid_token"
    assert (
        config.status_message
        == "Meta API error 190: Error validating access token: Session has expired"
    )
    assert Product.objects.get(pk=product.pk).meta_sync_attempts == 0
    assert Product.objects.get(pk=product.pk).meta_sync_next_attempt is not None


def test_item_error_fails_only_that_product(
    tenant: Tenant,
    e2e_meta_config: MetaAppConfig,
    meta_sim: MetaHandle,
    make_product: Callable[..., Product],
) -> None:
    meta_sim.configure(reject_ids=["BAD"])
    bad = make_product(tenant, sku="BAD")
    good = [make_product(tenant, sku=f"OK{i}", price=Decimal("3")) for i in range(3)]
    report = flush_tenant(tenant.pk)
    assert (report.succeeded, report.failed, report.batch_calls) == (3, 1, 1)
    bad.refresh_from_db()
    assert (bad.meta_sync_attempts, bad.meta_sync_last_error) == (1, "BAD: Simulated rejection")
    assert all(Product.objects.get(pk=p.pk).meta_sync_last_success is not None for p in good)
    assert set(meta_sim.items()) == {"OK0", "OK1", "OK2"}
