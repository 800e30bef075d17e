"""Removal only on proof, for listings whose pages are numbered.

Zoho and WooCommerce number their pages. When an item on an earlier page is deleted while a
run reads the listing (and chunked runs read it over minutes), every later item moves back
one place, so the item at the start of the next page is never listed to us. Not seeing an
item is then no proof that it is gone. Before the run deactivates what it did not see, the
source is asked for those items directly: the ones still there are stored like any listed
record, and only the ones upstream no longer has are deactivated.

The check is bounded (`SYNC_REMOVAL_CHECKS`), since Zoho allows 100 calls a minute. When more
items went unseen (a merchant deleted many at once), a sample of them is checked: if every
sampled item is gone the listing held together and all of them are deactivated; if any is
still there the listing moved, so only the sampled items proven gone are deactivated and the
rest wait for the next full run.
"""

import random
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Protocol

from django.conf import settings
from django.db import transaction

from integrations.http import ApiError
from integrations.models import SyncRun

if TYPE_CHECKING:
    from integrations.engine.runs import Page


class Rechecking(Protocol):
    """A source whose listing can skip an item, and that can be asked about items by id."""

    def recheck(self, external_ids: list[str]) -> "Page":
        """The records upstream still has among these ids (or that fail to map, which are no
        proof of removal either); the rest are gone."""
        ...


@dataclass(frozen=True)
class Verdict:
    """Which unseen items the run may deactivate: `only` those, or (None, a source that is not
    asked) every item the run did not see."""

    only: frozenset[str] | None = None
    notes: tuple[str, ...] = ()


def confirm_removals(
    run: SyncRun,
    source: Rechecking,
    unseen: list[str],
    store: Callable[["Page"], None],
) -> Verdict:
    """Ask the source about the items the run did not see; store those still upstream."""
    if not unseen:
        return Verdict(only=frozenset())
    limit = settings.SYNC_REMOVAL_CHECKS
    sample = sorted(unseen) if len(unseen) <= limit else _sample(run, unseen, limit)
    try:
        page = source.recheck(sample)
    except ApiError as exc:
        # Nothing is proven gone: keep everything, the next full run decides.
        return Verdict(
            only=frozenset(),
            notes=(
                f"{len(unseen)} items were not listed, but checking whether they are gone "
                f"failed ({exc.message}); none was deactivated.",
            ),
        )
    if page.records or page.failed_refs:
        with transaction.atomic():
            store(page)
    found = {r.external_id for r in page.records} | {ref for ref, _ in page.failed_refs}
    notes: list[str] = []
    if found:
        notes.append(
            f"{len(found)} items the listing skipped (it changed while it was read) are "
            f"still upstream and were stored: {', '.join(sorted(found)[:20])}."
        )
    if len(unseen) <= limit or not found:
        return Verdict(only=frozenset(unseen) - found, notes=tuple(notes))
    notes.append(
        f"{len(unseen) - len(sample)} unlisted items were not checked one by one; they stay "
        "active until the next full run, because the listing changed while it was read."
    )
    return Verdict(only=frozenset(sample) - found, notes=tuple(notes))


def _sample(run: SyncRun, unseen: list[str], limit: int) -> list[str]:
    """A sample that is the same for the same run (a retried chunk asks the same items)."""
    return sorted(random.Random(run.pk).sample(sorted(unseen), limit))
