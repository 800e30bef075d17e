"""Webhook tasks (queue `webhooks`): thin wrappers over the services; ids in, rows out."""

import logging
from collections.abc import Callable, Sequence
from datetime import timedelta
from functools import partial

from celery import shared_task
from celery.app.task import Task
from django.conf import settings
from django.db import DatabaseError, close_old_connections, transaction
from django.utils import timezone
from redis import RedisError

from integrations.http import ApiError
from integrations.models import WebhookLog
from integrations.webhooks import handoff
from integrations.webhooks.apply import Applied, Outcome
from integrations.webhooks.models import WooCommerceEventLog
from integrations.webhooks.native import finish_delivery, process_delivery
from integrations.webhooks.plugin_events import finish_event, process_event

logger = logging.getLogger(__name__)

RETRY_DELAY_SECONDS = 30
MAX_RETRIES = 3
SWEEP_MAX_ATTEMPTS = MAX_RETRIES + 2
SWEEP_BATCH = 1000


def _retryable(exc: Exception) -> bool:
    """Database hiccups and retryable provider errors; mapping and data errors are final."""
    return isinstance(exc, DatabaseError) or (isinstance(exc, ApiError) and exc.retryable)


def _reason(exc: Exception) -> str:
    kind = "Gave up after retries" if _retryable(exc) else "Failed"
    return f"{kind}: {type(exc).__name__}: {exc}"


def _apply_with_retries(
    pk: int,
    *,
    apply: Callable[[int], str],
    finish: Callable[[int, Applied], None],
    what: str,
    failed: str,
    missing: type[Exception],
    retry: Callable[[Exception], bool],
) -> str:
    """The policy every webhook task shares: a transient failure is retried (`retry` says
    whether it will be); anything else, or a transient one past its retries, is recorded on
    the row as failed."""
    try:
        return apply(pk)
    except missing:  # the row is gone (deleted before the task ran)
        return "missing"
    except Exception as exc:
        if _retryable(exc) and retry(exc):
            return "retrying"
        logger.exception("%s #%s failed", what, pk)
        finish(pk, Applied(Outcome.FAILED, error=_reason(exc)))
        return failed


def _task_retry(task: Task) -> Callable[[Exception], bool]:
    """Retry the task itself (3 times, 30 s apart), then give up."""

    def retry(exc: Exception) -> bool:
        if task.request.retries < task.max_retries:
            raise task.retry(exc=exc) from None
        return False

    return retry


@shared_task(
    bind=True,
    name="integrations.webhooks.process_woocommerce_product",
    max_retries=MAX_RETRIES,
    default_retry_delay=RETRY_DELAY_SECONDS,
    acks_late=True,
)
def process_woocommerce_product(self: Task, event_pk: int) -> str:
    """Apply one plugin event."""
    return _process_event(event_pk, retry=_task_retry(self))


@shared_task(
    bind=True,
    name="integrations.webhooks.process_store_delivery",
    max_retries=MAX_RETRIES,
    default_retry_delay=RETRY_DELAY_SECONDS,
    acks_late=True,
)
def process_store_delivery(self: Task, log_pk: int) -> str:
    """Apply one native WooCommerce or Shopify delivery."""
    return _process_delivery(log_pk, retry=_task_retry(self))


def _process_delivery(log_pk: int, *, retry: Callable[[Exception], bool]) -> str:
    return _apply_with_retries(
        log_pk,
        apply=lambda pk: process_delivery(pk).status,
        finish=finish_delivery,
        what="Store delivery",
        failed=WebhookLog.Status.ERROR,
        missing=WebhookLog.DoesNotExist,
        retry=retry,
    )


def _process_event(event_pk: int, *, retry: Callable[[Exception], bool]) -> str:
    return _apply_with_retries(
        event_pk,
        apply=lambda pk: process_event(pk).outcome,
        finish=finish_event,
        what="Plugin event",
        failed=Outcome.FAILED,
        missing=WooCommerceEventLog.DoesNotExist,
        retry=retry,
    )


@shared_task(name="integrations.webhooks.drain_plugin_events", acks_late=True)
def drain_plugin_events() -> int:
    """Apply the plugin events the webhook handed off (handoff.py); returns how many."""
    return _drain(
        handoff.PLUGIN_EVENTS, _process_event, process_woocommerce_product, drain_plugin_events
    )


@shared_task(name="integrations.webhooks.drain_store_deliveries", acks_late=True)
def drain_store_deliveries() -> int:
    """Apply the native store deliveries handed off (handoff.py); returns how many."""
    return _drain(
        handoff.STORE_DELIVERIES, _process_delivery, process_store_delivery, drain_store_deliveries
    )


def _drain(
    lane: handoff.Lane, process: Callable[..., str], own_task: Task, drain_task: Task
) -> int:
    """Drain a lane row by row; `drain_task` is queued again to help or to take over."""
    return handoff.drain(lane, _handed_off(process, own_task), kick=partial(_enqueue, drain_task))


def _handed_off(process: Callable[..., str], own_task: Task) -> Callable[[int], object]:
    """One row of a drain; a transient failure goes to the row's own task, which retries it
    as it retries any row, so the drain moves on to the next."""

    def one(pk: int) -> str:
        def later(exc: Exception) -> bool:
            close_old_connections()  # a broken connection is replaced for the next row
            _enqueue(own_task, pk, countdown=RETRY_DELAY_SECONDS)
            return True

        return process(pk, retry=later)

    return one


def enqueue_event(event_pk: int) -> None:
    enqueue_events([event_pk])


def enqueue_events(event_pks: Sequence[int]) -> None:
    """Once the rows are committed, hand the events to the workers in one round trip
    (handoff.py); if the broker is down they wait for the sweep."""
    if event_pks:
        transaction.on_commit(
            partial(
                _hand_off,
                handoff.PLUGIN_EVENTS,
                list(event_pks),
                process_woocommerce_product,
                drain_plugin_events,
            )
        )


def enqueue_delivery(log_pk: int) -> None:
    """The same for a native store delivery."""
    transaction.on_commit(
        partial(
            _hand_off,
            handoff.STORE_DELIVERIES,
            [log_pk],
            process_store_delivery,
            drain_store_deliveries,
        )
    )


def _hand_off(lane: handoff.Lane, pks: list[int], each: Task, drain: Task) -> None:
    try:
        kick = handoff.push(lane, pks)
    except RedisError:
        logger.warning("Could not hand off %d row(s); the sweep will pick them up.", len(pks))
        return
    if kick is None:  # no Redis broker (the demo) or eager tasks: one task per row
        for pk in pks:
            _enqueue(each, pk)
    elif kick:
        _enqueue(drain)


def _enqueue(task: Task, *args: int, countdown: int | None = None) -> None:
    try:
        task.apply_async(args=args, countdown=countdown)
    except Exception:  # the broker is down: the row is durable and the sweep re-queues it
        logger.warning("Could not queue %s%s; the sweep will pick it up.", task.name, args)


@shared_task(name="integrations.webhooks.requeue_pending")
def requeue_pending() -> int:
    """Beat: queue again what was accepted but never processed (a lost task or broker outage)."""
    cutoff = timezone.now() - timedelta(seconds=settings.WEBHOOK_REQUEUE_AFTER_SECONDS)
    events = list(
        WooCommerceEventLog.objects.filter(
            processed_at__isnull=True, received_at__lt=cutoff, attempts__lt=SWEEP_MAX_ATTEMPTS
        ).values_list("pk", flat=True)[:SWEEP_BATCH]
    )
    deliveries = list(
        WebhookLog.objects.filter(
            status=WebhookLog.Status.QUEUED,
            received_at__lt=cutoff,
            attempts__lt=SWEEP_MAX_ATTEMPTS,
        ).values_list("pk", flat=True)[:SWEEP_BATCH]
    )
    # One task each, not through the hand-off lists: the net stands alone.
    for pk in events:
        transaction.on_commit(partial(_enqueue, process_woocommerce_product, pk))
    for pk in deliveries:
        transaction.on_commit(partial(_enqueue, process_store_delivery, pk))
    return len(events) + len(deliveries)
