"""Durable push intent: marking products pending, tombstones, and queueing the flush.

Every write that changes what Meta should hold records it here, in the writer's
transaction; the flush task is only queued after commit, and the beat drain
picks up anything whose task was lost.
"""

import logging
from collections.abc import Iterable

from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone

from meta_integration.models import MetaDeletion
from products_and_services.models import Product

logger = logging.getLogger(__name__)


def mark_pending(products: QuerySet[Product] | Iterable[int], *, tenant_id: object = None) -> int:
    """Mark products due for a push now, with a fresh attempt cycle; returns rows.

    Every catalog change comes here, whatever the product's past: a failure was about the old
    content, and a removal (deactivated, SKU cleared) must reach Meta even after five failed
    pushes. Callers that know the tenant pass it, which saves a query on the bulk paths.
    """
    if isinstance(products, QuerySet):
        queryset = products
    else:
        queryset = Product.objects.filter(pk__in=list(products))
    now = timezone.now()
    count = queryset.update(meta_sync_next_attempt=now, meta_sync_attempts=0)
    if tenant_id is not None:
        tenants: set[object] = {tenant_id}
    else:
        tenants = set(queryset.values_list("tenant_id", flat=True).distinct())
    for tenant in tenants:
        schedule_flush(tenant)
    return count


def record_deletions(*, tenant_id: object, retailer_ids: Iterable[str], product_name: str) -> None:
    """Tombstones for every id Meta may hold for a product that is being deleted."""
    ids = sorted({rid for rid in retailer_ids if rid})
    if not ids:
        return
    now = timezone.now()
    MetaDeletion.objects.bulk_create(
        MetaDeletion(
            tenant_id=tenant_id, retailer_id=rid, product_name=product_name[:500], next_attempt=now
        )
        for rid in ids
    )
    schedule_flush(tenant_id)


def reset_attempts(products: QuerySet[Product]) -> int:
    """Admin reset: clear the failure state and push again now."""
    # Read the tenants first: a queryset filtered on the failure state (the admin's "Failed"
    # filter) is empty once the update has cleared it, and no push would be queued.
    tenant_ids = set(products.values_list("tenant_id", flat=True).distinct())
    count = products.update(
        meta_sync_attempts=0, meta_sync_last_error="", meta_sync_next_attempt=timezone.now()
    )
    for tenant_id in tenant_ids:
        schedule_flush(tenant_id)
    return count


def schedule_flush(tenant_id: object) -> None:
    """Queue one flush per tenant after the current transaction commits.

    Many saves in one transaction register a single callback: we look for ours
    among the connection's pending hooks (cleared by Django on rollback).
    """
    key = str(tenant_id)
    connection = transaction.get_connection()
    for hook in connection.run_on_commit:
        if getattr(hook[1], "meta_flush_tenant", None) == key:
            return

    def enqueue() -> None:
        enqueue_flush(key)

    enqueue.meta_flush_tenant = key  # type: ignore[attr-defined]
    transaction.on_commit(enqueue)


def enqueue_flush(tenant_id: str) -> bool:
    """Send the flush task; a broker outage must never fail the save (the beat drain retries)."""
    from meta_integration.tasks import flush_meta_catalog

    try:
        flush_meta_catalog.apply_async(args=[tenant_id], retry=False)
        return True
    except Exception as exc:
        logger.warning(
            "Could not queue the Meta flush for tenant %s (%s); the drain will.",
            tenant_id,
            type(exc).__name__,
        )
        return False
