"""Webhook tasks (queue `webhooks`): thin wrappers over the services; ids in, rows out."""

import logging
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


@shared_task(
    bind=True,
    name="integrations.webhooks.process_woocommerce_product",
    max_retries=MAX_RETRIES,
    default_retry_delay=RETRY_DELAY_SECONDS,
    acks_late=True,
)
def process_woocommerce_product(self: Task, event_pk: int) -> str:
    """Apply one plugin event; transient failures retry 3 times, 30 s apart."""
    try:
        return process_event(event_pk).outcome
    except WooCommerceEventLog.DoesNotExist:
        return "missing"
    except Exception as exc:
        if _retryable(exc) and self.request.retries < self.max_retries:
            raise self.retry(exc=exc) from None
        logger.exception("Plugin event #%s failed", event_pk)
        finish_event(event_pk, Applied(Outcome.FAILED, error=_reason(exc)))
        return Outcome.FAILED


@shared_task(
    bind=True,
    name="integrations.webhooks.process_store_delivery",
    max_retries=MAX_RETRIES,
    default_retry_delay=RETRY_DELAY_SECONDS,
    acks_late=True,
)
def process_store_delivery(self: Task, log_pk: int) -> str:
    """Apply one native WooCommerce or Shopify delivery, with the same retry policy."""
    try:
        return process_delivery(log_pk).status
    except WebhookLog.DoesNotExist:
        return "missing"
    except Exception as exc:
        if _retryable(exc) and self.request.retries < self.max_retries:
            raise self.retry(exc=exc) from None
        logger.exception("Store delivery #%s failed", log_pk)
        finish_delivery(log_pk, Applied(Outcome.FAILED, error=_reason(exc)))
        return WebhookLog.Status.ERROR


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
