"""Taking turns: a long run's chunk ends early, at a page it can resume from, when a run with
fewer chunks has waited for a worker longer than SYNC_YIELD_AFTER_SECONDS.

Invariant: a run that has had fewer turns never waits behind a longer run for more than a page
of that run's work; runs with as many turns never yield to each other; a chunk always stores
at least one page, so every run progresses.
"""

from datetime import datetime, timedelta
from typing import Any

import pytest
import responses
from django.utils import timezone

from integrations.engine.runs import ChunkEnd, execute_chunk, execute_run
from integrations.engine.turns import shorter_runs_waiting
from integrations.models import SyncRun, SyncSeen
from integrations.zoho.models import ZohoCredential
from integrations.zoho.source import ZohoSource
from products_and_services.models import Product
from tests.integrations.conftest import other_run
from tests.integrations.test_chunked_runs import (
    ITEMS,
    pages_asked,
    serve_zoho_pages,
    zoho_run,
)

pytestmark = pytest.mark.django_db
NOW = datetime(2026, 12, 1, 12, 0, tzinfo=timezone.get_fixed_timezone(0))


def serve_pages_one_at_a_time(settings: Any, pages: list[list[int]] | None = None) -> None:
    """Zoho pages (of 2, 2 and 1 items unless given), read in the test's thread one at a time,
    so the page a chunk stops after is exact."""
    settings.SYNC_PREFETCH_PAGES = 0
    settings.ZOHO_PAGE_CONCURRENCY = 1
    serve_zoho_pages(pages or [[1, 2], [3, 4], [5]])


def running(chunks: int) -> SyncRun:
    """A long run in its chunk number `chunks`, due for it an hour before NOW."""
    return other_run(
        status="running",
        chunks=chunks,
        created_at=NOW - timedelta(hours=2),
        not_before=NOW - timedelta(hours=1),
        started_at=NOW - timedelta(hours=1),
    )


@pytest.mark.parametrize(
    ("fields", "waiting"),
    [
        ({"created_at": NOW - timedelta(seconds=1), "chunks": 0}, True),
        # Due only 0.1 s ago: a free worker may be about to take it.
        ({"created_at": NOW - timedelta(seconds=0.1), "chunks": 0}, False),
        # As many chunks as the running one: they do not trade places.
        ({"created_at": NOW - timedelta(seconds=1), "chunks": 2}, False),
        ({"created_at": NOW - timedelta(seconds=1), "chunks": 1}, True),
        # A retry's delay not yet over, or just over.
        ({"created_at": NOW - timedelta(hours=1), "not_before": NOW + timedelta(seconds=5)}, False),
        ({"created_at": NOW - timedelta(hours=1), "not_before": NOW - timedelta(seconds=1)}, True),
        # Due before the long run's chunk was, so it had the slot first and its message is not
        # in the queue (lost with a broker): the sweep sends it again, giving way would not help.
        ({"created_at": NOW - timedelta(hours=3), "chunks": 0}, False),
        (
            {
                "created_at": NOW - timedelta(hours=3),
                "not_before": NOW - timedelta(hours=1, seconds=1),
            },
            False,
        ),
        # Not waiting at all.
        ({"created_at": NOW - timedelta(seconds=1), "status": "running"}, False),
        ({"created_at": NOW - timedelta(seconds=1), "status": "succeeded"}, False),
    ],
)
def test_which_runs_count_as_waiting(fields: dict[str, Any], waiting: bool, settings: Any) -> None:
    settings.SYNC_YIELD_AFTER_SECONDS = 0.1
    long_run = running(chunks=2)
    other_run(**fields)
    assert shorter_runs_waiting(long_run, NOW) is waiting


def resumed_run(zoho_credential: ZohoCredential) -> SyncRun:
    """A long run queued for its second chunk, from the start, due 10 s ago."""
    run = zoho_run(zoho_credential)
    SyncRun.objects.filter(pk=run.pk).update(
        created_at=timezone.now() - timedelta(seconds=10), chunks=1
    )
    run.refresh_from_db()
    return run


@responses.activate
def test_a_chunk_gives_way_after_a_page_to_a_run_queued_behind_it_with_fewer_chunks(
    zoho_credential: ZohoCredential, settings: Any
) -> None:
    serve_pages_one_at_a_time(settings)
    run = resumed_run(zoho_credential)
    other_run(created_at=timezone.now() - timedelta(seconds=5))

    first = execute_chunk(run, ZohoSource(zoho_credential), budget_seconds=3600)
    assert first.resume_in == 0
    assert (first.run.status, first.run.cursor, first.run.processed, first.run.chunks) == (
        "queued",
        {"page": 2, "seen": 2},
        2,
        2,
    )
    assert pages_asked() == ["1"]
    # Queued again, the long run is now due after the small one: if that one still waits, it
    # is not for want of a slot, and the next chunk runs to the end.
    last = execute_chunk(first.run, ZohoSource(zoho_credential), budget_seconds=3600)
    assert (last.run.status, last.run.created, last.run.chunks) == ("succeeded", 5, 3)
    assert pages_asked() == ["1", "2", "3"]  # each page once
    assert sorted(Product.objects.values_list("external_id", flat=True)) == list("12345")


@responses.activate
def test_a_first_chunk_gives_way_before_storing_its_first_page_once(
    zoho_credential: ZohoCredential, settings: Any
) -> None:
    """Its first page says more follow and a run waits behind it: the first chunk leaves
    with nothing stored and its cursor as it was. The second chunk stores a page before it may
    give way, so the run progresses however many runs queue behind it."""
    settings.SYNC_YIELD_AFTER_SECONDS = 0
    serve_pages_one_at_a_time(settings)
    run = zoho_run(zoho_credential)
    other_run()  # queued behind the long run's first chunk

    first = execute_chunk(run, ZohoSource(zoho_credential), budget_seconds=3600)
    assert (first.resume_in, first.run.status, first.run.cursor, first.run.chunks) == (
        0,
        "queued",
        {},
        1,
    )
    assert (first.run.processed, Product.objects.count()) == (0, 0)
    assert pages_asked() == ["1"]

    other_run()  # queued behind the second chunk
    second = execute_chunk(first.run, ZohoSource(zoho_credential), budget_seconds=3600)
    assert (second.run.status, second.run.cursor, second.run.processed) == (
        "queued",
        {"page": 2, "seen": 2},
        2,
    )
    assert pages_asked() == ["1", "1"]


@responses.activate
def test_a_one_page_run_never_gives_way_before_its_page(
    zoho_credential: ZohoCredential, settings: Any
) -> None:
    """Its only page has no cursor: giving way would make a short run wait for a longer one."""
    settings.SYNC_YIELD_AFTER_SECONDS = 0
    serve_pages_one_at_a_time(settings, [[1, 2]])
    run = zoho_run(zoho_credential)
    other_run()
    end = execute_chunk(run, ZohoSource(zoho_credential), budget_seconds=3600)
    assert (end.run.status, end.run.created, end.run.chunks) == ("succeeded", 2, 1)
    assert pages_asked() == ["1"]


@responses.activate
def test_a_chunk_gives_way_again_to_each_run_queued_behind_it(
    zoho_credential: ZohoCredential, settings: Any
) -> None:
    """A run queued behind each chunk in turn: the first chunk leaves before its first page,
    every later one stores a page and gives way, so the long run still ends, each page stored
    once and the first asked for twice."""
    settings.SYNC_YIELD_AFTER_SECONDS = 0
    serve_pages_one_at_a_time(settings)
    end = ChunkEnd(zoho_run(zoho_credential), resume_in=0)
    while not end.finished:
        other_run()  # queued now, behind the long run's chunk
        end = execute_chunk(end.run, ZohoSource(zoho_credential), budget_seconds=3600)
    assert (end.run.status, end.run.created, end.run.chunks) == ("succeeded", 5, 4)
    assert pages_asked() == ["1", "1", "2", "3"]
    assert sorted(Product.objects.values_list("external_id", flat=True)) == list("12345")


@responses.activate
def test_with_nobody_waiting_a_chunk_runs_until_its_time_is_spent(
    zoho_credential: ZohoCredential, settings: Any
) -> None:
    serve_pages_one_at_a_time(settings)
    run = zoho_run(zoho_credential)
    other_run(created_at=timezone.now() - timedelta(seconds=5), status="running", chunks=0)
    other_run(created_at=timezone.now(), chunks=0)  # just queued: a free worker takes it
    end = execute_chunk(run, ZohoSource(zoho_credential), budget_seconds=3600)
    assert (end.run.status, end.run.created, end.run.chunks) == ("succeeded", 5, 1)


@responses.activate
def test_a_run_without_a_budget_never_gives_way(
    zoho_credential: ZohoCredential, settings: Any
) -> None:
    """The synchronous command and the benchmarks run a pull whole, with no query a page."""
    serve_pages_one_at_a_time(settings)
    run = zoho_run(zoho_credential)
    other_run(created_at=timezone.now() - timedelta(seconds=5))
    run = execute_run(run, ZohoSource(zoho_credential))
    assert (run.status, run.created, run.chunks) == ("succeeded", 5, 1)


@responses.activate
def test_giving_way_at_every_turn_removes_only_what_no_chunk_saw(
    zoho_credential: ZohoCredential, settings: Any
) -> None:
    """Removal only on proof: a full run that leaves before its first page and after each later
    one deactivates just the item upstream no longer lists, never one a dropped page held."""
    settings.SYNC_YIELD_AFTER_SECONDS = 0
    serve_pages_one_at_a_time(settings, [[1, 2], [3, 4], [5, 6]])
    execute_run(zoho_run(zoho_credential), ZohoSource(zoho_credential))
    responses.reset()
    serve_pages_one_at_a_time(settings, [[1, 2], [3, 4], [5]])  # 6 is gone upstream
    responses.get(f"{ITEMS}/6", json={"code": 1002, "message": "Item does not exist."})
    end = ChunkEnd(zoho_run(zoho_credential), resume_in=0)
    while not end.finished:
        other_run()  # queued behind each chunk
        end = execute_chunk(end.run, ZohoSource(zoho_credential), budget_seconds=3600)
    assert (end.run.status, end.run.unchanged, end.run.deactivated, end.run.chunks) == (
        "succeeded",
        5,
        1,
        4,
    )
    assert pages_asked() == ["1", "1", "2", "3"]
    active = Product.objects.filter(is_active=True).values_list("external_id", flat=True)
    assert sorted(active) == list("12345")
    assert not SyncSeen.objects.exists()
