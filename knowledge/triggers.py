"""Queue re-indexing after the writer's transaction commits: one task per tenant per commit.

Saves and bulk upserts call `schedule_reindex`; every id written in one transaction for a
tenant joins a single after-commit hook, so a 10,000-product page queues one task, not
10,000. A lost task is caught up by the periodic sweep (`knowledge.sweep_stale_documents`).
"""

import logging
from collections.abc import Iterable

from django.db import transaction

from knowledge.embeddings import indexing_enabled

logger = logging.getLogger(__name__)


def schedule_reindex(product_ids: Iterable[int], *, tenant_id: object) -> None:
    """Re-index these products of one tenant once the current transaction commits."""
    if not indexing_enabled():
        return
    ids = {int(pk) for pk in product_ids}
    if not ids:
        return
    key = str(tenant_id)
    connection = transaction.get_connection()
    for hook in connection.run_on_commit:
        pending = getattr(hook[1], "knowledge_ids", None)
        if pending is not None and getattr(hook[1], "knowledge_tenant", None) == key:
            pending.update(ids)
            return

    def enqueue() -> None:
        enqueue_index(key, sorted(ids))

    enqueue.knowledge_ids = ids  # type: ignore[attr-defined]
    enqueue.knowledge_tenant = key  # type: ignore[attr-defined]
    transaction.on_commit(enqueue)


def enqueue_index(tenant_id: str, product_ids: list[int]) -> bool:
    """Send the task; a broker outage must never fail the save (the sweep catches up)."""
    from knowledge.tasks import index_products

    try:
        index_products.apply_async(args=[tenant_id, product_ids], retry=False)
        return True
    except Exception as exc:
        logger.warning(
            "Could not queue knowledge indexing for tenant %s (%s); the sweep will.",
            tenant_id,
            type(exc).__name__,
        )
        return False
