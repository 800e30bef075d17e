"""The catalog's promise, model-checked (ARCHITECTURE.md, "Invariants").

Hypothesis runs random sequences of: API create, update, delete, SKU changes on products and
variants, variant add/remove/rename; full pulls from a Zoho-like and a WooCommerce-like
connection whose upstream is edited, emptied and given records that fail to map; plugin events
(duplicates and out-of-order ones included); Meta outages that start and end; flushes; and a
worker that dies holding a batch. The pulls go through the real engine (`execute_run`), events
through the webhook apply path, pushes through the real flush against the Meta simulator over
HTTP. After each sequence the queues are drained (Meta back, the clock moved past every lease
and pause) and these must hold:

1. Meta's catalog equals the projection of the active catalog the model expects;
2. no retailer id is held by two items (in Meta and in the database);
3. nothing upstream still lists was deactivated: every pulled item is exactly as the model says;
4. no item ends failed, or spent an attempt, because of an outage.

CI runs a bounded number of sequences; `make fuzz` runs it for as long as asked.
"""

import contextlib
import itertools
import json
import os
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest
import time_machine
from django.utils import timezone
from hypothesis import HealthCheck
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    Bundle,
    RuleBasedStateMachine,
    consumes,
    initialize,
    precondition,
    rule,
    run_state_machine_as_test,
)
from rest_framework.test import APIClient

from integrations.engine.records import ProductRecord
from integrations.engine.runs import Page, execute_chunk, start_run
from integrations.models import SyncMode, SyncRun
from integrations.webhooks.apply import Outcome, apply_record, deactivate_product
from meta_integration.client import MetaError
from meta_integration.models import MetaAppConfig, MetaDeletion, MetaParkedRound
from meta_integration.parking import overdue, recheck
from meta_integration.push import (
    FlushReport,
    active_config,
    claim_due,
    client_for,
    flush_tenant,
    mapping_context,
    prepare_round,
)
from products_and_services.models import CatalogIdentity, Product
from simulators.base import SimulatorServer
from simulators.meta import MetaSimulator
from tenants.models import Tenant
from tenants.scopes import ALL_SCOPES
from tenants.services import issue_api_key

EXAMPLES = int(os.environ.get("CATALOG_FUZZ_EXAMPLES", "20"))
STEPS = int(os.environ.get("CATALOG_FUZZ_STEPS", "30"))
STATS_FILE = os.environ.get("CATALOG_FUZZ_STATS", "")
PRODUCTS = "/v1/catalog/products/"
IMAGE = "https://img.example.com/item.jpg"
T0 = datetime(2026, 1, 1, tzinfo=UTC)
MANUAL_SKUS = [f"M-{i}" for i in range(6)]
POOLS = {"zoho": [f"Z-{i}" for i in range(4)], "woocommerce": [f"W-{i}" for i in range(4)]}
CONNECTIONS = {"zoho": ("zoho:1", 1), "woocommerce": ("woocommerce:1", 1)}
PAGE_SIZE = 2
PRICES = st.sampled_from([Decimal("5.00"), Decimal("7.50"), Decimal("12.00")])
COUNTER = itertools.count(1)


@dataclass
class ManualItem:
    """A product written through the API, as the model expects it."""

    pk: int
    sku: str
    price: Decimal
    active: bool = True
    variants: list[tuple[int, str]] = field(default_factory=list)  # (variant pk, sku)

    def claims(self) -> list[str]:
        skus = [self.sku] if self.sku else []
        for _, sku in self.variants:
            if sku and not (sku == self.sku and len(self.variants) == 1):
                skus.append(sku)
        return skus


@dataclass
class UpstreamRecord:
    """One record as its shop lists it. `version` is its modification time in seconds."""

    ext_id: str
    sku: str
    price: Decimal
    active: bool = True
    listed: bool = True
    broken: bool = False  # fails to map until edited
    version: int = 0
    history: list[tuple[int, str, Decimal, bool]] = field(default_factory=list)


@dataclass
class StoredItem:
    """What the database must hold for a pulled item."""

    sku: str
    price: Decimal
    active: bool
    version: int
    hash_cleared: bool = False
    written: int = 0  # the step that last wrote its row (a full run started later keeps it)


def record_of(source: str, rec: UpstreamRecord, version: tuple[int, str, Decimal, bool]) -> Any:
    stamp, sku, price, active = version
    return ProductRecord(
        external_id=rec.ext_id,
        name=f"{source} {rec.ext_id}",
        sku=sku,
        price=price,
        is_active=active,
        images=(IMAGE,),
        external_updated_at=T0 + timedelta(seconds=stamp),
    )


@dataclass
class ListedSource:
    """The engine's PullSource over a model upstream's listing, as it was when the run started:
    pages of PAGE_SIZE entries (broken ones failing to map), each saying where the next chunk
    resumes."""

    tenant: Tenant
    provider: str
    listing: list[tuple[UpstreamRecord, bool]]  # (the record as listed, broken)
    connection_id: int = 1
    default_currency: str = "USD"

    @property
    def connection_key(self) -> str:
        return CONNECTIONS[self.provider][0]

    def page_entries(self) -> list[list[tuple[UpstreamRecord, bool]]]:
        entries = self.listing
        return [entries[i : i + PAGE_SIZE] for i in range(0, len(entries), PAGE_SIZE)] or [[]]

    def pages(
        self, mode: str, since: Any, selected: list[str], cursor: Any = None
    ) -> Iterator[Page]:
        pages = self.page_entries()
        start = int((cursor or {}).get("page", 0))
        for number in range(start, len(pages)):
            yield Page(
                records=[
                    record_of(self.provider, r, r.history[-1])
                    for r, broken in pages[number]
                    if not broken
                ],
                failed_refs=[(r.ext_id, "cannot map") for r, broken in pages[number] if broken],
                cursor={"page": number + 1} if number + 1 < len(pages) else None,
            )


@dataclass
class OpenRun:
    """A full run between chunks, and what the model expects of it so far."""

    run: SyncRun
    source: ListedSource
    started: int  # the step it started at
    next_page: int = 0
    failures: int = 0


class CatalogMachine(RuleBasedStateMachine):
    sim: MetaSimulator

    manual = Bundle("manual")

    def __init__(self) -> None:
        super().__init__()
        n = next(COUNTER)
        self.tenant = Tenant.objects.create(name=f"Fuzz {n}", slug=f"fuzz-{uuid.uuid4().hex[:12]}")
        self.catalog = f"fuzz-{self.tenant.slug}"
        MetaAppConfig.objects.create(
            tenant=self.tenant,
            access_token="fuzz-token",
            catalog_id=self.catalog,
            default_product_url="https://shop.example.com/",
            currency="USD",
            include_images=True,
        )
        key = issue_api_key(tenant=self.tenant, name="fuzz", scopes=list(ALL_SCOPES))
        self.api = APIClient()
        self.api.credentials(HTTP_X_TENANT_ID=self.tenant.slug, HTTP_X_TENANT_API_KEY=key.plain_key)
        self.items: dict[int, ManualItem] = {}
        self.upstream: dict[str, dict[str, UpstreamRecord]] = {"zoho": {}, "woocommerce": {}}
        self.stored: dict[tuple[str, str], StoredItem] = {}
        self.clock = itertools.count(1)
        self.steps = 0
        self.open_runs: dict[str, OpenRun] = {}
        self.outage(False)
        self.slow(False)

    # --- the model's view of identities ----------------------------------------------------
    def owners(self) -> dict[str, object]:
        held: dict[str, object] = {}
        for item in self.items.values():
            for sku in item.claims():
                held[sku] = ("manual", item.pk)
        for key, stored in self.stored.items():
            if stored.sku:
                held[stored.sku] = key
        return held

    def owned_skus(self) -> list[str]:
        return sorted(self.owners())

    def outage(self, on: bool) -> None:
        with self.sim.lock:
            self.sim.knobs["fail_next"] = 10**9 if on else 0

    def slow(self, on: bool) -> None:
        """Meta answers "started" to a batch's first two polls: the flush parks it."""
        with self.sim.lock:
            self.sim.knobs["polls_until_finished"] = 2 if on else 0

    # --- API writes -------------------------------------------------------------------------
    def sku_choice(self, data: st.DataObject) -> str:
        return data.draw(st.sampled_from(["", *MANUAL_SKUS, *self.owned_skus()]))

    @initialize()
    def start(self) -> None:
        self.steps = 0

    @rule(target=manual, data=st.data(), price=PRICES)
    def api_create(self, data: st.DataObject, price: Decimal) -> Any:
        self.steps += 1
        sku = self.sku_choice(data)
        variants = data.draw(st.lists(st.sampled_from(MANUAL_SKUS), max_size=2))
        body = {
            "name": f"Manual {sku}",
            "sku": sku,
            "price": str(price),
            "images": [{"url": IMAGE}],
            "variants": [{"sku": v, "options": {"Option": str(i)}} for i, v in enumerate(variants)],
        }
        candidate = ManualItem(pk=0, sku=sku, price=price, variants=[(0, v) for v in variants])
        clash = self.clashes(candidate.claims(), mine=None)
        response = self.api.post(PRODUCTS, body, format="json")
        if clash:
            assert response.status_code == 400, response.json()
            return None
        assert response.status_code == 201, response.json()
        created = response.json()
        candidate.pk = created["id"]
        candidate.variants = [(v["id"], v["sku"]) for v in created["variants"]]
        self.items[candidate.pk] = candidate
        return candidate.pk

    def clashes(self, claims: list[str], mine: object) -> bool:
        if len(claims) != len(set(claims)):
            return True
        owners = self.owners()
        return any(sku in owners and owners[sku] != mine for sku in claims)

    @rule(pk=manual, price=PRICES)
    def api_price(self, pk: int | None, price: Decimal) -> None:
        self.steps += 1
        if pk not in self.items:
            return
        response = self.api.patch(f"{PRODUCTS}{pk}/", {"price": str(price)}, format="json")
        assert response.status_code == 200, response.json()
        self.items[pk].price = price

    @rule(pk=manual, active=st.booleans())
    def api_activate(self, pk: int | None, active: bool) -> None:
        self.steps += 1
        if pk not in self.items:
            return
        response = self.api.patch(f"{PRODUCTS}{pk}/", {"is_active": active}, format="json")
        assert response.status_code == 200, response.json()
        self.items[pk].active = active

    @rule(pk=manual, data=st.data())
    def api_change_sku(self, pk: int | None, data: st.DataObject) -> None:
        self.steps += 1
        if pk not in self.items:
            return
        item = self.items[pk]
        sku = self.sku_choice(data)
        candidate = ManualItem(pk=pk, sku=sku, price=item.price, variants=item.variants)
        clash = self.clashes(candidate.claims(), mine=("manual", pk))
        response = self.api.patch(f"{PRODUCTS}{pk}/", {"sku": sku}, format="json")
        if clash:
            assert response.status_code == 400, response.json()
            return
        assert response.status_code == 200, response.json()
        item.sku = sku

    @rule(pk=manual, data=st.data())
    def api_variants(self, pk: int | None, data: st.DataObject) -> None:
        """Keep some variants (renamed or not), drop the others, add new ones."""
        self.steps += 1
        if pk not in self.items:
            return
        item = self.items[pk]
        body = []
        planned: list[tuple[int, str]] = []
        for vid, sku in item.variants:
            if data.draw(st.booleans()):
                new_sku = data.draw(st.sampled_from([sku, *MANUAL_SKUS]))
                body.append({"id": vid, "sku": new_sku, "options": {"Option": str(vid)}})
                planned.append((vid, new_sku))
        for sku in data.draw(st.lists(st.sampled_from(MANUAL_SKUS), max_size=2)):
            body.append({"sku": sku, "options": {"Option": f"new-{sku}"}})
            planned.append((0, sku))
        candidate = ManualItem(pk=pk, sku=item.sku, price=item.price, variants=planned)
        clash = self.clashes(candidate.claims(), mine=("manual", pk))
        response = self.api.patch(f"{PRODUCTS}{pk}/", {"variants": body}, format="json")
        if clash:
            assert response.status_code == 400, response.json()
            return
        assert response.status_code == 200, response.json()
        item.variants = [(v["id"], v["sku"]) for v in response.json()["variants"]]

    @rule(pk=consumes(manual))
    def api_delete(self, pk: int | None) -> None:
        self.steps += 1
        if pk not in self.items:
            return
        assert self.api.delete(f"{PRODUCTS}{pk}/").status_code == 204
        del self.items[pk]

    # --- upstream shops -------------------------------------------------------------------
    def edit(self, rec: UpstreamRecord, **changes: Any) -> None:
        for name, value in changes.items():
            setattr(rec, name, value)
        rec.version = next(self.clock)
        rec.history.append((rec.version, rec.sku, rec.price, rec.active))

    @rule(source=st.sampled_from(sorted(POOLS)), data=st.data(), price=PRICES)
    def upstream_add(self, source: str, data: st.DataObject, price: Decimal) -> None:
        self.steps += 1
        other = [s for s in self.owned_skus() if s[:1] in {"Z", "W"}]
        sku = data.draw(st.sampled_from([*POOLS[source], *other]))
        ext_id = str(len(self.upstream[source]) + 1)
        rec = UpstreamRecord(ext_id=ext_id, sku=sku, price=price)
        self.edit(rec)
        self.upstream[source][ext_id] = rec

    def pick(self, source: str, data: st.DataObject) -> UpstreamRecord | None:
        records = sorted(self.upstream[source])
        if not records:
            return None
        return self.upstream[source][data.draw(st.sampled_from(records))]

    @rule(source=st.sampled_from(sorted(POOLS)), data=st.data(), price=PRICES)
    def upstream_edit(self, source: str, data: st.DataObject, price: Decimal) -> None:
        self.steps += 1
        rec = self.pick(source, data)
        if rec is None:
            return
        other = [s for s in self.owned_skus() if s[:1] in {"Z", "W"}]
        sku = data.draw(st.sampled_from([rec.sku, *POOLS[source], *other]))
        self.edit(rec, sku=sku, price=price, active=data.draw(st.booleans()), broken=False)

    @rule(source=st.sampled_from(sorted(POOLS)), data=st.data())
    def upstream_remove_or_relist(self, source: str, data: st.DataObject) -> None:
        self.steps += 1
        rec = self.pick(source, data)
        if rec is not None:
            self.edit(rec, listed=not rec.listed)

    @rule(source=st.sampled_from(sorted(POOLS)), data=st.data())
    def upstream_break(self, source: str, data: st.DataObject) -> None:
        """The next pulls cannot map this record (a bad price upstream)."""
        self.steps += 1
        rec = self.pick(source, data)
        if rec is not None:
            rec.broken = True

    @precondition(lambda self: len(self.open_runs) < len(POOLS))
    @rule(data=st.data(), chunked=st.booleans())
    def pull(self, data: st.DataObject, chunked: bool) -> None:
        """A full run from the listing as it is now; chunked, its pages are stored one chunk
        at a time, and any other step may come between two chunks."""
        self.steps += 1
        source = data.draw(st.sampled_from(sorted(set(POOLS) - set(self.open_runs))))
        listing = [
            (
                UpstreamRecord(
                    ext_id=r.ext_id,
                    sku=r.sku,
                    price=r.price,
                    active=r.active,
                    version=r.version,
                    history=[r.history[-1]],
                ),
                r.broken,
            )
            for r in self.upstream[source].values()
            if r.listed
        ]
        run, _ = start_run(
            tenant=self.tenant,
            provider=source,
            connection_id=CONNECTIONS[source][1],
            trigger="api",
            mode=SyncMode.FULL,
        )
        self.open_runs[source] = OpenRun(
            run=run,
            source=ListedSource(tenant=self.tenant, provider=source, listing=listing),
            started=self.steps,
        )
        self.next_chunk(source)
        while not chunked and source in self.open_runs:
            self.next_chunk(source)

    @precondition(lambda self: bool(self.open_runs))
    @rule(data=st.data())
    def pull_chunk(self, data: st.DataObject) -> None:
        self.steps += 1
        self.next_chunk(data.draw(st.sampled_from(sorted(self.open_runs))))

    def next_chunk(self, source: str) -> None:
        """One chunk stores one page (no time left after it); the last one ends the run."""
        open_run = self.open_runs[source]
        end = execute_chunk(open_run.run, open_run.source, budget_seconds=0)
        entries = open_run.source.page_entries()[open_run.next_page]
        good = [r for r, broken in entries if not broken]
        open_run.failures += len(entries) - len(good) + self.expect_page(source, good)
        open_run.next_page += 1
        open_run.run = end.run
        assert end.run.failed == open_run.failures, (open_run.failures, end.run.errors)
        if not end.finished:
            assert end.run.status == "queued"
            return
        del self.open_runs[source]
        assert open_run.next_page == len(open_run.source.page_entries())
        failures = open_run.failures
        if failures == 0:
            seen = {r.ext_id for r, _ in open_run.source.listing}
            for (src, ext_id), stored in self.stored.items():
                # Written after the run started: not judged by this run.
                if (
                    src == source
                    and ext_id not in seen
                    and stored.active
                    and stored.written < open_run.started
                ):
                    stored.active, stored.hash_cleared = False, True
                    stored.written = self.steps
        assert end.run.status == ("succeeded" if failures == 0 else "partial")

    def expect_page(self, source: str, records: list[UpstreamRecord]) -> int:
        """Apply a page to the model as the engine does; returns how many records fail.

        Records are checked against the identities held when the page starts, plus the ids
        claimed by earlier records of the same page.
        """
        owners = self.owners()
        claimed: dict[str, str] = {}
        failures = 0
        for rec in records:
            key = (source, rec.ext_id)
            _, sku, price, active = rec.history[-1]
            stored = self.stored.get(key)
            if (
                stored is not None
                and not stored.hash_cleared
                and (
                    (stored.sku, stored.price, stored.active) == (sku, price, active)
                    or stored.version > rec.version
                )
            ):
                continue  # unchanged, or older than what is held
            if sku and (
                (sku in owners and owners[sku] != key) or claimed.get(sku, rec.ext_id) != rec.ext_id
            ):
                failures += 1
                continue
            if sku:
                claimed[sku] = rec.ext_id
            self.stored[key] = StoredItem(
                sku=sku, price=price, active=active, version=rec.version, written=self.steps
            )
        return failures

    @rule(data=st.data(), stale=st.booleans())
    def plugin_event(self, data: st.DataObject, stale: bool) -> None:
        """A WooCommerce product event: the latest version, a duplicate, or an older one."""
        self.steps += 1
        rec = self.pick("woocommerce", data)
        if rec is None:
            return
        version = data.draw(st.sampled_from(rec.history)) if stale else rec.history[-1]
        key = ("woocommerce", rec.ext_id)
        stored = self.stored.get(key)
        if not rec.listed and version == rec.history[-1]:
            outcome = deactivate_product(
                tenant=self.tenant,
                source="woocommerce",
                connection_key=CONNECTIONS["woocommerce"][0],
                external_id=rec.ext_id,
                occurred_at=T0 + timedelta(seconds=version[0]),
            )
            if stored is None:
                assert outcome.outcome == Outcome.NOT_FOUND
            elif stored.version > version[0]:
                assert outcome.outcome == Outcome.STALE
            elif stored.active:
                assert outcome.outcome == Outcome.DEACTIVATED
                stored.active, stored.hash_cleared, stored.version = False, True, version[0]
                stored.written = self.steps
            return
        applied = apply_record(
            tenant=self.tenant,
            source="woocommerce",
            connection_key=CONNECTIONS["woocommerce"][0],
            record=record_of("woocommerce", rec, version),
            default_currency="USD",
        )
        if stored is not None and stored.version > version[0]:
            assert applied.outcome == Outcome.STALE
            return
        snapshot = UpstreamRecord(
            ext_id=rec.ext_id,
            sku=version[1],
            price=version[2],
            active=version[3],
            version=version[0],
            history=[version],
        )
        failed = self.expect_page("woocommerce", [snapshot])
        assert (applied.outcome == Outcome.FAILED) == bool(failed), applied

    # --- Meta and the workers -------------------------------------------------------------
    @rule(on=st.booleans())
    def meta_outage(self, on: bool) -> None:
        self.steps += 1
        self.outage(on)

    @rule(slow=st.booleans())
    def flush(self, slow: bool) -> None:
        """A flush; with a slow Meta, the batch it sends is parked for a re-check."""
        self.steps += 1
        self.slow(slow)
        flush_tenant(self.tenant.pk)

    @rule(slow=st.booleans())
    def recheck_parked(self, slow: bool) -> None:
        """The delayed re-checks of parked batches come due (and each polls once)."""
        self.steps += 1
        self.slow(slow)
        for parked in MetaParkedRound.objects.filter(tenant=self.tenant):
            with time_machine.travel(parked.next_poll_at, tick=True):
                recheck(parked.pk)

    @rule()
    def worker_dies_holding_a_batch(self) -> None:
        """A worker claims due rows and is killed before it sends or records anything."""
        self.steps += 1
        claim_due(self.tenant.pk, 50)

    @rule()
    def worker_dies_after_meta_took_its_batch(self) -> None:
        """A worker claims and plans due rows, Meta takes (and applies) its call, and the worker
        is killed before it reads the status or records anything."""
        self.steps += 1
        config = active_config(self.tenant.pk)
        if config is None or (config.paused_until and config.paused_until > timezone.now()):
            return
        context = mapping_context(config)
        claim = claim_due(self.tenant.pk, 50, context)
        round_ = prepare_round(context, claim, FlushReport(tenant_id=str(self.tenant.pk)))
        if round_.requests_:
            with contextlib.suppress(MetaError):
                client_for(config).items_batch(config.catalog_id, round_.requests_)

    # --- the drain and the invariants -----------------------------------------------------
    def drain(self) -> None:
        self.outage(False)
        self.slow(False)
        with time_machine.travel(timezone.now(), tick=True) as clock:
            for _ in range(50):
                for parked_id in overdue():
                    recheck(parked_id)
                flush_tenant(self.tenant.pk)
                due = (
                    Product.objects.filter(
                        tenant=self.tenant, meta_sync_next_attempt__isnull=False
                    ).exists()
                    or MetaDeletion.objects.filter(tenant=self.tenant).exists()
                    or MetaParkedRound.objects.filter(tenant=self.tenant).exists()
                )
                if not due:
                    return
                clock.shift(timedelta(minutes=16))
        raise AssertionError("the queues did not drain within 50 rounds")

    def projection(self) -> dict[str, str]:
        expected: dict[str, str] = {}
        for item in self.items.values():
            if not item.active or not item.sku:
                continue
            grouped = [s for _, s in item.variants if s and s != item.sku]
            for rid in grouped or [item.sku]:
                expected[rid] = f"{item.price:.2f} USD"
        for stored in self.stored.values():
            if stored.active and stored.sku:
                expected[stored.sku] = f"{stored.price:.2f} USD"
        return expected

    def teardown(self) -> None:
        while self.open_runs:
            self.next_chunk(sorted(self.open_runs)[0])
        self.drain()
        meta = {rid: item["price"] for rid, item in self.sim.items(self.catalog).items()}
        assert meta == self.projection()
        ids = list(
            CatalogIdentity.objects.filter(tenant=self.tenant).values_list("retailer_id", flat=True)
        )
        assert len(ids) == len(set(ids))
        for (source, ext_id), stored in self.stored.items():
            row = Product.objects.get(
                tenant=self.tenant, external_source=source, external_id=ext_id
            )
            assert (row.sku, row.price, row.is_active) == (stored.sku, stored.price, stored.active)
        rows = Product.objects.filter(tenant=self.tenant)
        assert {(r.meta_sync_attempts, r.meta_sync_last_error) for r in rows} <= {(0, "")}
        if STATS_FILE:
            with open(STATS_FILE, "a", encoding="utf-8") as stats:
                stats.write(json.dumps({"steps": self.steps}) + "\n")


@pytest.fixture(scope="module")
def meta_simulator() -> Iterator[tuple[MetaSimulator, str]]:
    sim = MetaSimulator()
    sim.knobs.update(batch_calls_per_minute=0, polls_until_finished=0)
    with SimulatorServer(sim) as server:
        yield sim, server.url


@pytest.mark.django_db
def test_the_catalog_promise_holds_for_random_sequences(
    meta_simulator: tuple[MetaSimulator, str], settings: Any
) -> None:
    sim, url = meta_simulator
    settings.META_GRAPH_API_URL = url
    settings.META_STATUS_INLINE_SECONDS = 0  # a batch not done at the first poll is parked
    CatalogMachine.sim = sim
    run_state_machine_as_test(
        CatalogMachine,
        settings=hypothesis_settings(
            max_examples=EXAMPLES,
            stateful_step_count=STEPS,
            deadline=None,
            suppress_health_check=list(HealthCheck),
        ),
    )
