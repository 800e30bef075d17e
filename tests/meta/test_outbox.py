"""Every write that changes what Meta should hold leaves durable intent, in the same transaction."""

from collections.abc import Callable
from decimal import Decimal

import pytest
from django.db import transaction
from django.utils import timezone

from meta_integration.models import MetaDeletion
from meta_integration.outbox import mark_pending
from products_and_services.models import Product, ProductImage, ProductVariant
from tenants.models import Tenant

pytestmark = pytest.mark.django_db


def clear_pending() -> None:
    Product.objects.update(meta_sync_next_attempt=None)


def test_create_and_save_mark_pending(tenant: Tenant, make_product: Callable[..., Product]) -> None:
    product = make_product(tenant)
    assert Product.objects.get(pk=product.pk).meta_sync_next_attempt is not None
    clear_pending()
    product.refresh_from_db()
    product.price = Decimal("11.00")
    product.save()
    assert Product.objects.get(pk=product.pk).meta_sync_next_attempt is not None


def test_partial_save_marks_pending_too(
    tenant: Tenant, make_product: Callable[..., Product]
) -> None:
    product = make_product(tenant)
    clear_pending()
    product.price = Decimal("12.00")
    product.save(update_fields=["price"])
    assert Product.objects.get(pk=product.pk).meta_sync_next_attempt is not None


def test_variant_and_image_changes_mark_parent(
    tenant: Tenant, make_product: Callable[..., Product]
) -> None:
    product = make_product(tenant)
    clear_pending()
    variant = ProductVariant.objects.create(product=product, sku="V1", options={"Size": "M"})
    assert Product.objects.get(pk=product.pk).meta_sync_next_attempt is not None
    clear_pending()
    variant.delete()
    assert Product.objects.get(pk=product.pk).meta_sync_next_attempt is not None
    clear_pending()
    ProductImage.objects.create(product=product, url="https://img.example.com/a.png")
    assert Product.objects.get(pk=product.pk).meta_sync_next_attempt is not None


def test_tracking_writes_do_not_mark_pending(
    tenant: Tenant, make_product: Callable[..., Product]
) -> None:
    product = make_product(tenant)
    clear_pending()
    product.meta_sync_last_error = "x"
    product.save(update_fields=["meta_sync_last_error"])
    assert Product.objects.get(pk=product.pk).meta_sync_next_attempt is None


def test_failed_products_stay_stopped_on_edit(
    tenant: Tenant, make_product: Callable[..., Product]
) -> None:
    product = make_product(tenant)
    Product.objects.filter(pk=product.pk).update(meta_sync_attempts=5, meta_sync_next_attempt=None)
    product.refresh_from_db()
    product.name = "Renamed"
    product.save()
    assert Product.objects.get(pk=product.pk).meta_sync_next_attempt is None


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
        product.price = Decimal("99.00")
        product.save()
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
    product.refresh_from_db()
    product.delete()
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
    product.delete()
    Product.objects.get(sku="DONE").delete()
    assert MetaDeletion.objects.count() == 0


def test_deleting_a_product_with_a_push_pending_forgets_its_current_ids(
    tenant: Tenant, make_product: Callable[..., Product]
) -> None:
    """The push may be in flight: Meta may hold the item by the time it lands."""
    product = make_product(tenant, sku="TENT")
    ProductVariant.objects.create(product=product, sku="TENT-S", options={"Size": "S"})
    Product.objects.get(pk=product.pk).delete()
    assert sorted(MetaDeletion.objects.values_list("retailer_id", flat=True)) == ["TENT", "TENT-S"]


def test_save_succeeds_when_the_broker_is_down(
    tenant: Tenant,
    meta_config: object,
    broker_down: None,
    django_capture_on_commit_callbacks: Callable,
) -> None:
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        product = Product.objects.create(tenant=tenant, name="Lamp", sku="LAMP", price=Decimal("5"))
    assert len(callbacks) == 1
    assert Product.objects.get(pk=product.pk).meta_sync_next_attempt is not None
