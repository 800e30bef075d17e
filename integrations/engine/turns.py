"""Taking turns: a long pull's chunk ends early when a run with fewer turns waits for a worker.

A chunk's time budget (`SYNC_CHUNK_SECONDS`) bounds how long a large tenant holds a worker
slot, but a small tenant's run queued behind full slots still waits out that budget. So after
each page it stores, a chunk asks whether some run that has had fewer chunks than it, queued
behind it, has been due for longer than `SYNC_YIELD_AFTER_SECONDS`; if so it ends there, at the
page just stored, and goes to the back of the queue behind the runs that waited (least attained
service first). Runs with as many chunks never yield to each other, so two large tenants do not
trade places a page at a time. A run's first chunk may yield before it stores anything, once,
when its first page says more follow (`runs._leaves_before_storing`): under load, storing that
page took as long as the wait it would end. Every later chunk stores at least one page before
it yields, so every run progresses.

It does not first store the pages already asked for: under load, storing a window of 4 Zoho
pages took longer than the wait it was meant to end. The next chunk asks for them again, so a
yield costs at most the source's window plus one prefetched page in repeated requests, and
only happens while a run waits for a slot. A page whose resumption redoes work
(`Page.resumes_cheaply` false: a Shopify bulk export, downloaded again by every chunk) is never
left early: such a chunk ends when its time is spent.
"""

from datetime import datetime, timedelta

from django.conf import settings

from integrations.engine.watchdog import queued_by_due
from integrations.models import SyncRun


def shorter_runs_waiting(run: SyncRun, now: datetime) -> bool:
    """Whether a run with fewer chunks than `run` was queued behind it and has waited longer
    than the grace.

    Behind it: due after this chunk of `run` was. One due before it would have had the slot
    first, so if it still waits its message is not in the queue (lost with a broker, which
    beat's sweep sends again, and the run is then due anew) and giving way would not help it;
    without this, a long run would give way after every page until the sweep. One query, on
    the partial unique index that holds just the queued and running runs."""
    mine = run.not_before or run.created_at
    cutoff = now - timedelta(seconds=settings.SYNC_YIELD_AFTER_SECONDS)
    return queued_by_due().filter(due__gt=mine, due__lt=cutoff, chunks__lt=run.chunks).exists()
