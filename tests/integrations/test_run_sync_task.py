"""The run_sync task: transient failures retry as fresh runs, terminal ones end at once."""

import pytest
import responses
from django.test import override_settings

from integrations.models import SyncRun
from integrations.tasks import retry_delay, run_sync
from integrations.triggers import trigger_sync
from integrations.zoho.models import ZohoCredential

pytestmark = pytest.mark.django_db
ITEMS = "https://zoho.test/inventory/v1/items"


def queued_run(credential: ZohoCredential) -> SyncRun:
    return trigger_sync(
        tenant=credential.tenant, provider="zoho", connection_id=credential.pk, trigger="api"
    ).run


@override_settings(PULL_HTTP_BACKOFF_SECONDS=0.001)
@responses.activate
def test_transient_failure_retries_three_times_as_new_runs(zoho_credential: ZohoCredential) -> None:
    responses.get(ITEMS, status=503, json={"code": 503, "message": "busy"})
    first = queued_run(zoho_credential)
    # eager: retries run at once, countdown ignored; the task id is the one the trigger queued
    run_sync.apply(args=[first.pk], task_id=first.task_id)
    runs = list(SyncRun.objects.order_by("pk").values_list("status", "message"))
    assert [status for status, _ in runs] == ["failed"] * 4
    assert runs[0][1].endswith(f"retrying as run #{first.pk + 1}")
    assert runs[3][1].startswith("HTTP 503 from https://zoho.test/inventory/v1/items")
    # Every retry run holds the task id Celery retries under: the first run's.
    assert set(SyncRun.objects.values_list("task_id", flat=True)) == {first.task_id}


@responses.activate
def test_terminal_failure_is_not_retried(zoho_credential: ZohoCredential) -> None:
    responses.get(
        ITEMS, status=400, json={"code": 2, "message": "Invalid value passed for organization_id"}
    )
    run = queued_run(zoho_credential)
    run_sync.apply(args=[run.pk])
    assert list(SyncRun.objects.values_list("status", "message")) == [
        ("failed", "Zoho error 2: Invalid value passed for organization_id")
    ]


def test_retry_delays() -> None:
    assert retry_delay("zoho", 0) == 60
    assert 150 <= retry_delay("woocommerce", 0) <= 300
    assert 1800 <= retry_delay("shopify", 5) <= 3600
