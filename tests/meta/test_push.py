"""The flush against a mocked Graph API (`responses`): what is sent, and what is recorded."""

import json
from collections.abc import Callable
from datetime import timedelta
from decimal import Decimal
from typing import Any

import pytest
import responses
import time_machine
from django.utils import timezone

from meta_integration.models import MetaAppConfig, MetaDeletion
from meta_integration.push import flush_tenant
from products_and_services.models import Product
from products_and_services.services import delete_products, update_product
from tenants.models import Tenant

pytestmark = pytest.mark.django_db
GRAPH = "http://meta.invalid/v21.0/900100"


def sent_requests(call_index: int = 0) -> list[dict[str, object]]:
    return json.loads(responses.calls[call_index].request.body)["requests"]


def graph_ok(errors: list[dict[str, object]] | None = None) -> None:
    responses.post(f"{GRAPH}/items_batch", json={"handles": ["h1"], "validation_status": []})
    responses.get(
        f"{GRAPH}/check_batch_request_status",
        json={
            "data": [
                {
                    "status": "finished",
                    "errors_total_count": len(errors or []),
                    "errors": errors or [],
                    "ids_of_invalid_requests": [e["id"] for e in errors or []],
                }
            ]
        },
    )


@responses.activate
def test_pending_products_go_out_in_one_batch_and_are_marked_synced(
    tenant: Tenant, meta_config: MetaAppConfig, make_product: Callable[..., Product]
) -> None:
    a = make_product(tenant, sku="A", name="Alpha", price=Decimal("10"))
    make_product(tenant, sku="B", name="Beta")
    make_product(tenant, sku="", name="No SKU")
    graph_ok()
    report = flush_tenant(tenant.pk)
    assert (report.succeeded, report.failed, report.unchanged, report.batch_calls) == (2, 0, 1, 1)
    assert sorted((r["method"], r["data"]["id"]) for r in sent_requests()) == [
        ("UPDATE", "A"),
        ("UPDATE", "B"),
    ]
    row = Product.objects.get(pk=a.pk)
    assert (row.meta_sync_attempts, row.meta_sync_last_error, row.meta_sync_next_attempt) == (
        0,
        "",
        None,
    )
    assert row.meta_sync_last_success is not None
    assert (row.meta_retailer_id, row.meta_pushed_ids, row.whatsapp_catalog_id) == (
        "A",
        ["A"],
        "900100",
    )
    assert Product.objects.filter(meta_sync_next_attempt__isnull=False).count() == 0


@responses.activate
def test_unchanged_payload_is_not_sent_again(
    tenant: Tenant, meta_config: MetaAppConfig, make_product: Callable[..., Product]
) -> None:
    product = make_product(tenant, sku="A")
    graph_ok()
    flush_tenant(tenant.pk)
    product.refresh_from_db()
    update_product(product=product, fields={})  # a save without a change
    report = flush_tenant(tenant.pk)
    assert (report.unchanged, report.batch_calls) == (1, 0)
    assert len(responses.calls) == 2


@responses.activate
def test_sku_change_deletes_the_old_id(
    tenant: Tenant, meta_config: MetaAppConfig, make_product: Callable[..., Product]
) -> None:
    product = make_product(tenant, sku="OLD")
    graph_ok()
    flush_tenant(tenant.pk)
    product.refresh_from_db()
    update_product(product=product, fields={"sku": "NEW"})
    flush_tenant(tenant.pk)
    assert [(r["method"], r["data"]["id"]) for r in sent_requests(2)] == [
        ("DELETE", "OLD"),
        ("UPDATE", "NEW"),
    ]
    assert Product.objects.get(pk=product.pk).meta_pushed_ids == ["NEW"]


@responses.activate
def test_deactivation_and_deletion_remove_items(
    tenant: Tenant, meta_config: MetaAppConfig, make_product: Callable[..., Product]
) -> None:
    kept = make_product(tenant, sku="K")
    gone = make_product(tenant, sku="G", variants=[{"sku": "G-S", "options": {"Size": "S"}}])
    graph_ok()
    flush_tenant(tenant.pk)
    kept.refresh_from_db()
    update_product(product=kept, fields={"is_active": False})
    delete_products(tenant_id=tenant.pk, product_ids=[gone.pk])
    report = flush_tenant(tenant.pk)
    assert sorted((r["method"], r["data"]["id"]) for r in sent_requests(2)) == [
        ("DELETE", "G-S"),
        ("DELETE", "K"),
    ]
    assert (report.deletions_done, report.succeeded) == (1, 1)
    assert MetaDeletion.objects.count() == 0
    assert Product.objects.get(pk=kept.pk).meta_pushed_ids == []


@responses.activate
def test_per_item_error_fails_only_that_product(
    tenant: Tenant, meta_config: MetaAppConfig, make_product: Callable[..., Product]
) -> None:
    bad, good = make_product(tenant, sku="BAD"), make_product(tenant, sku="GOOD")
    graph_ok(errors=[{"line": 0, "id": "BAD", "message": "Invalid price format"}])
    report = flush_tenant(tenant.pk)
    assert (report.succeeded, report.failed) == (1, 1)
    bad.refresh_from_db()
    assert (bad.meta_sync_attempts, bad.meta_sync_last_error) == (1, "BAD: Invalid price format")
    assert bad.meta_sync_next_attempt is not None
    good.refresh_from_db()
    assert (good.meta_sync_attempts, good.meta_sync_last_error, good.meta_sync_next_attempt) == (
        0,
        "",
        None,
    )


@responses.activate
def test_item_rejections_follow_the_backoff_schedule_then_stop(
    tenant: Tenant, meta_config: MetaAppConfig, make_product: Callable[..., Product]
) -> None:
    """Only Meta's rejection of the item itself costs it an attempt."""
    graph_ok(errors=[{"line": 0, "id": "A", "message": "Invalid price format"}])
    start = timezone.now().replace(microsecond=0)
    with time_machine.travel(start, tick=False) as clock:
        product = make_product(tenant, sku="A")
        expected_gaps = [
            timedelta(minutes=5),
            timedelta(minutes=15),
            timedelta(minutes=45),
            timedelta(hours=2, minutes=15),
        ]
        for attempt, gap in enumerate(expected_gaps, start=1):
            flush_tenant(tenant.pk)
            row = Product.objects.get(pk=product.pk)
            assert row.meta_sync_attempts == attempt
            assert row.meta_sync_next_attempt == timezone.now() + gap
            clock.shift(gap - timedelta(seconds=1))
            assert flush_tenant(tenant.pk).batch_calls == 0  # not due yet
            clock.shift(timedelta(seconds=1))
        report = flush_tenant(tenant.pk)
        row = Product.objects.get(pk=product.pk)
        assert (row.meta_sync_attempts, row.meta_sync_next_attempt) == (5, None)
        assert row.meta_sync_last_error == "A: Invalid price format"
        assert report.gave_up == 1
        clock.shift(timedelta(days=1))
        assert flush_tenant(tenant.pk).batch_calls == 0
    assert len([c for c in responses.calls if "items_batch" in c.request.url]) == 5


@responses.activate
def test_an_outage_of_any_length_costs_no_attempt_and_heals_by_itself(
    tenant: Tenant, meta_config: MetaAppConfig, make_product: Callable[..., Product]
) -> None:
    """Four hours of 5xx: the queue pauses with a growing backoff, every product stays pending
    with 0 attempts, the config says since when Meta is unreachable, and the first flush after
    Meta recovers pushes everything."""
    responses.post(
        f"{GRAPH}/items_batch", status=500, json={"error": {"code": 2, "message": "Unexpected"}}
    )
    start = timezone.now().replace(microsecond=0)
    with time_machine.travel(start, tick=False) as clock:
        products = [make_product(tenant, sku=f"P{i}") for i in range(3)]
        pauses = []
        while timezone.now() < start + timedelta(hours=4):
            report = flush_tenant(tenant.pk)
            config = MetaAppConfig.objects.get(pk=meta_config.pk)
            if report.batch_calls:
                assert (report.released, report.failed) == (3, 0)
                pauses.append(config.paused_until - timezone.now())
            assert config.unreachable_since == start
            assert config.outage_message == "Meta API error 2: Unexpected"
            clock.shift(timedelta(seconds=30))
        # Half the outage so far, at least 30 s: tried at 0, 30, 60, 90 and 150 s, ...
        assert pauses[:5] == [timedelta(seconds=s) for s in (30, 30, 30, 45, 75)]
        assert max(pauses) == timedelta(minutes=15)
        rows = Product.objects.filter(pk__in=[p.pk for p in products])
        assert {(r.meta_sync_attempts, r.meta_sync_last_error) for r in rows} == {(0, "")}
        assert all(r.meta_sync_next_attempt <= timezone.now() for r in rows)
        responses.replace(
            responses.POST,
            f"{GRAPH}/items_batch",
            json={"handles": ["h1"], "validation_status": []},
        )
        responses.get(
            f"{GRAPH}/check_batch_request_status",
            json={"data": [{"status": "finished", "errors": []}]},
        )
        clock.shift(timedelta(minutes=15))
        assert flush_tenant(tenant.pk).succeeded == 3
    config = MetaAppConfig.objects.get(pk=meta_config.pk)
    assert (config.unreachable_since, config.outage_message) == (None, "")
    assert Product.objects.filter(meta_sync_next_attempt__isnull=False).count() == 0


@responses.activate
def test_throttling_pauses_the_queue_without_burning_attempts(
    tenant: Tenant, meta_config: MetaAppConfig, make_product: Callable[..., Product]
) -> None:
    responses.post(
        f"{GRAPH}/items_batch",
        status=400,
        json={"error": {"code": 80014, "message": "Too many calls"}},
    )
    product = make_product(tenant, sku="A")
    report = flush_tenant(tenant.pk)
    assert (report.released, report.failed) == (1, 0)
    row = Product.objects.get(pk=product.pk)
    assert (row.meta_sync_attempts, row.meta_sync_last_error) == (0, "")
    assert row.meta_sync_next_attempt <= timezone.now()
    paused = MetaAppConfig.objects.get(pk=meta_config.pk).paused_until
    assert timezone.now() + timedelta(seconds=50) < paused <= timezone.now() + timedelta(seconds=60)
    assert flush_tenant(tenant.pk).skipped.startswith("throttled by Meta; paused until")
    assert len(responses.calls) == 1
    responses.replace(
        responses.POST, f"{GRAPH}/items_batch", json={"handles": ["h1"], "validation_status": []}
    )
    responses.get(
        f"{GRAPH}/check_batch_request_status", json={"data": [{"status": "finished", "errors": []}]}
    )
    with time_machine.travel(paused + timedelta(seconds=1)):
        assert flush_tenant(tenant.pk).succeeded == 1


@responses.activate
def test_invalid_token_stops_pushes_until_a_new_token(
    tenant: Tenant, meta_config: MetaAppConfig, make_product: Callable[..., Product]
) -> None:
    responses.post(
        f"{GRAPH}/items_batch",
        status=400,
        json={
            "error": {
                "code": 190,
                "message": "Error validating access token",
                "type": "OAuthException",
            }
        },
    )
    product = make_product(tenant, sku="A")
    flush_tenant(tenant.pk)
    config = MetaAppConfig.objects.get(pk=meta_config.pk)
    assert (config.status, config.status_message) == (
        "invalid_token",
        "Meta API error 190: Error validating access token",
    )
    assert Product.objects.get(pk=product.pk).meta_sync_attempts == 0
    assert (
        flush_tenant(tenant.pk).skipped == "the Meta config is inactive or its token was rejected"
    )
    assert len(responses.calls) == 1


def test_concurrent_claims_never_share_a_product(
    tenant: Tenant, meta_config: MetaAppConfig, make_product: Callable[..., Product]
) -> None:
    from meta_integration.push import claim_due

    for _ in range(5):
        make_product(tenant)
    first = claim_due(tenant.pk, limit=3)
    second = claim_due(tenant.pk, limit=10)
    assert len(first.product_ids) == 3
    assert len(second.product_ids) == 2
    assert not set(first.product_ids) & set(second.product_ids)
    assert claim_due(tenant.pk, limit=10).empty


@responses.activate
def test_a_product_failing_for_good_sends_one_alert(
    tenant: Tenant,
    meta_config: MetaAppConfig,
    make_product: Callable[..., Product],
    settings: Any,
    mailoutbox: list[Any],
    django_capture_on_commit_callbacks: Callable[..., Any],
) -> None:
    settings.CATALOG_ALERT_EMAILS = ["ops@example.com"]
    graph_ok(errors=[{"line": 0, "id": "A", "message": "Invalid price format"}])
    product = make_product(tenant, sku="A", name="Alpha")
    Product.objects.filter(pk=product.pk).update(meta_sync_attempts=4)
    with django_capture_on_commit_callbacks(execute=True):
        assert flush_tenant(tenant.pk).gave_up == 1
    assert [(m.subject, m.to) for m in mailoutbox] == [
        ("[Catalog Sync] 1 product(s) of Acme Outdoor failed to reach Meta", ["ops@example.com"])
    ]
    assert f"Alpha (SKU A, product #{product.pk}): A: Invalid price format" in mailoutbox[0].body


@responses.activate
def test_a_product_without_an_image_is_held_back_with_its_reason_and_no_attempt(
    tenant: Tenant, meta_config: MetaAppConfig, make_product: Callable[..., Product]
) -> None:
    """Regression (issue 11, finding 3): a new Meta item needs an image, so a product without
    one is not sent to fail: it is held with a merchant-readable reason, costing no attempt,
    while its neighbours go out with their image_link."""
    from meta_integration.mapping import NO_IMAGE_REASON

    assert meta_config.include_images is True
    bare = make_product(tenant, sku="BARE", name="No picture", image_url=None)
    make_product(tenant, sku="PIC", name="Pictured", image_url="https://img.example.com/pic.jpg")
    graph_ok()
    report = flush_tenant(tenant.pk)
    assert (report.succeeded, report.held, report.batch_calls) == (1, 1, 1)
    [sent] = sent_requests()
    assert sent["data"]["id"] == "PIC"
    assert sent["data"]["image_link"] == "https://img.example.com/pic.jpg"
    bare.refresh_from_db()
    assert (bare.meta_sync_last_error, bare.meta_sync_attempts) == (NO_IMAGE_REASON, 0)
    assert bare.meta_sync_next_attempt is None


@responses.activate
def test_a_flush_with_a_budget_stops_after_the_batch_that_spends_it(
    tenant: Tenant, meta_config: MetaAppConfig, make_product: Callable[..., Product], settings: Any
) -> None:
    """A slice: one batch, then `more` so the task queues the next slice behind other tenants;
    the next slice carries on with what is still due."""
    settings.META_BATCH_SIZE = 2
    for sku in ("A", "B", "C"):
        make_product(tenant, sku=sku, name=f"Lamp {sku}")
    graph_ok()
    first = flush_tenant(tenant.pk, budget_seconds=0)
    assert (first.succeeded, first.batch_calls, first.more) == (2, 1, True)
    assert Product.objects.filter(meta_sync_next_attempt__isnull=False).count() == 1
    second = flush_tenant(tenant.pk, budget_seconds=0)
    assert (second.succeeded, second.batch_calls, second.more) == (1, 1, True)
    last = flush_tenant(tenant.pk, budget_seconds=0)
    assert (last.succeeded, last.batch_calls, last.more) == (0, 0, False)
    unbounded = flush_tenant(tenant.pk)
    assert (unbounded.batch_calls, unbounded.more) == (0, False)


@responses.activate
def test_a_worker_killed_after_meta_took_its_batch_leaves_the_ids_on_record(
    tenant: Tenant, meta_config: MetaAppConfig, make_product: Callable[..., Product]
) -> None:
    """The ids a round sends for the first time are written ahead of its first call: a worker
    killed once Meta took the call (here: at its first status poll) records nothing else, the
    product is deactivated before its lease runs out, and its next push still deletes the item
    Meta may hold."""
    product = make_product(tenant, sku="KILLED")
    responses.post(f"{GRAPH}/items_batch", json={"handles": ["h1"], "validation_status": []})

    def killed(request: Any) -> Any:
        raise SystemExit("the worker process is killed")

    responses.add_callback(responses.GET, f"{GRAPH}/check_batch_request_status", callback=killed)
    with pytest.raises(SystemExit):
        flush_tenant(tenant.pk)
    assert Product.objects.get(pk=product.pk).meta_pushed_ids == ["KILLED"]
    update_product(product=product, fields={"is_active": False})
    responses.reset()
    graph_ok()
    assert flush_tenant(tenant.pk).succeeded == 1
    assert sent_requests() == [{"method": "DELETE", "data": {"id": "KILLED"}}]
    assert Product.objects.get(pk=product.pk).meta_pushed_ids == []
