"""Celery tasks for pulls: thin wrappers that load ids and call the engine."""

import logging
import random
from datetime import timedelta
from typing import Any

from celery import shared_task
from celery.app.task import Task
from django.conf import settings
from django.db import transaction
from django.utils import timezone

from integrations.engine.runs import ChunkEnd, execute_run, start_run
from integrations.engine.watchdog import abandon_silent_runs, requeue_waiting_runs
from integrations.http import ApiError
from integrations.models import SyncMode, SyncRun, SyncStatus, SyncTrigger
from integrations.providers import PROVIDERS, connection_for
from integrations.triggers import trigger_sync
from integrations.zoho.service import run_summary

logger = logging.getLogger(__name__)

RETRY_DELAY_SECONDS = {"zoho": 60}
RETRY_CAP_SECONDS = 3600


def retry_delay(provider: str, retries: int) -> float:
    """Zoho: a flat 60 s. Stores: exponential from 5 minutes up to an hour, with jitter."""
    if provider in RETRY_DELAY_SECONDS:
        return RETRY_DELAY_SECONDS[provider]
    return random.uniform(0.5, 1.0) * min(RETRY_CAP_SECONDS, 300 * 2**retries)


@shared_task(bind=True, name="integrations.pull.run_sync", max_retries=3, acks_late=True)
def run_sync(self: Task, run_id: int) -> dict[str, Any]:
    """Execute one chunk of a queued run, then send the run again for its next chunk.

    Transient failures retry as a fresh run; terminal ones end it.
    """
    run = SyncRun.objects.select_related("tenant").get(pk=run_id)
    if run.status not in (SyncStatus.QUEUED, SyncStatus.RUNNING):
        return run_summary(run)
    connection = connection_for(run.provider, run.connection_id)
    try:
        run = execute_run(
            run,
            PROVIDERS[run.provider].source_for(connection),
            budget_seconds=settings.SYNC_CHUNK_SECONDS,
            hand_off=send_next_chunk,
        )
    except ApiError as exc:
        if not exc.retryable or self.request.retries >= self.max_retries:
            return run_summary(SyncRun.objects.get(pk=run_id))
        delay = retry_delay(run.provider, self.request.retries)
        retry_run, created = queue_retry_run(
            run, task_id=self.request.id, delay=delay, reason=exc.message
        )
        if not created:
            return run_summary(SyncRun.objects.get(pk=run_id))
        raise self.retry(args=[retry_run.pk], countdown=delay, exc=exc) from None
    return run_summary(run)


def send_next_chunk(end: ChunkEnd) -> bool:
    """Queue the run's next chunk under the same task id (the admin and API show it); False
    when the broker cannot take it, and the worker carries on with the run itself."""
    run = end.run
    try:
        run_sync.apply_async(
            args=[run.pk], task_id=run.task_id or None, countdown=end.resume_in, retry=False
        )
        return True
    except Exception as exc:
        logger.warning(
            "Could not queue the next chunk of sync run %s (%s); carrying on in this task.",
            run.pk,
            type(exc).__name__,
        )
        return False


def queue_retry_run(
    run: SyncRun, *, task_id: str, delay: float, reason: str
) -> tuple[SyncRun, bool]:
    """The failed run's retry, as a new queued run holding the task id Celery retries under
    (the current task's own), with the failed run saying which run retries it.

    One transaction, so a trigger or a reader never sees the retry run without its task id,
    nor the failed run without its pointer. When a run was triggered in the meantime, that
    run (with its own task) does the work and no retry is scheduled.
    """
    with transaction.atomic():
        retry_run, created = start_run(
            tenant=run.tenant,
            provider=run.provider,
            connection_id=run.connection_id,
            trigger=run.trigger,
            mode=run.mode,
            selected_ids=run.selected_ids,
        )
        if created:
            retry_run.task_id = task_id
            # The row, not the countdown message, is what survives a worker's death: beat's
            # sweep sends the retry again if nobody started it in time.
            SyncRun.objects.filter(pk=retry_run.pk).update(
                task_id=task_id, not_before=timezone.now() + timedelta(seconds=delay)
            )
            message = f"{reason} — retrying as run #{retry_run.pk}"
        else:
            message = f"{reason} — run #{retry_run.pk} takes over"
        SyncRun.objects.filter(pk=run.pk).update(message=message)
    return retry_run, created


def start_scheduled_run(provider: str, connection_id: int, mode: str) -> int:
    """Queue a scheduled run for one connection (run_sync executes it, with retries)."""
    connection = connection_for(provider, connection_id)
    result = trigger_sync(
        tenant=connection.tenant,
        provider=provider,
        connection_id=connection_id,
        trigger=SyncTrigger.SCHEDULE,
        mode=mode,
    )
    return result.run.pk


@shared_task(name="integrations.pull.task_sync_zoho_products")
def task_sync_zoho_products(credential_id: int, mode: str = SyncMode.FULL) -> int:
    """Start a Zoho sync for one credential."""
    return start_scheduled_run("zoho", credential_id, mode)


@shared_task(name="integrations.pull.schedule_provider_syncs")
def schedule_provider_syncs(
    provider: str, mode: str = SyncMode.INCREMENTAL, spread_seconds: int = 300
) -> int:
    """Beat: queue one run per active connection of an active tenant, spread with jitter."""
    spec = PROVIDERS[provider]
    connections = spec.connection_model.objects.filter(
        is_active=True, tenant__is_active=True
    ).select_related("tenant")
    queued = 0
    for connection in connections:
        result = trigger_sync(
            tenant=connection.tenant,
            provider=provider,
            connection_id=connection.pk,
            trigger=SyncTrigger.SCHEDULE,
            mode=mode,
            countdown=random.uniform(0, spread_seconds),
        )
        queued += int(result.created)
    return queued


@shared_task(name="integrations.pull.sync_woocommerce_products")
def sync_woocommerce_products(connection_id: int, mode: str = SyncMode.FULL) -> int:
    """Start a WooCommerce sync for one store."""
    return start_scheduled_run("woocommerce", connection_id, mode)


@shared_task(name="integrations.pull.sync_all_woocommerce_stores")
def sync_all_woocommerce_stores(mode: str = SyncMode.INCREMENTAL) -> int:
    """Beat: one run per active store of an active tenant, spread with jitter; returns how many."""
    return schedule_provider_syncs("woocommerce", mode)


@shared_task(name="integrations.pull.sync_shopify_products")
def sync_shopify_products(connection_id: int, mode: str = SyncMode.FULL) -> int:
    """Start a Shopify sync for one store."""
    return start_scheduled_run("shopify", connection_id, mode)


@shared_task(name="integrations.pull.sync_all_shopify_stores")
def sync_all_shopify_stores(mode: str = SyncMode.INCREMENTAL) -> int:
    """Beat: one run per active store of an active tenant, spread with jitter; returns how many."""
    return schedule_provider_syncs("shopify", mode)


@shared_task(name="integrations.pull.sweep_sync_runs")
def sweep_sync_runs() -> dict[str, list[int]]:
    """Beat: abandon silent running runs; send again queued runs nobody started."""
    return {"abandoned": abandon_silent_runs(), "requeued": requeue_waiting_runs()}
