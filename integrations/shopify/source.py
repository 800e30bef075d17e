"""Shopify as a pull source: bulk export for large full syncs, cost-paced pages otherwise."""

import time
from collections.abc import Callable, Iterator
from datetime import datetime
from typing import Any

from django.conf import settings

from integrations.engine.runs import Cursor, Page, Pause
from integrations.http import RetryableError, TerminalError
from integrations.models import Provider, SyncMode
from integrations.shopify.bulk import BulkJoin
from integrations.shopify.client import ShopifyClient
from integrations.shopify.mapper import MappingError, transform_product
from integrations.shopify.models import ShopifyStore
from tenants.models import Tenant

BULK_PAGE = 250
# Pages of an export between points a chunk may stop at: a resumed chunk downloads the export
# again, so stopping after every page would repeat that for every 250 products.
BULK_PAGES_PER_CHUNK = 8


class ShopifySource:
    provider = Provider.SHOPIFY

    def __init__(self, store: ShopifyStore, client: ShopifyClient | None = None) -> None:
        self.store = store
        self.client = client or ShopifyClient(store)
        self.connection_id: int = store.pk
        self.tenant: Tenant = store.tenant
        self.default_currency = store.currency
        self.used_bulk = False
        self.wall_clock: Callable[[], float] = time.time  # across tasks, so not monotonic

    @property
    def connection_key(self) -> str:
        return self.store.connection_key

    def _page(
        self,
        pairs: list[tuple[dict[str, Any], list[dict[str, Any]]]],
        total: int | None,
        cursor: Cursor | None = None,
    ) -> Page:
        page = Page(records=[], total=total, cursor=cursor)
        for node, variants in pairs:
            try:
                page.records.append(
                    transform_product(node, variants, currency=self.default_currency)
                )
            except MappingError as exc:
                page.failed_refs.append((str(node.get("id", "?")), str(exc)))
        return page

    def pages(
        self,
        mode: str,
        since: datetime | None,
        selected: list[str],
        cursor: Cursor | None = None,
    ) -> Iterator[Page | Pause]:
        """Bulk export for a large full sync, pages otherwise; each page carries where a
        later chunk resumes (the export and how many products were stored, or the cursor)."""
        if mode == SyncMode.SELECTED:
            raise TerminalError(
                "Selected-item sync is not offered for Shopify; run an incremental sync."
            )
        state = cursor or {}
        total: int | None = state.get("total")
        if "bulk" in state:
            self.used_bulk = True
            yield from self._bulk_pages(total, state)
            return
        if mode == SyncMode.FULL and "after" not in state:
            counted = self.client.products_count()
            total = counted.total
            if not counted.exact or counted.count > settings.SHOPIFY_BULK_THRESHOLD:
                self.used_bulk = True
                yield from self._bulk_pages(total, {})
                return
        stamp = since.strftime("%Y-%m-%dT%H:%M:%SZ") if since else None
        pages = self.client.product_pages(updated_since=stamp, after=state.get("after"))
        for pairs, after in pages:
            resume = {"after": after, "total": total} if after else None
            yield self._page(pairs, total, resume)

    def _bulk_pages(self, total: int | None, state: Cursor) -> Iterator[Page | Pause]:
        """Rebuild products from the export, joining variant rows by `__parentId` in any order
        (see `bulk.BulkJoin`: spilled to a temporary SQLite file, so memory stays bounded).

        A long export is not waited for in a worker: after `SHOPIFY_BULK_INLINE_WAIT_SECONDS`
        of polls the run pauses and a delayed task asks again, each time waiting twice as long
        up to `SHOPIFY_BULK_RECHECK_MAX_SECONDS`. A later chunk downloads the export again and
        skips the products already stored.
        """
        operation = state.get("bulk")
        started = float(state.get("started", self.wall_clock()))
        if operation is None:
            operation = self.client.start_bulk_export()
            url = self.client.wait_for_bulk(
                operation,
                poll_seconds=settings.SHOPIFY_BULK_POLL_SECONDS,
                within_seconds=settings.SHOPIFY_BULK_INLINE_WAIT_SECONDS,
            )
        else:
            url = state.get("url")
            if url is None:
                url = self.client.bulk_result(operation)
        if url is None:
            if self.wall_clock() - started > settings.SHOPIFY_BULK_TIMEOUT_SECONDS:
                raise RetryableError("Shopify bulk operation did not finish in time")
            wait = float(state.get("wait", settings.SHOPIFY_BULK_POLL_SECONDS / 2))
            wait = min(wait * 2, settings.SHOPIFY_BULK_RECHECK_MAX_SECONDS)
            yield Pause(wait, {"bulk": operation, "started": started, "wait": wait, "total": total})
            return
        done = int(state.get("done", 0))
        with BulkJoin() as joined:
            joined.add_lines(self.client.bulk_lines(url))
            for number, pairs in enumerate(joined.pages(BULK_PAGE, after=done), start=1):
                done += len(pairs)
                # A resumable point every few pages: each chunk downloads the export again.
                resumable = number % BULK_PAGES_PER_CHUNK == 0
                resume = {"bulk": operation, "url": url, "done": done, "total": total}
                page = self._page(pairs, total, resume if resumable else None)
                page.resumes_cheaply = False  # a later chunk downloads the export again
                yield page
            orphans = joined.orphans()
            if orphans:
                page = Page(records=[], total=total)
                page.failed_refs.append(
                    ("bulk export", f"{orphans} variant rows name a product the export lacks")
                )
                yield page
