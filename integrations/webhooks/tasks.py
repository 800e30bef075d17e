"""Webhook tasks (queue `webhooks`): thin wrappers over the services; ids in, rows out."""

import logging
from collections.abc import Callable
from datetime import timedelta
from functools import partial

from celery import shared_task
from celery.app.task import Task
from django.conf import settings
from django.db import DatabaseError, transaction
from django.utils import timezone

from integrations.http import ApiError
from integrations.models import WebhookLog
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
    task: Task,
    pk: int,
    *,
    apply: Callable[[int], str],
    finish: Callable[[int, Applied], None],
    what: str,
    failed: str,
    missing: type[Exception],
) -> str:
    """The policy both webhook tasks share: transient failures retry (3 times, 30 s apart),
    anything else, or the last failure, is recorded on the row as failed."""
    try:
        return apply(pk)
    except missing:  # the row is gone (deleted before the task ran)
        return "missing"
    except Exception as exc:
        if _retryable(exc) and task.request.retries < task.max_retries:
            raise task.retry(exc=exc) from None
        logger.exception("%s #%s failed", what, pk)
        finish(pk, Applied(Outcome.FAILED, error=_reason(exc)))
        return failed


@shared_task(
    bind=True,
    name="integrations.webhooks.process_woocommerce_product",
    max_retries=MAX_RETRIES,
    default_retry_delay=RETRY_DELAY_SECONDS,
    acks_late=True,
)
def process_woocommerce_product(self: Task, event_pk: int) -> str:
    """Apply one plugin event."""
    return _apply_with_retries(
        self,
        event_pk,
        apply=lambda pk: process_event(pk).outcome,
        finish=finish_event,
        what="Plugin event",
        failed=Outcome.FAILED,
        missing=WooCommerceEventLog.DoesNotExist,
    )


@shared_task(
    bind=True,
    name="integrations.webhooks.process_store_delivery",
    max_retries=MAX_RETRIES,
    default_retry_delay=RETRY_DELAY_SECONDS,
    acks_late=True,
)
def process_store_delivery(self: Task, log_pk: int) -> str:
    """Apply one native WooCommerce or Shopify delivery."""
    return _apply_with_retries(
        self,
        log_pk,
        apply=lambda pk: process_delivery(pk).status,
        finish=finish_delivery,
        what="Store delivery",
        failed=WebhookLog.Status.ERROR,
        missing=WebhookLog.DoesNotExist,
    )


def enqueue_event(event_pk: int) -> None:
    """Queue once the row is committed; if the broker is down the event waits for the sweep."""
    transaction.on_commit(partial(_enqueue, process_woocommerce_product, event_pk))


def enqueue_delivery(log_pk: int) -> None:
    transaction.on_commit(partial(_enqueue, process_store_delivery, log_pk))


def _enqueue(task: Task, pk: int) -> None:
    try:
        task.apply_async(args=[pk])
    except Exception:  # the broker is down: the row is durable and the sweep re-queues it
        logger.warning("Could not queue %s for #%s; the sweep will pick it up.", task.name, pk)


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
    for pk in events:
        enqueue_event(pk)
    for pk in deliveries:
        enqueue_delivery(pk)
    return len(events) + len(deliveries)
