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
from products_and_services.services import update_product
from tenants.models import Tenant
from tests.e2e.conftest import MetaHandle

pytestmark = [pytest.mark.e2e, pytest.mark.django_db]
SCHEDULE = [
    timedelta(minutes=5),
    timedelta(minutes=15),
    timedelta(minutes=45),
    timedelta(hours=2, minutes=15),
]


def test_item_rejections_follow_the_schedule_exactly_then_stop(
    tenant: Tenant,
    e2e_meta_config: MetaAppConfig,
    meta_sim: MetaHandle,
    make_product: Callable[..., Product],
) -> None:
    """Only Meta's refusal of the item itself costs it an attempt."""
    meta_sim.configure(reject_ids=["A"], batch_calls_per_minute=0)
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
        assert row.meta_sync_last_error == "A: Simulated rejection"
        clock.shift(timedelta(days=2))
        assert flush_tenant(tenant.pk).batch_calls == 0
    assert len(meta_sim.batch_calls()) == 5


def test_an_outage_costs_no_attempt_and_heals_without_a_manual_step(
    tenant: Tenant,
    e2e_meta_config: MetaAppConfig,
    meta_sim: MetaHandle,
    make_product: Callable[..., Product],
) -> None:
    meta_sim.configure(fail_next=1000, batch_calls_per_minute=0)
    start = timezone.now().replace(microsecond=0)
    with time_machine.travel(start, tick=False) as clock:
        products = [make_product(tenant, sku=f"P{i}") for i in range(3)]
        for _ in range(20):  # about 3.5 hours of 5xx
            flush_tenant(tenant.pk)
            clock.shift(timedelta(minutes=11))
        config = MetaAppConfig.objects.get(pk=e2e_meta_config.pk)
        assert config.unreachable_since == start
        rows = Product.objects.filter(pk__in=[p.pk for p in products])
        assert {r.meta_sync_attempts for r in rows} == {0}
        meta_sim.configure(fail_next=0)
        clock.shift(timedelta(minutes=15))
        assert flush_tenant(tenant.pk).succeeded == 3
    assert set(meta_sim.items()) == {"P0", "P1", "P2"}
    assert MetaAppConfig.objects.get(pk=e2e_meta_config.pk).unreachable_since is None


def test_a_removal_reaches_meta_after_five_failed_pushes(
    tenant: Tenant,
    e2e_meta_config: MetaAppConfig,
    meta_sim: MetaHandle,
    make_product: Callable[..., Product],
) -> None:
    """Issue 16, finding 2: deactivating a product stopped at max attempts removes its item."""
    meta_sim.configure(batch_calls_per_minute=0)
    product = make_product(tenant, sku="G-1")
    assert flush_tenant(tenant.pk).succeeded == 1
    meta_sim.configure(reject_ids=["G-1"])
    start = timezone.now().replace(microsecond=0)
    with time_machine.travel(start, tick=False) as clock:
        update_product(product=product, fields={"price": Decimal("99")})
        for gap in [*SCHEDULE, timedelta(0)]:
            flush_tenant(tenant.pk)
            clock.shift(gap)
        assert Product.objects.get(pk=product.pk).meta_sync_attempts == 5
        meta_sim.configure(reject_ids=[])
        update_product(product=Product.objects.get(pk=product.pk), fields={"is_active": False})
        report = flush_tenant(tenant.pk)
    assert (report.succeeded, report.batch_calls) == (1, 1)
    assert "G-1" not in meta_sim.items()


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
