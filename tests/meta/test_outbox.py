"""Every write that changes what Meta should hold leaves durable intent, in the same transaction."""

from collections.abc import Callable
from decimal import Decimal

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from meta_integration.models import MetaDeletion
from meta_integration.outbox import mark_pending
from products_and_services.models import Product
from products_and_services.services import create_product, delete_products, update_product
from tenants.models import Tenant

pytestmark = pytest.mark.django_db


def clear_pending() -> None:
    Product.objects.update(meta_sync_next_attempt=None)


def test_create_and_update_mark_pending(
    tenant: Tenant, make_product: Callable[..., Product]
) -> None:
    product = make_product(tenant)
    assert Product.objects.get(pk=product.pk).meta_sync_next_attempt is not None
    clear_pending()
    product.refresh_from_db()
    update_product(product=product, fields={"price": Decimal("11.00")})
    assert Product.objects.get(pk=product.pk).meta_sync_next_attempt is not None


def test_raw_orm_writes_are_not_catalog_changes(tenant: Tenant) -> None:
    """One road: only the catalog services announce changes (no model signals)."""
    product = Product.objects.create(tenant=tenant, name="Raw", sku="RAW", price=Decimal("1"))
    assert Product.objects.get(pk=product.pk).meta_sync_next_attempt is None


def test_a_put_with_variants_writes_the_product_once_and_marks_it_once(
    tenant: Tenant, make_product: Callable[..., Product]
) -> None:
    product = make_product(
        tenant,
        sku="TENT",
        variants=[
            {"sku": "TENT-S", "options": {"Size": "S"}},
            {"sku": "TENT-M", "options": {"Size": "M"}},
            {"sku": "TENT-L", "options": {"Size": "L"}},
        ],
    )
    clear_pending()
    kept = list(product.variants.order_by("position").values("id", "sku", "options"))[:2]
    with CaptureQueriesContext(connection) as queries:
        update_product(
            product=product,
            fields={"price": Decimal("12.00")},
            variants=[*kept, {"sku": "TENT-XL", "options": {"Size": "XL"}}],
        )
    product_writes = [
        q["sql"]
        for q in queries.captured_queries
        if q["sql"].startswith('UPDATE "products_and_services_product"')
    ]
    assert len(product_writes) == 2  # the row's own save, then one pending mark
    assert "meta_sync_next_attempt" not in product_writes[0]
    assert '"meta_sync_next_attempt" =' in product_writes[1]
    assert Product.objects.get(pk=product.pk).meta_sync_next_attempt is not None


def test_a_stale_full_save_never_erases_what_a_push_recorded(
    tenant: Tenant, make_product: Callable[..., Product]
) -> None:
    """The race of issue 12: load, a push of RACE-A completes, the stale instance is saved."""
    product = make_product(tenant, sku="RACE-A")
    stale = Product.objects.get(pk=product.pk)
    Product.objects.filter(pk=product.pk).update(
        meta_pushed_ids=["RACE-A"], meta_payload_hash="h", meta_sync_next_attempt=None
    )
    update_product(product=stale, fields={"sku": "RACE-B"})
    row = Product.objects.get(pk=product.pk)
    assert (row.sku, row.meta_pushed_ids, row.meta_payload_hash) == ("RACE-B", ["RACE-A"], "h")
    assert row.meta_sync_next_attempt is not None


def test_tracking_writes_do_not_mark_pending(
    tenant: Tenant, make_product: Callable[..., Product]
) -> None:
    product = make_product(tenant)
    clear_pending()
    product.meta_sync_last_error = "x"
    product.save(update_fields=["meta_sync_last_error"])
    assert Product.objects.get(pk=product.pk).meta_sync_next_attempt is None


def test_an_edit_after_five_failures_starts_a_fresh_attempt_cycle(
    tenant: Tenant, make_product: Callable[..., Product]
) -> None:
    """The failure was about the old content; removals must get out whatever the count."""
    product = make_product(tenant)
    Product.objects.filter(pk=product.pk).update(meta_sync_attempts=5, meta_sync_next_attempt=None)
    product.refresh_from_db()
    update_product(product=product, fields={"is_active": False})
    row = Product.objects.get(pk=product.pk)
    assert (row.meta_sync_attempts, row.meta_sync_next_attempt is not None) == (0, True)


def test_bulk_service_marks_only_given_products(
    tenant: Tenant, make_product: Callable[..., Product]
) -> None:
    a, b = make_product(tenant), make_product(tenant)
    clear_pending()
    assert mark_pending(Product.objects.filter(pk=a.pk)) == 1
    assert Product.objects.get(pk=a.pk).meta_sync_next_attempt is not None
    assert Product.objects.get(pk=b.pk).meta_sync_next_attempt is None


def test_rolled_back_save_leaves_no_intent(
    tenant: Tenant, make_product: Callable[..., Product]
) -> None:
    product = make_product(tenant)
    clear_pending()
    with pytest.raises(RuntimeError), transaction.atomic():
        update_product(product=product, fields={"price": Decimal("99.00")})
        raise RuntimeError("abort")
    row = Product.objects.get(pk=product.pk)
    assert row.meta_sync_next_attempt is None
    assert row.price == Decimal("10.00")


def test_delete_writes_tombstones_for_pushed_ids(
    tenant: Tenant, make_product: Callable[..., Product]
) -> None:
    product = make_product(tenant, sku="TENT")
    Product.objects.filter(pk=product.pk).update(
        meta_pushed_ids=["TENT-M", "TENT-L"], meta_sync_next_attempt=None
    )
    delete_products(tenant_id=tenant.pk, product_ids=[product.pk])
    tombstones = list(
        MetaDeletion.objects.order_by("retailer_id").values_list("retailer_id", "tenant_id")
    )
    assert tombstones == [("TENT-L", tenant.id), ("TENT-M", tenant.id)]
    assert all(t.next_attempt <= timezone.now() for t in MetaDeletion.objects.all())


def test_deleting_a_product_meta_never_held_writes_nothing(
    tenant: Tenant, make_product: Callable[..., Product]
) -> None:
    product = make_product(tenant, sku="")
    make_product(tenant, sku="DONE")
    Product.objects.filter(sku="DONE").update(meta_sync_next_attempt=None)
    delete_products(tenant_id=tenant.pk, product_ids=[product.pk])
    delete_products(tenant_id=tenant.pk, product_ids=[Product.objects.get(sku="DONE").pk])
    assert MetaDeletion.objects.count() == 0


def test_deleting_a_product_with_a_push_pending_forgets_its_current_ids(
    tenant: Tenant, make_product: Callable[..., Product]
) -> None:
    """The push may be in flight: Meta may hold the item by the time it lands."""
    product = make_product(tenant, sku="TENT", variants=[{"sku": "TENT-S"}])
    delete_products(tenant_id=tenant.pk, product_ids=[product.pk])
    assert sorted(MetaDeletion.objects.values_list("retailer_id", flat=True)) == ["TENT", "TENT-S"]


def test_save_succeeds_when_the_broker_is_down(
    tenant: Tenant,
    meta_config: object,
    broker_down: None,
    django_capture_on_commit_callbacks: Callable,
) -> None:
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        product = create_product(
            tenant=tenant, fields={"name": "Lamp", "sku": "LAMP", "price": Decimal("5")}
        )
    assert len(callbacks) == 1
    assert Product.objects.get(pk=product.pk).meta_sync_next_attempt is not None
