"""Signal receivers that queue re-indexing when a product or its images change.

Bulk writes that bypass signals (the pull engine's upsert) call
`triggers.schedule_reindex` themselves. Deleting a product removes its document and
chunks by FK cascade, so deletes need no receiver.
"""

from typing import Any

from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver

from knowledge.indexing import INDEXED_FIELDS
from knowledge.triggers import schedule_reindex
from products_and_services.models import Product, ProductImage


@receiver(post_save, sender=Product, dispatch_uid="knowledge_product_saved")
def product_saved(
    sender: type[Product], instance: Product, raw: bool, update_fields: Any, **_: Any
) -> None:
    if raw or (update_fields is not None and not set(update_fields) & INDEXED_FIELDS):
        return
    schedule_reindex([instance.pk], tenant_id=instance.tenant_id)


@receiver(post_save, sender=ProductImage, dispatch_uid="knowledge_image_saved")
@receiver(post_delete, sender=ProductImage, dispatch_uid="knowledge_image_deleted")
def image_changed(sender: type[ProductImage], instance: ProductImage, **kwargs: Any) -> None:
    if kwargs.get("raw"):
        return
    tenant_id = Product.objects.filter(pk=instance.product_id).values_list("tenant_id", flat=True)
    for tenant in tenant_id:
        schedule_reindex([instance.product_id], tenant_id=tenant)
