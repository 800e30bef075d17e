"""Read-side helpers for pull connections, shaped so a list costs the same queries at any size."""

from typing import Any

from django.db.models import OuterRef, QuerySet, Subquery

from integrations.models import SyncRun


def with_last_run(connections: QuerySet[Any], *, provider: str) -> QuerySet[Any]:
    """Annotate each connection with its latest run's id and status (`last_run_pk`,
    `last_run_status`, None when it never ran), as subqueries of the list's one SELECT."""
    latest = SyncRun.objects.filter(provider=provider, connection_id=OuterRef("pk")).order_by(
        "-created_at", "-pk"
    )
    return connections.annotate(
        last_run_pk=Subquery(latest.values("pk")[:1]),
        last_run_status=Subquery(latest.values("status")[:1]),
    )
