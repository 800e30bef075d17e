"""Starting syncs (admin, API, schedule): one run per connection, queued after commit."""

import logging
import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import timedelta

from django.db import transaction
from django.utils import timezone

from integrations.engine.runs import start_run
from integrations.models import SyncMode, SyncRun
from tenants.models import Tenant
from tenants.services import record_audit

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class TriggerResult:
    run: SyncRun
    created: bool

    @property
    def task_id(self) -> str:
        return self.run.task_id


def trigger_sync(
    *,
    tenant: Tenant,
    provider: str,
    connection_id: int,
    trigger: str,
    mode: str = SyncMode.FULL,
    selected_ids: Iterable[str] = (),
    actor: str | None = None,
    audit_metadata: dict[str, object] | None = None,
    countdown: float = 0,
) -> TriggerResult:
    """Queue a sync run, or hand back the one already in progress for this connection."""
    from integrations.tasks import run_sync  # tasks import services, not the other way round

    with transaction.atomic():
        run, created = start_run(
            tenant=tenant,
            provider=provider,
            connection_id=connection_id,
            trigger=trigger,
            mode=mode,
            selected_ids=selected_ids,
        )
        if created:
            run.task_id = str(uuid.uuid4())
            SyncRun.objects.filter(pk=run.pk).update(task_id=run.task_id)

            if countdown:
                SyncRun.objects.filter(pk=run.pk).update(
                    not_before=timezone.now() + timedelta(seconds=countdown)
                )

            def enqueue() -> None:
                try:
                    run_sync.apply_async(
                        args=[run.pk], task_id=run.task_id, countdown=countdown, retry=False
                    )
                except Exception as exc:
                    # The run stays queued: beat's sweep sends it when the broker is back.
                    logger.warning(
                        "Could not queue sync run %s (%s); it starts when the broker is back.",
                        run.pk,
                        type(exc).__name__,
                    )

            transaction.on_commit(enqueue)
        if actor is not None:
            record_audit(
                tenant=tenant,
                actor=actor,
                action=f"{provider}_sync_triggered",
                metadata={
                    "task_id": run.task_id,
                    "sync_run_id": run.pk,
                    "mode": run.mode,
                    "already_running": not created,
                    **(audit_metadata or {}),
                },
            )
    return TriggerResult(run=run, created=created)
