"""The knowledge index's subscription to catalog changes (connected in AppConfig.ready).

Saved products are re-indexed after the writer's transaction commits (the indexer skips the
embeddings call when only metadata changed). Deleted products lose their document and chunks by
FK cascade, so removals need nothing here.
"""

from typing import Any

from django.dispatch import receiver

from knowledge.triggers import schedule_reindex
from products_and_services.events import CatalogChange, catalog_changed


@receiver(catalog_changed, dispatch_uid="knowledge_catalog_changed")
def catalog_change_to_index(sender: object, change: CatalogChange, **_: Any) -> None:
    if change.saved_ids:
        schedule_reindex(change.saved_ids, tenant_id=change.tenant_id)
