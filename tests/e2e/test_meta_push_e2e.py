"""Meta push end to end: Django saves → outbox → real worker → items_batch on the simulator."""

import threading
from collections.abc import Callable
from decimal import Decimal
from typing import Any

import pytest
from django.db import connections, transaction

from meta_integration.models import MetaAppConfig, MetaParkedRound
from meta_integration.push import flush_tenant
from meta_integration.tasks import drain_meta_outbox
from products_and_services.models import Product, ProductImage
from products_and_services.services import delete_products, update_product
from tenants.models import Tenant
from tests.e2e.conftest import MetaHandle, create_with_image, wait_until

pytestmark = [pytest.mark.e2e, pytest.mark.services]


def synced(product_id: int) -> bool:
    row = Product.objects.get(pk=product_id)
    return row.meta_sync_next_attempt is None and row.meta_sync_last_success is not None


def test_create_update_delete_reach_the_catalog(
    celery_worker: Any, tenant: Tenant, e2e_meta_config: MetaAppConfig, meta_sim: MetaHandle
) -> None:
    product = create_with_image(
        tenant=tenant, fields={"name": "Trail Tent", "sku": "TENT", "price": Decimal("189.5")}
    )
    item = wait_until(lambda: meta_sim.items().get("TENT"))
    assert (item["title"], item["price"], item["availability"]) == (
        "Trail Tent",
        "189.50 USD",
        "in stock",
    )

    update_product(product=product, fields={"price": Decimal("150"), "stock_quantity": 0})
    wait_until(lambda: meta_sim.items()["TENT"]["price"] == "150.00 USD")
    assert meta_sim.items()["TENT"]["availability"] == "out of stock"

    update_product(product=product, fields={"is_active": False})
    wait_until(lambda: "TENT" not in meta_sim.items())
    update_product(product=product, fields={"is_active": True})
    wait_until(lambda: "TENT" in meta_sim.items())
    delete_products(tenant_id=tenant.pk, product_ids=[product.pk])
    wait_until(lambda: "TENT" not in meta_sim.items())


def test_sku_change_leaves_only_the_new_id(
    celery_worker: Any, tenant: Tenant, e2e_meta_config: MetaAppConfig, meta_sim: MetaHandle
) -> None:
    product = create_with_image(
        tenant=tenant, fields={"name": "Mug", "sku": "MUG-OLD", "price": Decimal("12")}
    )
    wait_until(lambda: "MUG-OLD" in meta_sim.items())
    update_product(product=product, fields={"sku": "MUG-NEW"})
    wait_until(lambda: set(meta_sim.items()) == {"MUG-NEW"})


def test_variants_become_grouped_items(
    celery_worker: Any, tenant: Tenant, e2e_meta_config: MetaAppConfig, meta_sim: MetaHandle
) -> None:
    create_with_image(
        tenant=tenant,
        fields={"name": "Shirt", "sku": "SHIRT", "price": Decimal("20")},
        variants=[
            {"sku": "SHIRT-S", "options": {"Size": "S"}, "stock_quantity": 2},
            {"sku": "SHIRT-M", "options": {"Size": "M"}, "stock_quantity": 0},
        ],
    )
    items = wait_until(
        lambda: (lambda i: i if set(i) == {"SHIRT-S", "SHIRT-M"} else None)(meta_sim.items())
    )
    assert {i["item_group_id"] for i in items.values()} == {"SHIRT"}
    assert items["SHIRT-S"]["additional_variant_attribute"] == "Size:S"
    assert items["SHIRT-M"]["availability"] == "out of stock"


def test_ineligible_products_are_never_sent(
    celery_worker: Any, tenant: Tenant, e2e_meta_config: MetaAppConfig, meta_sim: MetaHandle
) -> None:
    create_with_image(tenant=tenant, fields={"name": "No SKU", "sku": "", "price": Decimal("1")})
    create_with_image(
        tenant=tenant,
        fields={"name": "Inactive", "sku": "OFF", "price": Decimal("1"), "is_active": False},
    )
    sentinel = create_with_image(
        tenant=tenant, fields={"name": "Sentinel", "sku": "SENTINEL", "price": Decimal("1")}
    )
    wait_until(lambda: synced(sentinel.pk))
    wait_until(lambda: not Product.objects.filter(meta_sync_next_attempt__isnull=False).exists())
    assert set(meta_sim.items()) == {"SENTINEL"}
    sent_ids = [r for call in meta_sim.batch_calls() for r in call.get("ids", [])]
    assert "OFF" not in sent_ids


def test_change_saved_while_the_broker_is_down_is_delivered_by_the_drain(
    celery_worker: Any,
    tenant: Tenant,
    e2e_meta_config: MetaAppConfig,
    meta_sim: MetaHandle,
    broker_down_for_producers: Callable[[], Any],
) -> None:
    with broker_down_for_producers():
        product = create_with_image(
            tenant=tenant, fields={"name": "Lantern", "sku": "LANTERN", "price": Decimal("35")}
        )
    assert Product.objects.get(pk=product.pk).meta_sync_next_attempt is not None
    assert meta_sim.items() == {}
    drain_meta_outbox.delay()
    wait_until(lambda: "LANTERN" in meta_sim.items())


@pytest.mark.django_db(transaction=True)
def test_two_flushes_at_once_send_each_product_once(
    tenant: Tenant,
    e2e_meta_config: MetaAppConfig,
    meta_sim: MetaHandle,
    settings: Any,
) -> None:
    settings.META_BATCH_SIZE = 100
    meta_sim.configure(batch_calls_per_minute=0, latency_ms=20)
    Product.objects.bulk_create(
        Product(
            tenant=tenant,
            name=f"P{i}",
            sku=f"P{i:04d}",
            price=Decimal("5"),
            meta_sync_next_attempt=None,
        )
        for i in range(600)
    )
    ProductImage.objects.bulk_create(
        ProductImage(product=p, url=f"https://img.example.com/{p.sku}.jpg")
        for p in Product.objects.filter(tenant=tenant)
    )
    Product.objects.update(meta_sync_next_attempt=Product.objects.first().created_at)
    reports = []

    def flush() -> None:
        try:
            reports.append(flush_tenant(tenant.pk))
        finally:
            connections.close_all()

    threads = [threading.Thread(target=flush) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    sent = [rid for call in meta_sim.batch_calls() for rid in call["ids"]]
    assert len(sent) == 600
    assert len(set(sent)) == 600
    assert sum(r.succeeded for r in reports) == 600
    assert len(meta_sim.items()) == 600


def test_a_flush_in_slices_queues_itself_until_every_product_is_pushed(
    celery_worker: Any,
    tenant: Tenant,
    e2e_meta_config: MetaAppConfig,
    meta_sim: MetaHandle,
    settings: Any,
) -> None:
    """Each flush task pushes one batch of 2 (a zero budget) and queues the next slice."""
    settings.META_FLUSH_SLICE_SECONDS = 0
    settings.META_BATCH_SIZE = 2
    with transaction.atomic():  # one flush queued, after the commit
        products = [
            create_with_image(
                tenant=tenant,
                fields={"name": f"Lamp {n}", "sku": f"LAMP-{n}", "price": Decimal("5")},
            )
            for n in range(5)
        ]
    wait_until(lambda: all(synced(p.pk) for p in products))
    assert sorted(meta_sim.items()) == [f"LAMP-{n}" for n in range(5)]
    assert [call["requests"] for call in meta_sim.batch_calls()] == [2, 2, 1]


def test_a_slow_batch_is_parked_and_settled_by_delayed_rechecks(
    celery_worker: Any,
    tenant: Tenant,
    e2e_meta_config: MetaAppConfig,
    meta_sim: MetaHandle,
    settings: Any,
) -> None:
    """The flush polls for 0.1 s, parks the batch and ends; delayed re-check tasks on the real
    worker poll it (0.1, 0.2, 0.4, 0.8 and 1.6 s apart) until Meta finishes, then record it."""
    settings.META_STATUS_INLINE_SECONDS = 0.1
    meta_sim.configure(polls_until_finished=6)
    product = create_with_image(
        tenant=tenant, fields={"name": "Slow Lamp", "sku": "LAMP", "price": Decimal("30")}
    )
    parked = wait_until(lambda: MetaParkedRound.objects.first())
    assert parked.state["calls"][0]["ids"] == ["LAMP"]
    wait_until(lambda: synced(product.pk))
    assert not MetaParkedRound.objects.exists()
    calls = meta_sim.get("/_sim/calls")["calls"]
    assert [c["kind"] for c in calls] == ["items_batch"] + ["batch_status"] * 7
    assert meta_sim.items()["LAMP"]["price"] == "30.00 USD"
    assert Product.objects.get(pk=product.pk).meta_pushed_ids == ["LAMP"]
