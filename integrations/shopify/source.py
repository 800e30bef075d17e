"""Shopify as a pull source: bulk export for large full syncs, cost-paced pages otherwise."""

from collections.abc import Iterator
from datetime import datetime
from typing import Any

from django.conf import settings

from integrations.engine.runs import Page
from integrations.http import TerminalError
from integrations.models import Provider, SyncMode
from integrations.shopify.bulk import BulkJoin
from integrations.shopify.client import ShopifyClient
from integrations.shopify.mapper import MappingError, transform_product
from integrations.shopify.models import ShopifyStore
from tenants.models import Tenant

BULK_PAGE = 250


class ShopifySource:
    provider = Provider.SHOPIFY

    def __init__(self, store: ShopifyStore, client: ShopifyClient | None = None) -> None:
        self.store = store
        self.client = client or ShopifyClient(store)
        self.connection_id: int = store.pk
        self.tenant: Tenant = store.tenant
        self.default_currency = store.currency
        self.used_bulk = False

    @property
    def connection_key(self) -> str:
        return self.store.connection_key

    def _page(
        self, pairs: list[tuple[dict[str, Any], list[dict[str, Any]]]], total: int | None
    ) -> Page:
        page = Page(records=[], total=total)
        for node, variants in pairs:
            try:
                page.records.append(
                    transform_product(node, variants, currency=self.default_currency)
                )
            except MappingError as exc:
                page.failed_refs.append((str(node.get("id", "?")), str(exc)))
        return page

    def pages(self, mode: str, since: datetime | None, selected: list[str]) -> Iterator[Page]:
        if mode == SyncMode.SELECTED:
            raise TerminalError(
                "Selected-item sync is not offered for Shopify; run an incremental sync."
            )
        total: int | None = None
        if mode == SyncMode.FULL:
            counted = self.client.products_count()
            total = counted.total
            if not counted.exact or counted.count > settings.SHOPIFY_BULK_THRESHOLD:
                self.used_bulk = True
                yield from self._bulk_pages(total)
                return
        stamp = since.strftime("%Y-%m-%dT%H:%M:%SZ") if since else None
        for pairs in self.client.product_pages(updated_since=stamp):
            yield self._page(pairs, total)

    def _bulk_pages(self, total: int | None) -> Iterator[Page]:
        """Rebuild products from the export, joining variant rows by `__parentId` in any order
        (see `bulk.BulkJoin`: spilled to a temporary SQLite file, so memory stays bounded)."""
        url = self.client.run_bulk_export(poll_seconds=settings.SHOPIFY_BULK_POLL_SECONDS)
        with BulkJoin() as joined:
            joined.add_lines(self.client.bulk_lines(url))
            for pairs in joined.pages(BULK_PAGE):
                yield self._page(pairs, total)
            orphans = joined.orphans()
            if orphans:
                page = Page(records=[], total=total)
                page.failed_refs.append(
                    ("bulk export", f"{orphans} variant rows name a product the export lacks")
                )
                yield page
