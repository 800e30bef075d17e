"""Batches Meta is slow to finish: parked in the database and polled again by delayed tasks.

A flush polls each batch for a few seconds (`META_STATUS_INLINE_SECONDS`). A batch still
processing then is not waited for in the worker: its round (plans, calls, Meta's answers so
far) is stored as a `MetaParkedRound`, its rows' lease is stretched past the status deadline,
and `recheck_meta_batch` polls it again later, with the same growing delays. Once Meta is done
the round is recorded exactly as the flush would have recorded it, and the tenant's next flush
is queued. A batch that is still not done after `STATUS_TIMEOUT_SECONDS` is an outage: its
items are released without spending an attempt and the queue pauses, as before.

Until a parked round is settled the tenant's flushes wait (see `flush_tenant`), so no other
call can carry one of its retailer ids. Beat's drain re-queues a re-check whose task was lost.
"""

import logging
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from django.db import transaction
from django.utils import timezone

from meta_integration.client import MetaError, MetaTransient
from meta_integration.mapping import CatalogItem
from meta_integration.models import (
    MetaAppConfig,
    MetaConfigStatus,
    MetaDeletion,
    MetaParkedRound,
)
from meta_integration.outbox import enqueue_flush
from meta_integration.push import (
    PUSH_FIELDS,
    STATUS_TIMEOUT_SECONDS,
    Call,
    Claim,
    FlushReport,
    ProductPlan,
    Round,
    SendOutcome,
    StillProcessing,
    client_for,
    handle_queue_stop,
    lease,
    mark_reachable,
    poll_call,
    poll_delay,
    record_round,
    release_call,
)
from products_and_services.models import Product

logger = logging.getLogger(__name__)


# --- storing a round ------------------------------------------------------------------------


def _plan_state(plan: ProductPlan) -> dict[str, Any]:
    """What recording needs of a plan: the ids sent, not the payloads (Meta has those)."""
    return {
        "pk": plan.product.pk,
        "sku": plan.product.sku,
        "attempts": plan.product.meta_sync_attempts,
        "desired": sorted(plan.desired_ids),
        "deletes": sorted(plan.deletes),
        "hash": plan.hash,
        "held": plan.held_reason,
        "kept": sorted(plan.kept),
    }


def round_state(config_id: int, round_: Round, calls: list[Call]) -> dict[str, Any]:
    return {
        "config": config_id,
        "plans": [_plan_state(plan) for plan in round_.plans],
        "products": round_.claim.product_ids,
        "tombstones": [tombstone.pk for tombstone in round_.tombstones],
        "requests": [[r["method"], r["data"]["id"]] for r in round_.requests_],
        "failed": round_.outcome.failed,
        "unsent": sorted(round_.outcome.unsent),
        "calls": [
            {"ids": call.ids, "handles": call.handles, "failed": call.failed} for call in calls
        ],
    }


def park_round(config: MetaAppConfig, round_: Round, calls: list[Call]) -> MetaParkedRound:
    """Store a round with calls still processing, stretch its lease past the status deadline,
    and queue its re-check."""
    now = timezone.now()
    deadline = now + timedelta(seconds=STATUS_TIMEOUT_SECONDS)
    claim = round_.claim
    held_until = deadline + lease()
    polls = max(call.polls for call in calls)
    with transaction.atomic():
        Product.objects.filter(
            pk__any=claim.product_ids, meta_sync_next_attempt=claim.lease
        ).update(meta_sync_next_attempt=held_until)
        MetaDeletion.objects.filter(pk__any=claim.deletion_ids, next_attempt=claim.lease).update(
            next_attempt=held_until
        )
        parked = MetaParkedRound.objects.create(
            tenant_id=config.tenant_id,
            lease=held_until,
            deadline=deadline,
            next_poll_at=now + timedelta(seconds=poll_delay(polls)),
            polls=polls,
            state=round_state(config.pk, round_, calls),
        )
        claim.lease = held_until
        transaction.on_commit(lambda: enqueue_recheck(parked.pk, poll_delay(polls)))
    logger.info(
        "Meta still processing %d call(s) of tenant %s after %d polls; parked as round %d",
        len(calls),
        config.tenant_id,
        polls,
        parked.pk,
    )
    return parked


def enqueue_recheck(parked_id: int, countdown: float) -> None:
    """A broker outage must not fail the flush: beat's drain re-queues overdue re-checks."""
    from meta_integration.tasks import recheck_meta_batch

    try:
        recheck_meta_batch.apply_async(args=[parked_id], countdown=countdown, retry=False)
    except Exception as exc:
        logger.warning(
            "Could not queue the re-check of parked Meta round %s (%s); the drain will.",
            parked_id,
            type(exc).__name__,
        )


# --- rebuilding it ------------------------------------------------------------------------


def _plans(tenant_id: object, states: list[dict[str, Any]]) -> list[ProductPlan]:
    """Plans as they were sent. The products are read again for what recording writes and
    the failure alert shows; a product deleted meanwhile stays a bare row, which recording
    skips. The SKU and attempts are those of the push, not of a later edit."""
    loaded = Product.objects.only(*PUSH_FIELDS).in_bulk([state["pk"] for state in states])
    plans = []
    for state in states:
        product = loaded.get(state["pk"]) or Product(pk=state["pk"], tenant_id=tenant_id)
        product.sku = state["sku"]
        product.meta_sync_attempts = state["attempts"]
        plans.append(
            ProductPlan(
                product=product,
                # Only the ids count from here on: the data went to Meta already.
                items=[CatalogItem(retailer_id=rid, data={"id": rid}) for rid in state["desired"]],
                deletes=set(state["deletes"]),
                hash=state["hash"],
                held_reason=state["held"],
                kept=set(state["kept"]),
            )
        )
    return plans


def rebuild(parked: MetaParkedRound) -> tuple[Round, list[Call]]:
    state = parked.state
    claim = Claim(
        lease=parked.lease,
        product_ids=state["products"],
        deletion_ids=state["tombstones"],
    )
    round_ = Round(
        claim=claim,
        plans=_plans(parked.tenant_id, state["plans"]),
        tombstones=list(MetaDeletion.objects.filter(pk__any=state["tombstones"])),
        requests_=[{"method": method, "data": {"id": rid}} for method, rid in state["requests"]],
        outcome=SendOutcome(failed=dict(state["failed"]), unsent=set(state["unsent"])),
        open_calls=len(state["calls"]),
        all_sent=True,
    )
    calls = [
        Call(round_, call["ids"], list(call["handles"]), dict(call["failed"]))
        for call in state["calls"]
    ]
    return round_, calls


# --- the re-check ---------------------------------------------------------------------------


@dataclass
class Recheck:
    """What one re-check did: `settled` when the round was recorded, else when it polls next."""

    parked_id: int
    found: bool = True
    settled: bool = False
    next_poll_in: float | None = None
    report: FlushReport | None = None


def _take(parked_id: int) -> MetaParkedRound | None:
    """Claim a due parked round for this re-check (a duplicate task finds it not due)."""
    now = timezone.now()
    with transaction.atomic():
        parked = (
            MetaParkedRound.objects.select_for_update(skip_locked=True)
            .filter(pk=parked_id, next_poll_at__lte=now)
            .first()
        )
        if parked is not None:
            MetaParkedRound.objects.filter(pk=parked.pk).update(next_poll_at=now + lease())
    return parked


def recheck(parked_id: int) -> Recheck:
    """Poll a parked round's batches once; record the round when Meta is done with them."""
    parked = _take(parked_id)
    if parked is None:
        return Recheck(parked_id, found=False)
    # The config the batch went out with, active or not: its outcome decides what Meta holds.
    config = (
        MetaAppConfig.objects.select_related("tenant").filter(pk=parked.state["config"]).first()
    )
    report = FlushReport(tenant_id=str(parked.tenant_id))
    round_, calls = rebuild(parked)
    waiting: list[Call] = []
    stop: MetaError | None = None
    for call in calls:
        if stop is not None or config is None or config.status != MetaConfigStatus.OK:
            # The queue stopped, or the config was deleted or its token rejected: nobody can
            # ask Meta now, so the call's ids go out again later.
            release_call(call)
            continue
        try:
            # One poll per handle until one is still processing (no wait in the worker).
            stop = poll_call(client_for(config), config.catalog_id, call, report, _no_renewal, 0)
        except StillProcessing:
            waiting.append(call)
    now = timezone.now()
    if waiting and now < parked.deadline:
        polls = parked.polls + 1
        delay = poll_delay(polls)
        state = round_state(parked.state["config"], round_, waiting)
        MetaParkedRound.objects.filter(pk=parked.pk).update(
            state=state, polls=polls, next_poll_at=now + timedelta(seconds=delay)
        )
        enqueue_recheck(parked_id, delay)
        logger.info("Meta round %d still processing after %d polls", parked_id, polls)
        return Recheck(parked_id, next_poll_in=delay, report=report)
    if waiting:
        handle = waiting[0].handles[0]
        stop = stop or MetaTransient(
            f"Meta batch {handle} did not finish within {int(STATUS_TIMEOUT_SECONDS)} s."
        )
        for call in waiting:
            release_call(call)
    with transaction.atomic():
        if config is not None:
            if stop is not None:
                handle_queue_stop(config, stop)
            else:
                mark_reachable(config)
        record_round(config or _bare_config(parked), round_, report)
        parked.delete()
        tenant_id = str(parked.tenant_id)
        transaction.on_commit(lambda: enqueue_flush(tenant_id))
    return Recheck(parked_id, settled=True, report=report)


def _no_renewal() -> None:
    """A re-check polls without waiting; its rows' lease already runs past the deadline."""


def _bare_config(parked: MetaParkedRound) -> MetaAppConfig:
    """The config was deleted meanwhile: recording needs only the tenant, and the calls still
    processing count as not sent."""
    return MetaAppConfig(tenant_id=parked.tenant_id, catalog_id="")


def overdue() -> list[int]:
    """Parked rounds whose re-check is due or lost (beat's drain queues them again)."""
    return list(
        MetaParkedRound.objects.filter(next_poll_at__lte=timezone.now()).values_list(
            "pk", flat=True
        )
    )
