"""Celery tasks for the Meta push: thin wrappers over meta_integration.push."""

import logging
from dataclasses import asdict
from typing import Any

from celery import shared_task
from django.conf import settings
from django.db.models import Q
from django.utils import timezone

from meta_integration.models import MetaAppConfig, MetaDeletion
from meta_integration.outbox import enqueue_flush
from meta_integration.parking import enqueue_recheck, overdue, recheck
from meta_integration.push import flush_tenant
from products_and_services.models import Product

logger = logging.getLogger(__name__)


@shared_task(name="meta_integration.flush_meta_catalog", acks_late=True)
def flush_meta_catalog(tenant_id: str) -> dict[str, Any]:
    """Push what is due for one tenant for up to `META_FLUSH_SLICE_SECONDS`, then queue the
    next slice, so one large catalog does not hold a worker while other tenants wait (beat's
    drain queues it if the broker is down). Safe to run twice: rows are claimed under SKIP
    LOCKED."""
    report = flush_tenant(tenant_id, budget_seconds=settings.META_FLUSH_SLICE_SECONDS)
    logger.info("Meta flush for tenant %s: %s", tenant_id, asdict(report))
    if report.more:
        enqueue_flush(tenant_id)
    return asdict(report)


def tenants_with_due_work() -> list[str]:
    now = timezone.now()
    active = MetaAppConfig.objects.filter(is_active=True, status="ok").filter(
        Q(paused_until__isnull=True) | Q(paused_until__lte=now)
    )
    tenant_ids = set(active.values_list("tenant_id", flat=True))
    due = set(
        Product.objects.filter(tenant_id__in=tenant_ids, meta_sync_next_attempt__lte=now)
        .values_list("tenant_id", flat=True)
        .distinct()
    ) | set(
        MetaDeletion.objects.filter(tenant_id__in=tenant_ids, next_attempt__lte=now)
        .values_list("tenant_id", flat=True)
        .distinct()
    )
    return sorted(str(t) for t in due)


@shared_task(name="meta_integration.recheck_meta_batch", acks_late=True)
def recheck_meta_batch(parked_id: int) -> dict[str, Any]:
    """Poll a batch Meta was slow to finish (see `meta_integration.parking`): record its round
    when done, else queue the next re-check. Safe to run twice: a re-check claims the row."""
    result = recheck(parked_id)
    logger.info("Meta re-check of parked round %s: %s", parked_id, asdict(result))
    return asdict(result)


@shared_task(name="meta_integration.drain_meta_outbox", acks_late=True)
def drain_meta_outbox() -> int:
    """Beat, every minute: queue a flush for each tenant with due work and a re-check for each
    parked batch whose task is due or lost, whatever was lost before."""
    tenants = tenants_with_due_work()
    for tenant_id in tenants:
        enqueue_flush(tenant_id)
    for parked_id in overdue():
        enqueue_recheck(parked_id, 0)
    return len(tenants)
