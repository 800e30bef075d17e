"""Runs that outlive their worker or their message: heartbeats, abandonment, re-queueing.

A running run beats while its task works (a thread, so a long wait such as a Shopify bulk
export still counts as alive). Beat's `integrations.pull.sweep_sync_runs` then

- marks a running run abandoned when it has shown no sign of life for
  `SYNC_HEARTBEAT_TIMEOUT_SECONDS` (its worker died, or lost the message), and
- sends again every queued run whose start time has passed without a worker picking it
  up: a trigger made while the broker was down, or a retry whose countdown message died
  with the worker that held it. The run row is the durable intent; the message is not.

A second delivery of the same run is harmless: only one task moves a run from queued to
running (see `execute_run`).
"""

import logging
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta

from django.conf import settings
from django.db import connections
from django.db.models import Q, QuerySet
from django.db.models.functions import Coalesce
from django.utils import timezone

from integrations.models import SyncRun, SyncStatus

logger = logging.getLogger(__name__)


def heartbeat_timeout() -> timedelta:
    return timedelta(seconds=settings.SYNC_HEARTBEAT_TIMEOUT_SECONDS)


@contextmanager
def beating(run_id: int) -> Iterator[None]:
    """Refresh the run's heartbeat every `SYNC_HEARTBEAT_INTERVAL_SECONDS` while the block runs."""
    stop = threading.Event()

    def beat() -> None:
        try:
            while not stop.wait(settings.SYNC_HEARTBEAT_INTERVAL_SECONDS):
                SyncRun.objects.filter(pk=run_id, status=SyncStatus.RUNNING).update(
                    heartbeat_at=timezone.now()
                )
        except Exception:  # a missed beat only makes the run look older; never fail the run
            logger.warning("Heartbeat of sync run %s failed.", run_id, exc_info=True)
        finally:
            connections.close_all()  # this thread's own connections

    thread = threading.Thread(target=beat, name=f"sync-run-{run_id}-heartbeat", daemon=True)
    thread.start()
    try:
        yield
    finally:
        stop.set()
        thread.join()


def abandon_silent_runs() -> list[int]:
    """Fail running runs with no sign of life for longer than the heartbeat timeout."""
    from integrations.engine.runs import RunAborted, fail_run

    cutoff = timezone.now() - heartbeat_timeout()
    silent = SyncRun.objects.filter(status=SyncStatus.RUNNING).filter(
        Q(heartbeat_at__lt=cutoff) | Q(heartbeat_at__isnull=True, started_at__lt=cutoff)
    )
    abandoned = []
    for run in silent:
        last = run.heartbeat_at or run.started_at
        fail_run(
            run,
            RunAborted(
                f"Abandoned: no sign of life from the worker since {last:%Y-%m-%d %H:%M:%S} UTC."
            ),
        )
        abandoned.append(run.pk)
    return abandoned


def queued_by_due() -> QuerySet[SyncRun]:
    """Queued runs, each with `due`: when it was due to start (after its delay, if it had one,
    else from when it was made; the sweep sets it again when it sends a run again)."""
    return SyncRun.objects.filter(status=SyncStatus.QUEUED).alias(
        due=Coalesce("not_before", "created_at")
    )


def requeue_waiting_runs() -> list[int]:
    """Send again the queued runs due for a while that no worker has started."""
    from integrations.tasks import run_sync

    grace = timedelta(seconds=settings.SYNC_QUEUED_GRACE_SECONDS)
    waiting = queued_by_due().filter(due__lt=timezone.now() - grace)
    sent = []
    for run in waiting.only("pk", "task_id"):
        try:
            run_sync.apply_async(args=[run.pk], task_id=run.task_id or None, retry=False)
        except Exception as exc:
            logger.warning("Could not queue sync run %s (%s).", run.pk, type(exc).__name__)
            break  # the broker is down: the next sweep tries again
        # Sent: not again before another grace period (a long queue is not a lost message).
        SyncRun.objects.filter(pk=run.pk, status=SyncStatus.QUEUED).update(
            not_before=timezone.now()
        )
        sent.append(run.pk)
    return sent
