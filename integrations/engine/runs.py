"""Sync run lifecycle: start (one per connection), run pages, finish or fail, deactivate.

Providers only yield pages; everything about counting, bookmarks, deactivation and
failure handling lives here, so all of them behave the same.
"""

import logging
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, Protocol, cast

from django.conf import settings
from django.db import IntegrityError, connection, transaction
from django.db.models import F, QuerySet
from django.db.models.expressions import RawSQL
from django.db.models.functions import Coalesce
from django.utils import timezone

from common.returning import update_returning
from integrations.engine.prefetch import prefetched
from integrations.engine.records import ProductRecord
from integrations.engine.removals import Rechecking, Verdict, confirm_removals
from integrations.engine.turns import shorter_runs_waiting
from integrations.engine.upsert import PageResult, upsert_page
from integrations.engine.watchdog import beating, heartbeat_timeout
from integrations.models import (
    ACTIVE_STATUSES,
    ERROR_CAP,
    SyncMode,
    SyncRun,
    SyncSeen,
    SyncStatus,
    WebhookLog,
)
from products_and_services.models import Product
from products_and_services.services import deactivate_products
from tenants.models import Tenant

logger = logging.getLogger(__name__)


Cursor = dict[str, Any]


@dataclass
class Page:
    """One page from a provider: the records and, when known, the total to expect.

    `cursor` says where a later chunk resumes after this page (the provider's next page
    number, GraphQL cursor or export offset); None when the run cannot stop here.
    `resumes_cheaply` is false where resuming redoes work (a Shopify bulk export is
    downloaded again): a chunk ends there when its time is spent, never early (see `turns`).
    """

    records: list[ProductRecord]
    total: int | None = None
    failed_refs: list[tuple[str, str]] = field(default_factory=list)
    cursor: Cursor | None = None
    resumes_cheaply: bool = True


@dataclass
class Pause:
    """Nothing to read yet (an export still being built): ask again in `seconds`, from
    `cursor`. The worker is freed meanwhile; a delayed task picks the run up again."""

    seconds: float
    cursor: Cursor


class PullSource(Protocol):
    """What a provider offers the engine."""

    provider: str
    connection_id: int
    tenant: Tenant
    default_currency: str

    @property
    def connection_key(self) -> str: ...

    def pages(
        self,
        mode: str,
        since: datetime | None,
        selected: list[str],
        cursor: Cursor | None = None,
    ) -> Iterator[Page | Pause]: ...


class RunAborted(Exception):
    """The run failed part-way; what was stored stays, nothing is deactivated."""


class RunCancelled(Exception):
    """Someone cancelled the run: it stops before the next page and deactivates nothing."""


def _forget_seen(run: SyncRun) -> None:
    """Drop the run's seen set. A raw delete: the rows have no dependants or signals, and the
    ORM's delete would wrap the one statement in a transaction of its own."""
    seen = SyncSeen.objects.filter(run=run)
    seen._raw_delete(seen.db)


def cancel_run(run: SyncRun, *, reason: str) -> bool:
    """Mark a queued or running run cancelled; its worker stops at the next page."""
    cancelled = update_returning(
        run,
        where={"status__in": ACTIVE_STATUSES},
        status=SyncStatus.CANCELLED,
        finished_at=timezone.now(),
        message=reason[:2000],
    )
    if not cancelled:
        return False
    # A run cancelled between chunks has no worker to clear its seen set.
    _forget_seen(run)
    log_sync(run)
    return True


def start_run(
    *,
    tenant: Tenant,
    provider: str,
    connection_id: int,
    trigger: str,
    mode: str = SyncMode.FULL,
    selected_ids: Iterable[str] = (),
) -> tuple[SyncRun, bool]:
    """Queue a run, or return the one already queued or running (the database decides)."""
    existing = SyncRun.objects.filter(
        provider=provider, connection_id=connection_id, status__in=ACTIVE_STATUSES
    ).first()
    if existing is not None and not _abandoned(existing):
        return existing, False
    if existing is not None:
        fail_run(existing, RunAborted("Abandoned: no progress from the worker for too long."))
    try:
        with transaction.atomic():
            run = SyncRun.objects.create(
                tenant=tenant,
                provider=provider,
                connection_id=connection_id,
                trigger=trigger,
                mode=mode,
                selected_ids=list(selected_ids),
            )
        return run, True
    except IntegrityError:
        run = SyncRun.objects.get(
            provider=provider, connection_id=connection_id, status__in=ACTIVE_STATUSES
        )
        return run, False


QUEUED_TIMEOUT = timedelta(minutes=15)


def _abandoned(run: SyncRun) -> bool:
    """A queued run whose task never started, or a running one whose worker went silent.

    Beat's sweep (`integrations.engine.watchdog`) finds these first; this check only
    matters when beat itself is down.
    """
    now = timezone.now()
    if run.status == SyncStatus.QUEUED:
        return (run.not_before or run.created_at) < now - QUEUED_TIMEOUT
    last_sign = run.heartbeat_at or run.started_at or run.created_at
    return last_sign < now - heartbeat_timeout()


def last_bookmark(provider: str, connection_id: int) -> datetime | None:
    """Where the last successful run got to: incremental runs ask for changes since then."""
    value = (
        SyncRun.objects.filter(
            provider=provider, connection_id=connection_id, status=SyncStatus.SUCCEEDED
        )
        .exclude(bookmark="")
        .order_by("-finished_at")
        .values_list("bookmark", flat=True)
        .first()
    )
    return datetime.fromisoformat(value) if value else None


def _record_page(
    run: SyncRun, result: PageResult, total: int | None, bookmark: str, cursor: Cursor | None
) -> None:
    """Bump the counters with F() so concurrent readers (progress bars) see steady progress.

    The cursor is written in the page's transaction, so a later chunk resumes exactly after
    the last page stored."""
    updates: dict[str, object] = {
        "processed": F("processed")
        + result.created
        + result.updated
        + result.unchanged
        + result.failed,
        "created": F("created") + result.created,
        "updated": F("updated") + result.updated,
        "unchanged": F("unchanged") + result.unchanged,
        "failed": F("failed") + result.failed,
        "error_count": F("error_count") + len(result.errors),
        "heartbeat_at": timezone.now(),
    }
    if total is not None:
        updates["total"] = total
    if bookmark:
        updates["bookmark"] = bookmark
    if cursor is not None:
        updates["cursor"] = cursor
    # Only a running run counts its page: one cancelled meanwhile rolls the page back and stops
    # here, which spares a query a page to look for the cancellation first.
    if not SyncRun.objects.filter(pk=run.pk, status=SyncStatus.RUNNING).update(**updates):
        raise RunCancelled
    notes = result.errors + [f"warning: {w}" for w in result.warnings]
    if notes:
        _append_errors(run, notes)


def _append_errors(run: SyncRun, errors: list[str]) -> None:
    with transaction.atomic():
        locked = SyncRun.objects.select_for_update().only("errors").get(pk=run.pk)
        room = ERROR_CAP - len(locked.errors)
        if room > 0:
            SyncRun.objects.filter(pk=run.pk).update(errors=[*locked.errors, *errors[:room]])


def _newest(records: list[ProductRecord], current: str) -> str:
    stamps = [r.external_updated_at for r in records if r.external_updated_at]
    return max(current, max(stamps).isoformat()) if stamps else current


def _store_page(run: SyncRun, source: PullSource, page: Page, bookmark: str) -> None:
    result = upsert_page(
        tenant=source.tenant,
        source=run.provider,
        connection_key=source.connection_key,
        records=page.records,
        default_currency=source.default_currency,
        savepoint=False,  # the page's own transaction (execute_chunk) ends with any error
    )
    for ref, message in page.failed_refs:
        result.failed += 1
        result.errors.append(f"{ref}: {message}")
    if run.mode == SyncMode.FULL:
        # Listed upstream is seen, whether or not it could be mapped or stored: a record
        # that failed is reported, never taken for a removal.
        refs = {r.external_id for r in page.records} | {ref for ref, _ in page.failed_refs}
        if refs:
            SyncSeen.objects.create(run=run, external_ids=sorted(refs))
    _record_page(run, result, page.total, bookmark, page.cursor)


@dataclass(frozen=True)
class ChunkEnd:
    """How a chunk ended: the run finished (or failed, or was cancelled), or it waits to be
    picked up again in `resume_in` seconds from its saved cursor."""

    run: SyncRun
    resume_in: float | None = None

    @property
    def finished(self) -> bool:
        return self.resume_in is None


def execute_chunk(
    run: SyncRun,
    source: PullSource,
    *,
    budget_seconds: float | None,
    clock: Callable[[], float] = time.monotonic,
) -> ChunkEnd:
    """Run pages until the run ends or `budget_seconds` of work is spent, then hand back.

    Why slices: a task that pulls 50,000 items holds a worker for minutes while small tenants
    wait behind it. A chunk stops at a page boundary the provider can resume from, puts the
    run back in the queue (status queued, cursor saved) and lets the caller send it again;
    the task then goes to the back of the queue. A provider's Pause (an export still being
    built) ends the chunk the same way, with a delay. Safe to call again for a finished run,
    and for a second delivery of the same chunk: only one claims it.
    """
    now = timezone.now()
    claimed = update_returning(
        run,
        where={"status": SyncStatus.QUEUED},
        status=SyncStatus.RUNNING,
        started_at=Coalesce(F("started_at"), now),
        heartbeat_at=now,
        chunks=F("chunks") + 1,
    )
    if not claimed:
        # Finished, or running in another task (a message handed back after a broker restart
        # while its first delivery still runs): this delivery does nothing. A run whose
        # worker died is marked abandoned by beat's sweep, by its heartbeat.
        return ChunkEnd(run)
    since = (
        last_bookmark(run.provider, run.connection_id) if run.mode == SyncMode.INCREMENTAL else None
    )
    bookmark = run.bookmark or (since.isoformat() if since else "")
    budget = Budget(clock() + budget_seconds if budget_seconds is not None else None, clock)
    # A source that keeps requests in flight may take the budget itself: it stops sending
    # when the time is spent, hands over what was in flight and ends with a Pause.
    takes_budget = getattr(source, "takes_budget", False)
    stored = False  # no page of this chunk yet
    try:
        with beating(run.pk):
            pages = source.pages(
                run.mode,
                since,
                list(run.selected_ids or []),
                cursor=dict(run.cursor) or None,
                **({"budget": budget} if takes_budget else {}),
            )
            if not takes_budget:
                pages = budget.pages(pages)
            for page in prefetched(pages, settings.SYNC_PREFETCH_PAGES):
                if isinstance(page, Pause):
                    return _requeue(run, page.cursor, page.seconds)
                if not stored and _leaves_before_storing(run, page, budget):
                    return _requeue(run, run.cursor, 0)  # as claimed: nothing moved it
                bookmark = _newest(page.records, bookmark)
                # One transaction per page: the rows, the seen set, the counters and the
                # cursor commit together.
                with transaction.atomic():
                    _store_page(run, source, page, bookmark)
                stored = True
                if page.cursor is not None and page.resumes_cheaply and _gives_way(run, budget):
                    # Now, not after the pages in flight: they are dropped and asked for again
                    # by the next chunk (see `turns`).
                    return _requeue(run, page.cursor, 0)
            if budget.stopped_at is not None:
                return _requeue(run, budget.stopped_at, 0)  # keeps a cancelled run cancelled
            verdict = _confirm_unseen(run, source, bookmark)
    except RunCancelled:
        _forget_seen(run)
        run.refresh_from_db()
        return ChunkEnd(run)
    except Exception as exc:
        fail_run(run, exc)
        raise
    return ChunkEnd(finish_run(run, source.connection_key, only=verdict.only, fresh=True))


def _gives_way(run: SyncRun, budget: "Budget") -> bool:
    """A worker's chunk with time left ends early for a shorter run waiting (see `turns`)."""
    return budget.timed and not budget.spent() and shorter_runs_waiting(run, timezone.now())


def _leaves_before_storing(run: SyncRun, page: Page, budget: "Budget") -> bool:
    """A run's first chunk may give way before it stores anything, once, and only when its
    first page says more follow: storing a first page under load took as long as the wait it
    would end, and a one-page run is the kind of run that is waiting (see `turns`)."""
    return (
        run.chunks == 1
        and page.cursor is not None
        and page.resumes_cheaply
        and _gives_way(run, budget)
    )


class Budget:
    """A chunk's time. `pages` ends a source's reading at the first resumable page once the
    time is spent; a source with requests in flight asks `spent()` itself instead.

    It runs where the pages are fetched (the prefetch thread), so nothing is fetched past the
    stop only to be thrown away and asked for again by the next chunk; the pages already
    fetched are still stored.
    """

    def __init__(self, deadline: float | None, clock: Callable[[], float]) -> None:
        self.deadline, self.clock = deadline, clock
        self.stopped_at: Cursor | None = None

    @property
    def timed(self) -> bool:
        """A worker's chunk; the synchronous command and benchmarks run the whole pull."""
        return self.deadline is not None

    def spent(self) -> bool:
        return self.deadline is not None and self.clock() >= self.deadline

    def left(self) -> bool:
        return not self.spent()

    def pages(self, pages: Iterator[Page | Pause]) -> Iterator[Page | Pause]:
        try:
            for page in pages:
                yield page
                if isinstance(page, Page) and page.cursor is not None and self.spent():
                    self.stopped_at = page.cursor
                    return
        finally:
            close = getattr(pages, "close", None)
            if close is not None:
                close()  # the source's own clean-up (a request pool) runs now


def _requeue(run: SyncRun, cursor: Cursor, delay: float) -> ChunkEnd:
    """Back to the queue with the cursor; `not_before` lets beat's sweep send it again if the
    caller's message is lost. A run cancelled meanwhile stays cancelled."""
    if update_returning(
        run,
        where={"status": SyncStatus.RUNNING},
        status=SyncStatus.QUEUED,
        cursor=cursor,
        not_before=timezone.now() + timedelta(seconds=delay),
    ):
        return ChunkEnd(run, resume_in=delay)
    _forget_seen(run)  # cancelled while its last page was stored
    return ChunkEnd(run)


def execute_run(
    run: SyncRun,
    source: PullSource,
    *,
    budget_seconds: float | None = None,
    hand_off: Callable[[ChunkEnd], bool] = lambda end: False,
    sleep: Callable[[float], None] = time.sleep,
) -> SyncRun:
    """Run the pull chunk after chunk until it ends or `hand_off` takes the next chunk.

    A worker passes a budget and a `hand_off` that queues the next chunk; when that fails
    (the broker is down) it carries on here. Without them (the synchronous command, tests,
    benchmarks) the whole pull runs in this thread. A Pause is slept through here.
    """
    while True:
        end = execute_chunk(run, source, budget_seconds=budget_seconds)
        if end.finished or hand_off(end):
            return end.run
        sleep(end.resume_in or 0)
        run = end.run


def _confirm_unseen(run: SyncRun, source: PullSource, bookmark: str) -> Verdict:
    """Before a full run deactivates what it did not see, ask upstream (see `removals`).

    The run is read afresh here, which is also where a cancellation since the last page
    is noticed (a page stored after it would have been refused by `_record_page`)."""
    run.refresh_from_db()
    if run.status == SyncStatus.CANCELLED:
        raise RunCancelled
    if run.mode != SyncMode.FULL or run.failed or not hasattr(source, "recheck"):
        return Verdict()  # listings that cannot skip an item (Shopify's cursors, its export)
    unseen = list(_unseen(run, source.connection_key).values_list("external_id", flat=True))
    verdict = confirm_removals(
        run,
        cast(Rechecking, source),
        unseen,
        store=lambda page: _store_page(run, source, page, bookmark),
    )
    if verdict.notes:
        # Every write to the run here comes with a note: rechecked items stored, or why not.
        _append_errors(run, [f"warning: {note}" for note in verdict.notes])
        run.refresh_from_db()
    return verdict


def _seen_ids(run: SyncRun) -> RawSQL:
    """Every id the run's pages saw, unnested in the database (PostgreSQL's jsonb, or
    SQLite's JSON for `make run`): a NOT IN over it is one hashed anti-join."""
    table = SyncSeen._meta.db_table
    if connection.vendor == "postgresql":
        query = f"SELECT jsonb_array_elements_text(external_ids) FROM {table} WHERE run_id = %s"
    else:
        query = f"SELECT j.value FROM {table} s, json_each(s.external_ids) j WHERE s.run_id = %s"
    return RawSQL(query, [run.pk])


def _active(run: SyncRun, connection_key: str) -> QuerySet[Product]:
    """The connection's active products that nothing wrote since the run started.

    A product a webhook or staff wrote meanwhile may be missing from the listing only because
    the listing was read before it existed (an export is a snapshot of its start; a page
    read before the product was created): that proves nothing, so the next full run judges it.
    """
    return Product.objects.filter(
        tenant_id=run.tenant_id,
        external_source=run.provider,
        external_connection=connection_key,
        is_active=True,
        updated_at__lt=run.started_at or run.created_at,
    )


def _unseen(run: SyncRun, connection_key: str) -> QuerySet[Product]:
    return _active(run, connection_key).exclude(external_id__in=_seen_ids(run))


def deactivate_unseen(run: SyncRun, connection_key: str, only: frozenset[str] | None = None) -> int:
    """After a complete full run: products of this connection it did not see are gone upstream
    (all of them, or `only` those when the source could confirm just some)."""
    if only is None:
        gone = _unseen(run, connection_key)
    elif only:
        # Computed from the seen set when the source was asked (`_confirm_unseen`).
        gone = _active(run, connection_key).filter(external_id__in=only)
    else:
        return 0
    ids = list(gone.values_list("pk", flat=True))
    # A cleared hash makes the product count as changed if it reappears upstream.
    return deactivate_products(
        tenant_id=run.tenant_id, product_ids=ids, changes={"external_hash": ""}
    )


def finish_run(
    run: SyncRun,
    connection_key: str | None = None,
    only: frozenset[str] | None = None,
    *,
    fresh: bool = False,
) -> SyncRun:
    """Removal only on proof: only a full run that stored every record it listed deactivates
    what upstream no longer lists. A PARTIAL run (any record failed) deactivates nothing.

    `fresh`: the caller read the run after its last write to it, so it is not read again."""
    if not fresh:
        run.refresh_from_db()
    deactivated = 0
    if run.mode == SyncMode.FULL and connection_key and not run.failed:
        deactivated = deactivate_unseen(run, connection_key, only)
    status = SyncStatus.PARTIAL if run.failed else SyncStatus.SUCCEEDED
    update_returning(
        run,
        status=status,
        finished_at=timezone.now(),
        deactivated=deactivated,
        total=F("processed"),
    )
    _forget_seen(run)
    log_sync(run)
    return run


def fail_run(run: SyncRun, exc: BaseException) -> None:
    """Keep what was stored; deactivate nothing; say why in words."""
    message = str(exc) or type(exc).__name__
    update_returning(
        run, status=SyncStatus.FAILED, finished_at=timezone.now(), message=message[:2000]
    )
    _forget_seen(run)
    log_sync(run)
    logger.warning("Sync run %s failed: %s", run.pk, message)


def log_sync(run: SyncRun) -> None:
    """Every sync operation leaves a WebhookLog row with its counts and duration."""
    elapsed = (
        (run.finished_at - run.started_at).total_seconds() * 1000
        if run.started_at and run.finished_at
        else None
    )
    WebhookLog.objects.create(
        tenant_id=run.tenant_id,
        provider=run.provider,
        connection_id=run.connection_id,
        event="product_sync",
        delivery_id=f"sync-run-{run.pk}",
        processed_at=run.finished_at,
        status=WebhookLog.Status.SUCCESS
        if run.status in (SyncStatus.SUCCEEDED, SyncStatus.PARTIAL)
        else WebhookLog.Status.ERROR,
        payload={
            "sync_run_id": run.pk,
            "mode": run.mode,
            "status": run.status,
            "total": run.total,
            "created": run.created,
            "updated": run.updated,
            "unchanged": run.unchanged,
            "deactivated": run.deactivated,
            "failed": run.failed,
        },
        error=run.message,
        processing_ms=round(elapsed) if elapsed is not None else None,
    )
