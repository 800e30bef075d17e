"""Signal receivers that turn catalog writes into push intent (connected in AppConfig.ready).

Bulk writes that bypass signals (the pull engine's bulk_create/bulk_update) call
`outbox.mark_pending` themselves.
"""

from typing import Any

from django.db.models.signals import post_delete, post_save, pre_delete, pre_save
from django.dispatch import receiver
from django.utils import timezone

from meta_integration.backoff import MAX_ATTEMPTS
from meta_integration.outbox import mark_pending, record_deletions, schedule_flush
from products_and_services.models import Product, ProductImage, ProductVariant

TRACKING_FIELDS = frozenset(
    f.name
    for f in Product._meta.get_fields()
    if f.name.startswith("meta_") or f.name == "whatsapp_catalog_id"
)


def _only_tracking(update_fields: frozenset[str] | None) -> bool:
    return update_fields is not None and set(update_fields) <= TRACKING_FIELDS


@receiver(pre_save, sender=Product, dispatch_uid="meta_product_pre_save")
def product_pre_save(
    sender: type[Product], instance: Product, raw: bool, update_fields: Any, **_: Any
) -> None:
    """A full save writes the pending mark in the same UPDATE/INSERT as the change itself."""
    if raw or _only_tracking(update_fields):
        return
    if instance.meta_sync_attempts < MAX_ATTEMPTS:
        instance.meta_sync_next_attempt = timezone.now()


@receiver(post_save, sender=Product, dispatch_uid="meta_product_post_save")
def product_post_save(
    sender: type[Product], instance: Product, raw: bool, update_fields: Any, **_: Any
) -> None:
    if raw or _only_tracking(update_fields):
        return
    if update_fields is not None and "meta_sync_next_attempt" not in update_fields:
        mark_pending([instance.pk])  # a partial save did not write the mark; same transaction
    else:
        schedule_flush(instance.tenant_id)


def ids_meta_may_hold(product: Product) -> set[str]:
    """What a deleted product may have in Meta: what was confirmed, plus what may be in flight.

    A push may be pending, in flight or partly failed when the product is deleted; then its
    current ids are included too (DELETE is idempotent).
    """
    ids = set(product.meta_pushed_ids or [])
    if product.meta_sync_next_attempt is not None or product.meta_sync_attempts > 0:
        ids.update(
            sku for sku in (product.sku, *product.variants.values_list("sku", flat=True)) if sku
        )
    return ids


@receiver(pre_delete, sender=Product, dispatch_uid="meta_product_pre_delete")
def product_pre_delete(sender: type[Product], instance: Product, **_: Any) -> None:
    """Read the ids before the variants go (they are deleted first)."""
    fresh = Product.objects.filter(pk=instance.pk).first()
    instance._meta_ids_to_forget = ids_meta_may_hold(fresh or instance)  # type: ignore[attr-defined]


@receiver(post_delete, sender=Product, dispatch_uid="meta_product_post_delete")
def product_post_delete(sender: type[Product], instance: Product, **_: Any) -> None:
    ids = getattr(instance, "_meta_ids_to_forget", None)
    record_deletions(
        tenant_id=instance.tenant_id,
        retailer_ids=ids if ids is not None else instance.meta_pushed_ids or [],
        product_name=instance.name,
    )


@receiver(post_save, sender=ProductVariant, dispatch_uid="meta_variant_saved")
@receiver(post_delete, sender=ProductVariant, dispatch_uid="meta_variant_deleted")
@receiver(post_save, sender=ProductImage, dispatch_uid="meta_image_saved")
@receiver(post_delete, sender=ProductImage, dispatch_uid="meta_image_deleted")
def child_changed(
    sender: type, instance: ProductVariant | ProductImage, raw: bool = False, **_: Any
) -> None:
    if not raw:
        mark_pending([instance.product_id])
