"""Removal only on proof (issue 10, finding 2): a full run deactivates an item only when the run
stored every record it listed and upstream no longer lists the item."""

from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal

import pytest

from integrations.engine.records import ProductRecord
from integrations.engine.runs import Page, RunAborted, execute_run, start_run
from integrations.models import SyncMode, SyncRun
from products_and_services.models import Product
from tenants.models import Tenant

pytestmark = pytest.mark.django_db


@dataclass
class ListedSource:
    """A provider whose upstream is a fixed list of pages (the engine's PullSource protocol)."""

    tenant: Tenant
    pages_: list[Page]
    provider: str = "zoho"
    connection_id: int = 1
    default_currency: str = "USD"
    fail_after: int | None = None
    calls: list[str] = field(default_factory=list)

    @property
    def connection_key(self) -> str:
        return "zoho:1"

    def pages(
        self, mode: str, since: datetime | None, selected: list[str], cursor: object = None
    ) -> Iterator[Page]:
        for index, page in enumerate(self.pages_):
            if self.fail_after is not None and index >= self.fail_after:
                raise RunAborted("upstream went away")
            yield page


def item(n: int, **fields: object) -> ProductRecord:
    values: dict[str, object] = {
        "external_id": str(n),
        "name": f"Item {n}",
        "sku": f"I-{n}",
        "price": Decimal("5"),
    }
    values.update(fields)
    return ProductRecord(**values)  # type: ignore[arg-type]


def run_full(tenant: Tenant, *pages: Page, fail_after: int | None = None) -> SyncRun:
    run, _ = start_run(
        tenant=tenant, provider="zoho", connection_id=1, trigger="api", mode=SyncMode.FULL
    )
    source = ListedSource(tenant=tenant, pages_=list(pages), fail_after=fail_after)
    try:
        return execute_run(run, source)
    except RunAborted:
        run.refresh_from_db()
        return run


def active_skus(tenant: Tenant) -> list[str]:
    return sorted(
        Product.objects.filter(tenant=tenant, is_active=True).values_list("sku", flat=True)
    )


def test_a_record_that_failed_to_map_is_never_removed(tenant: Tenant) -> None:
    run_full(tenant, Page(records=[item(1), item(2), item(3)]))
    run = run_full(tenant, Page(records=[item(1), item(3)], failed_refs=[("2", "price: 'abc'")]))
    assert (run.status, run.failed, run.deactivated) == ("partial", 1, 0)
    assert active_skus(tenant) == ["I-1", "I-2", "I-3"]


def test_a_record_that_failed_to_store_is_never_removed(tenant: Tenant) -> None:
    run_full(tenant, Page(records=[item(1), item(2)]))
    run = run_full(tenant, Page(records=[item(1), item(2, price=Decimal("-1"))]))
    assert (run.status, run.failed, run.deactivated) == ("partial", 1, 0)
    assert active_skus(tenant) == ["I-1", "I-2"]


def test_a_partial_run_removes_nothing_even_what_upstream_dropped(tenant: Tenant) -> None:
    run_full(tenant, Page(records=[item(1), item(2), item(3)]))
    run = run_full(tenant, Page(records=[item(1)], failed_refs=[("9", "bad")]))
    assert (run.status, run.deactivated) == ("partial", 0)
    assert active_skus(tenant) == ["I-1", "I-2", "I-3"]


def test_a_run_that_fails_part_way_removes_nothing(tenant: Tenant) -> None:
    run_full(tenant, Page(records=[item(1)]), Page(records=[item(2)]))
    run = run_full(tenant, Page(records=[item(1)]), Page(records=[item(2)]), fail_after=1)
    assert (run.status, run.deactivated) == ("failed", 0)
    assert active_skus(tenant) == ["I-1", "I-2"]


def test_a_complete_run_removes_what_upstream_no_longer_lists_and_tells_meta(
    tenant: Tenant,
) -> None:
    run_full(tenant, Page(records=[item(1), item(2)]))
    Product.objects.update(meta_sync_next_attempt=None, meta_sync_attempts=5)
    run = run_full(tenant, Page(records=[item(1)]))
    assert (run.status, run.deactivated) == ("succeeded", 1)
    assert active_skus(tenant) == ["I-1"]
    gone = Product.objects.get(sku="I-2")
    # A removal reaches Meta whatever the failure count (issue 16, finding 2).
    assert (gone.meta_sync_attempts, gone.meta_sync_next_attempt is not None) == (0, True)
