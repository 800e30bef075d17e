"""The Meta outbox's subscription to catalog changes (connected in AppConfig.ready).

A saved product is marked pending; a product about to be deleted leaves a tombstone for every
id Meta may hold for it. Both are written in the writer's transaction, so the intent is durable
before the write commits, and nothing here waits on the broker.
"""

from typing import Any

from django.dispatch import receiver

from meta_integration.outbox import mark_pending, record_deletions
from products_and_services.events import CatalogChange, catalog_changed
from products_and_services.models import Product


@receiver(catalog_changed, dispatch_uid="meta_outbox_catalog_changed")
def catalog_change_to_outbox(sender: object, change: CatalogChange, **_: Any) -> None:
    if change.saved_ids:
        # Rows inserted due need no second write: marking is then only the flush's queueing.
        mark_pending(sorted(change.saved_ids - change.born_due_ids), tenant_id=change.tenant_id)
    if change.removing_ids:
        for product in Product.objects.filter(pk__in=change.removing_ids).prefetch_related(
            "variants"
        ):
            record_deletions(
                tenant_id=change.tenant_id,
                retailer_ids=ids_meta_may_hold(product),
                product_name=product.name,
            )


def ids_meta_may_hold(product: Product) -> set[str]:
    """What a deleted product may have in Meta: what was sent, plus what may be in flight.

    A push may be pending, in flight or partly failed when the product is deleted; then its
    current ids are included too (DELETE is idempotent).
    """
    ids = set(product.meta_pushed_ids or [])
    if product.meta_sync_next_attempt is not None or product.meta_sync_attempts > 0:
        ids.update(sku for sku in (product.sku, *(v.sku for v in product.variants.all())) if sku)
    return ids
