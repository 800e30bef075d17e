"""Issue 16 item 3: a retry run has its Celery task id, and a trigger in the wait shows it.

A real worker runs a Zoho pull against the simulator; page 2 keeps failing, so the run
fails part-way and schedules its retry (60 s later, as for Zoho). A trigger in that window
answers 409 with the retry run's id and task id.
"""

from typing import Any

import pytest
from rest_framework.test import APIClient

from integrations.models import SyncRun
from tenants.models import AuditLog
from tests.e2e.conftest import ZohoHandle, wait_until

pytestmark = [pytest.mark.e2e, pytest.mark.services]
URL = "/v1/catalog/sync/zoho"


def test_a_trigger_during_the_retry_wait_answers_with_the_retry_runs_task(
    celery_worker: Any,
    settings: Any,
    zoho_sim: ZohoHandle,
    e2e_zoho_credential: Any,
    api: APIClient,
) -> None:
    settings.PULL_HTTP_BACKOFF_SECONDS = 0.001
    zoho_sim.configure(fail_on_page={"page": 2, "times": 99})

    first = api.post(URL, {"mode": "full"}, format="json")
    assert first.status_code == 202
    first_run = SyncRun.objects.get(pk=first.json()["sync_run_id"])

    retry = wait_until(lambda: SyncRun.objects.exclude(pk=first_run.pk).first())
    failed = wait_until(lambda: SyncRun.objects.filter(pk=first_run.pk, status="failed").first())
    assert failed.message.endswith(f"retrying as run #{retry.pk}")
    retry.refresh_from_db()
    assert retry.status == "queued"
    assert retry.task_id == first_run.task_id != ""  # Celery retries under the same task id

    second = api.post(URL, {"mode": "full"}, format="json")

    assert second.status_code == 409
    assert second.json() == {
        "status": "already_running",
        "message": "A Zoho Inventory sync is already in progress",
        "task_id": retry.task_id,
        "sync_run_id": retry.pk,
        "organization_id": "sim-org",
    }
    audit = AuditLog.objects.filter(action="zoho_sync_triggered").order_by("-pk").first()
    assert (audit.metadata["task_id"], audit.metadata["sync_run_id"]) == (retry.task_id, retry.pk)
    assert audit.metadata["already_running"] is True
