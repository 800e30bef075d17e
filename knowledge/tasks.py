"""Celery tasks for the knowledge index (queue `knowledge`): thin wrappers over indexing."""

import logging
from dataclasses import asdict
from typing import Any

from celery import shared_task

from integrations.http import RetryableError
from knowledge.embeddings import indexing_enabled
from knowledge.indexing import index_products as index_products_service
from knowledge.indexing import stale_products
from knowledge.triggers import enqueue_index

logger = logging.getLogger(__name__)

SWEEP_LIMIT = 5000
SWEEP_TASK_SIZE = 500


@shared_task(
    name="knowledge.index_products",
    acks_late=True,
    autoretry_for=(RetryableError,),
    retry_backoff=30,
    retry_backoff_max=600,
    max_retries=3,
)
def index_products(tenant_id: str, product_ids: list[int]) -> dict[str, Any]:
    """Re-embed changed products of one tenant, update metadata of the rest. Idempotent."""
    report = index_products_service(tenant_id=tenant_id, product_ids=product_ids)
    logger.info("Knowledge indexing for tenant %s: %s", tenant_id, asdict(report))
    return asdict(report)


@shared_task(name="knowledge.sweep_stale_documents", acks_late=True)
def sweep_stale_documents() -> int:
    """Beat: queue every product whose document is stale or missing (lost tasks, failures)."""
    if not indexing_enabled():
        return 0
    by_tenant: dict[str, list[int]] = {}
    for tenant_id, product_id in stale_products(SWEEP_LIMIT).values_list("tenant_id", "pk"):
        by_tenant.setdefault(str(tenant_id), []).append(product_id)
    queued = 0
    for tenant_id, ids in by_tenant.items():
        for start in range(0, len(ids), SWEEP_TASK_SIZE):
            if enqueue_index(tenant_id, ids[start : start + SWEEP_TASK_SIZE]):
                queued += len(ids[start : start + SWEEP_TASK_SIZE])
    return queued
