"""Zoho sync entry points used by tasks, the admin and the API."""

from typing import Any

from integrations.engine.runs import execute_run, start_run
from integrations.models import Provider, SyncMode, SyncRun
from integrations.zoho.models import ZohoCredential
from integrations.zoho.source import ZohoSource


def run_summary(run: SyncRun) -> dict[str, Any]:
    return {
        "total": run.total,
        "created": run.created,
        "updated": run.updated,
        "unchanged": run.unchanged,
        "deactivated": run.deactivated,
        "failed": run.failed,
        "errors": list(run.errors),
    }


def sync_zoho_products_to_db(
    credential: ZohoCredential,
    *,
    mode: str = SyncMode.FULL,
    trigger: str = "api",
    run: SyncRun | None = None,
) -> dict[str, Any]:
    """Run (or continue) a sync for this credential and return its counts."""
    if run is None:
        run, _ = start_run(
            tenant=credential.tenant,
            provider=Provider.ZOHO,
            connection_id=credential.pk,
            trigger=trigger,
            mode=mode,
        )
    finished = execute_run(run, ZohoSource(credential))
    return run_summary(finished)
