"""A batch Meta is slow to finish is parked and polled again by delayed re-checks: no worker
sleeps on it, its rows stay leased, and the result is recorded as the flush would have."""

import json
from collections.abc import Callable
from datetime import timedelta
from decimal import Decimal
from typing import Any

import pytest
import responses
import time_machine
from django.utils import timezone

from meta_integration.models import MetaAppConfig, MetaDeletion, MetaParkedRound, MetaPushDay
from meta_integration.parking import overdue, recheck
from meta_integration.push import STATUS_TIMEOUT_SECONDS, flush_tenant
from products_and_services.models import Product
from products_and_services.services import delete_products, update_product
from tenants.models import Tenant

pytestmark = pytest.mark.django_db
GRAPH = "http://meta.invalid/v21.0/900100"
STATUS_URL = f"{GRAPH}/check_batch_request_status"


@pytest.fixture(autouse=True)
def no_inline_wait(settings: Any) -> None:
    """Park after the first poll: a batch not finished at once is left to a re-check."""
    settings.META_STATUS_INLINE_SECONDS = 0


def statuses(*answers: dict[str, Any]) -> None:
    """items_batch takes the call; the status polls get `answers` in order (the last repeats)."""
    responses.post(f"{GRAPH}/items_batch", json={"handles": ["h1"], "validation_status": []})
    for answer in answers:
        responses.get(STATUS_URL, json={"data": [answer]})


STARTED = {"status": "started"}
FINISHED: dict[str, Any] = {"status": "finished", "errors": []}


def status_polls() -> int:
    return sum(1 for call in responses.calls if "check_batch_request_status" in call.request.url)


def recheck_when_due(clock: Any) -> Any:
    parked = MetaParkedRound.objects.get()
    clock.move_to(parked.next_poll_at)
    return recheck(parked.pk)


@responses.activate
def test_a_slow_batch_is_parked_then_recorded_by_rechecks(
    tenant: Tenant, meta_config: MetaAppConfig, make_product: Callable[..., Product]
) -> None:
    products = [make_product(tenant, sku=f"P{n}", price=Decimal("5")) for n in range(3)]
    statuses(STARTED, STARTED, FINISHED)
    with time_machine.travel(timezone.now(), tick=False) as clock:
        report = flush_tenant(meta_config.tenant_id)
        assert (report.batch_calls, report.status_calls, report.parked) == (1, 1, 1)
        assert (report.succeeded, report.failed, report.released) == (0, 0, 0)
        parked = MetaParkedRound.objects.get()
        now = timezone.now()
        assert parked.deadline == now + timedelta(seconds=STATUS_TIMEOUT_SECONDS)
        assert parked.lease == parked.deadline + timedelta(seconds=120)
        assert (parked.polls, parked.next_poll_at) == (1, now + timedelta(seconds=0.05))
        assert set(Product.objects.values_list("meta_sync_next_attempt", flat=True)) == {
            parked.lease
        }
        # The tenant's queue waits for it: no call, nothing claimed.
        waiting = flush_tenant(meta_config.tenant_id)
        assert waiting.skipped == "waiting for Meta to finish a batch (a delayed task checks it)"
        assert len(responses.calls) == 2

        first = recheck_when_due(clock)
        assert (first.settled, first.next_poll_in) == (False, 0.1)
        assert MetaParkedRound.objects.get().polls == 2
        assert recheck(parked.pk).found is False  # a duplicate task: not due yet

        second = recheck_when_due(clock)
        assert second.settled is True
        assert status_polls() == 3
    assert not MetaParkedRound.objects.exists()
    for product in products:
        row = Product.objects.get(pk=product.pk)
        assert (row.meta_sync_next_attempt, row.meta_sync_attempts, row.meta_sync_last_error) == (
            None,
            0,
            "",
        )
        assert (row.meta_pushed_ids, row.meta_retailer_id, row.whatsapp_catalog_id) == (
            [product.sku],
            product.sku,
            "900100",
        )
        assert row.meta_payload_hash != ""
    assert MetaPushDay.objects.get().products == 3
    # Settled: the next flush finds nothing to send (the payloads are recorded as sent).
    assert flush_tenant(meta_config.tenant_id).unchanged == 0
    assert len(responses.calls) == 4


@responses.activate
def test_meta_refusing_an_item_of_a_parked_batch_costs_that_item_an_attempt(
    tenant: Tenant, meta_config: MetaAppConfig, make_product: Callable[..., Product]
) -> None:
    good = make_product(tenant, sku="GOOD")
    bad = make_product(tenant, sku="BAD")
    statuses(
        STARTED,
        {
            "status": "finished",
            "errors": [{"id": "BAD", "message": "Invalid price"}],
            "ids_of_invalid_requests": ["BAD"],
        },
    )
    with time_machine.travel(timezone.now(), tick=False) as clock:
        flush_tenant(meta_config.tenant_id)
        result = recheck_when_due(clock)
        now = timezone.now()
    assert (result.report.succeeded, result.report.failed) == (1, 1)
    bad_row = Product.objects.get(pk=bad.pk)
    assert (bad_row.meta_sync_attempts, bad_row.meta_sync_last_error) == (1, "BAD: Invalid price")
    assert bad_row.meta_sync_next_attempt == now + timedelta(minutes=5)
    assert Product.objects.get(pk=good.pk).meta_sync_next_attempt is None


@responses.activate
def test_an_edit_while_parked_keeps_its_fresh_mark_and_goes_out_after(
    tenant: Tenant, meta_config: MetaAppConfig, make_product: Callable[..., Product]
) -> None:
    product = make_product(tenant, sku="EDIT", price=Decimal("10"))
    statuses(STARTED, FINISHED)
    with time_machine.travel(timezone.now(), tick=False) as clock:
        flush_tenant(meta_config.tenant_id)
        update_product(product=product, fields={"price": Decimal("12")})
        edited_at = timezone.now()
        recheck_when_due(clock)
    row = Product.objects.get(pk=product.pk)
    # What Meta holds is recorded; the edit's mark survives, and so does its fresh cycle.
    assert (row.meta_pushed_ids, row.meta_sync_next_attempt, row.meta_sync_attempts) == (
        ["EDIT"],
        edited_at,
        0,
    )
    responses.replace(responses.GET, STATUS_URL, json={"data": [FINISHED]})
    report = flush_tenant(meta_config.tenant_id)
    assert (report.succeeded, report.parked) == (1, 0)
    sent = json.loads(responses.calls[-2].request.body)["requests"]
    assert [(r["data"]["id"], r["data"]["price"]) for r in sent] == [("EDIT", "12.00 USD")]
    assert Product.objects.get(pk=product.pk).meta_sync_next_attempt is None


@responses.activate
def test_a_batch_not_done_by_the_deadline_is_an_outage_and_costs_no_attempt(
    tenant: Tenant, meta_config: MetaAppConfig, make_product: Callable[..., Product]
) -> None:
    product = make_product(tenant, sku="SLOW")
    statuses(STARTED)
    with time_machine.travel(timezone.now(), tick=False) as clock:
        flush_tenant(meta_config.tenant_id)
        parked = MetaParkedRound.objects.get()
        clock.move_to(parked.deadline)
        result = recheck(parked.pk)
        now = timezone.now()
    assert (result.settled, result.report.released) == (True, 1)
    assert not MetaParkedRound.objects.exists()
    row = Product.objects.get(pk=product.pk)
    assert (row.meta_sync_attempts, row.meta_sync_last_error, row.meta_sync_next_attempt) == (
        0,
        "",
        now,
    )
    # Written ahead of the call (Meta took the batch and may have applied it): a later
    # removal of the product still deletes SLOW.
    assert row.meta_pushed_ids == ["SLOW"]
    config = MetaAppConfig.objects.get(pk=meta_config.pk)
    assert config.unreachable_since == now
    assert config.outage_message == "Meta batch h1 did not finish within 300 s."
    assert config.paused_until == now + timedelta(seconds=30)


@responses.activate
def test_throttled_while_rechecking_releases_the_round_and_pauses_the_queue(
    tenant: Tenant, meta_config: MetaAppConfig, make_product: Callable[..., Product]
) -> None:
    product = make_product(tenant, sku="T")
    statuses(STARTED)
    with time_machine.travel(timezone.now(), tick=False) as clock:
        flush_tenant(meta_config.tenant_id)
        responses.replace(
            responses.GET,
            STATUS_URL,
            status=400,
            json={"error": {"code": 80014, "message": "Too many calls"}},
        )
        result = recheck_when_due(clock)
        now = timezone.now()
    assert (result.settled, result.report.released) == (True, 1)
    row = Product.objects.get(pk=product.pk)
    assert (row.meta_sync_attempts, row.meta_sync_next_attempt, row.meta_pushed_ids) == (
        0,
        now,
        ["T"],
    )
    assert MetaAppConfig.objects.get(pk=meta_config.pk).paused_until > now


@responses.activate
def test_a_tombstone_in_a_parked_round_is_removed_once_meta_confirms(
    tenant: Tenant, meta_config: MetaAppConfig, make_product: Callable[..., Product]
) -> None:
    product = make_product(tenant, sku="GONE")
    statuses(FINISHED)
    flush_tenant(meta_config.tenant_id)
    delete_products(tenant_id=tenant.pk, product_ids=[product.pk])
    responses.reset()
    statuses(STARTED, FINISHED)
    with time_machine.travel(timezone.now(), tick=False) as clock:
        report = flush_tenant(meta_config.tenant_id)
        assert report.parked == 1
        parked = MetaParkedRound.objects.get()
        assert MetaDeletion.objects.get().next_attempt == parked.lease
        result = recheck_when_due(clock)
    assert (result.settled, result.report.deletions_done) == (True, 1)
    assert not MetaDeletion.objects.exists()
    sent = json.loads(responses.calls[0].request.body)["requests"]
    assert sent == [{"method": "DELETE", "data": {"id": "GONE"}}]


@responses.activate
def test_a_lost_recheck_is_found_by_the_drain(
    tenant: Tenant,
    meta_config: MetaAppConfig,
    make_product: Callable[..., Product],
    broker_down: None,
) -> None:
    make_product(tenant, sku="LOST")
    statuses(STARTED, FINISHED)
    with time_machine.travel(timezone.now(), tick=False) as clock:
        flush_tenant(meta_config.tenant_id)  # the re-check could not be queued
        parked = MetaParkedRound.objects.get()
        assert overdue() == []
        clock.move_to(parked.next_poll_at)
        assert overdue() == [parked.pk]
        assert recheck(parked.pk).settled is True
        assert overdue() == []


@responses.activate
def test_a_deleted_config_releases_the_round(
    tenant: Tenant, meta_config: MetaAppConfig, make_product: Callable[..., Product]
) -> None:
    product = make_product(tenant, sku="ORPHAN")
    statuses(STARTED)
    with time_machine.travel(timezone.now(), tick=False) as clock:
        flush_tenant(meta_config.tenant_id)
        meta_config.delete()
        result = recheck_when_due(clock)
        now = timezone.now()
    assert (result.settled, result.report.released, status_polls()) == (True, 1, 1)
    row = Product.objects.get(pk=product.pk)
    assert (row.meta_sync_next_attempt, row.meta_pushed_ids) == (now, ["ORPHAN"])


@responses.activate
def test_a_parked_call_stops_the_flush_and_the_call_after_it_is_parked_with_it(
    settings: Any, tenant: Tenant, meta_config: MetaAppConfig, make_product: Callable[..., Product]
) -> None:
    settings.META_BATCH_SIZE = 2  # a claim of 2 products, 3 items each: calls of 2 items
    for n in range(2):
        make_product(tenant, sku=f"S{n}", variants=[{"sku": f"S{n}-{v}"} for v in range(3)])
    statuses(STARTED, STARTED, FINISHED)
    with time_machine.travel(timezone.now(), tick=False) as clock:
        report = flush_tenant(meta_config.tenant_id)
        # The second call went out before the first was polled; the third never did.
        assert (report.batch_calls, report.status_calls, report.parked) == (2, 2, 2)
        parked = MetaParkedRound.objects.get()
        assert [call["ids"] for call in parked.state["calls"]] == [
            ["S0-0", "S0-1"],
            ["S0-2", "S1-0"],
        ]
        assert parked.state["unsent"] == ["S1-1", "S1-2"]
        result = recheck_when_due(clock)
        assert (result.settled, result.report.succeeded, result.report.released) == (True, 1, 1)
        assert status_polls() == 4  # each parked call polled once more
        now = timezone.now()
    rows = dict(Product.objects.values_list("sku", "meta_sync_next_attempt"))
    assert rows == {"S0": None, "S1": now}
    # Written ahead of the round's first call: S1's ids count as held though S1 is not done
    # (S1-0 went out in the second call; a later removal of S1 deletes all three).
    held = dict(Product.objects.values_list("sku", "meta_pushed_ids"))
    assert held == {"S0": ["S0-0", "S0-1", "S0-2"], "S1": ["S1-0", "S1-1", "S1-2"]}
