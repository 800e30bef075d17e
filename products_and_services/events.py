"""One road for catalog changes: the catalog services announce them, subscribers react.

Every writer (API, admin, pulls, webhooks, commands) changes products through the services in
this app, and each write announces one `CatalogChange` inside its transaction. The Meta
outbox and the knowledge index subscribe in their `AppConfig.ready()`, so both see every
change in the writer's transaction and this app imports neither of them. There are no model
signals on Product, its variants or images: a raw ORM write is not a catalog change.
"""

from collections.abc import Iterable
from dataclasses import dataclass

from django.dispatch import Signal

# Sent with `change=CatalogChange(...)`; receivers run inside the writer's transaction.
catalog_changed = Signal()


@dataclass(frozen=True)
class CatalogChange:
    """What one write did to one tenant's catalog.

    `saved_ids`: products created or changed (their Meta items and index entry may differ now).
    `removing_ids`: products about to be deleted; their rows are still readable when this is
    sent, so subscribers can note what the outside world holds for them.
    `born_due_ids`: saved products this write inserted already due for a Meta push (a bulk
    writer's new rows), which the outbox need not mark again.
    """

    tenant_id: int
    saved_ids: frozenset[int] = frozenset()
    removing_ids: frozenset[int] = frozenset()
    born_due_ids: frozenset[int] = frozenset()


def announce(
    *,
    tenant_id: int,
    saved: Iterable[int] = (),
    removing: Iterable[int] = (),
    born_due: Iterable[int] = (),
) -> CatalogChange | None:
    """Send one change for this tenant; nothing is sent when nothing changed."""
    change = CatalogChange(
        tenant_id=tenant_id,
        saved_ids=frozenset(saved),
        removing_ids=frozenset(removing),
        born_due_ids=frozenset(born_due),
    )
    if not change.saved_ids and not change.removing_ids:
        return None
    catalog_changed.send(sender=CatalogChange, change=change)
    return change
