"""Beat's sync-run sweep: silent runs are abandoned by heartbeat, waiting runs are sent again."""

from datetime import timedelta

import pytest
import time_machine
from django.utils import timezone

from integrations.engine.runs import execute_run
from integrations.models import SyncRun, SyncStatus
from integrations.providers import PROVIDERS
from integrations.tasks import sweep_sync_runs
from integrations.zoho.models import ZohoCredential

pytestmark = pytest.mark.django_db


def make_run(credential: ZohoCredential, **fields: object) -> SyncRun:
    return SyncRun.objects.create(
        tenant=credential.tenant,
        provider="zoho",
        connection_id=credential.pk,
        trigger="api",
        **fields,
    )


def test_running_run_silent_past_the_timeout_is_abandoned(
    zoho_credential: ZohoCredential, settings: object
) -> None:
    run = make_run(
        zoho_credential,
        status=SyncStatus.RUNNING,
        started_at=timezone.now(),
        heartbeat_at=timezone.now(),
    )
    with time_machine.travel(timezone.now() + timedelta(seconds=299)):
        assert sweep_sync_runs() == {"abandoned": [], "requeued": []}
    with time_machine.travel(timezone.now() + timedelta(seconds=301)):
        assert sweep_sync_runs()["abandoned"] == [run.pk]
    run.refresh_from_db()
    assert run.status == SyncStatus.FAILED
    assert run.message.startswith("Abandoned: no sign of life from the worker since ")


def test_queued_run_nobody_started_is_sent_again_once_per_grace(
    zoho_credential: ZohoCredential,
) -> None:
    run = make_run(zoho_credential, task_id="t-1")
    with time_machine.travel(timezone.now() + timedelta(seconds=119)):
        assert sweep_sync_runs()["requeued"] == []
    later = timezone.now() + timedelta(seconds=121)
    with time_machine.travel(later, tick=False):
        assert sweep_sync_runs()["requeued"] == [run.pk]
        assert sweep_sync_runs()["requeued"] == []  # sent: not again within the grace
    run.refresh_from_db()
    assert (run.status, run.not_before) == (SyncStatus.QUEUED, later)


def test_retry_waiting_for_its_countdown_is_not_sent_early(
    zoho_credential: ZohoCredential,
) -> None:
    run = make_run(zoho_credential, not_before=timezone.now() + timedelta(minutes=10))
    with time_machine.travel(timezone.now() + timedelta(minutes=11)):
        assert sweep_sync_runs()["requeued"] == []
    with time_machine.travel(timezone.now() + timedelta(minutes=12, seconds=1)):
        assert sweep_sync_runs()["requeued"] == [run.pk]


def test_second_delivery_of_a_running_run_does_nothing(zoho_credential: ZohoCredential) -> None:
    """A message handed back after a broker restart while its first delivery still works."""
    run = make_run(
        zoho_credential,
        status=SyncStatus.RUNNING,
        started_at=timezone.now(),
        heartbeat_at=timezone.now(),
    )
    # No HTTP is mocked: a second execution would try to reach Zoho and fail the run.
    again = execute_run(run, PROVIDERS["zoho"].source_for(zoho_credential))
    assert (again.status, again.processed, again.message) == (SyncStatus.RUNNING, 0, "")
