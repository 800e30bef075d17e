"""Removal only on proof when a numbered listing moves while it is read.

Zoho and WooCommerce number their pages. An item deleted upstream from a page already read
moves every later item back one place, so the first item of the next page is never listed.
Chunked runs read a listing over minutes, between other tenants' work, which widens that
window. Invariant: a full run never deactivates an item upstream still has.

The generated test drives the real engine and `ZohoSource` against the Zoho simulator over
HTTP, one page per chunk, and deletes items upstream between chunks.
"""

import itertools
from collections.abc import Iterator
from typing import Any

import pytest
import requests
import responses
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from integrations.engine.runs import execute_chunk, execute_run, start_run
from integrations.models import SyncRun
from integrations.woocommerce.models import WooCommerceStore
from integrations.woocommerce.source import WooSource
from integrations.zoho.models import ZohoCredential
from integrations.zoho.source import ZohoSource
from products_and_services.models import Product
from simulators.base import SimulatorServer
from simulators.woocommerce import WooCommerceSimulator
from simulators.zoho import FIRST_ITEM_ID, ZohoSimulator
from tenants.models import Tenant
from tests.integrations.conftest import make_credential

pytestmark = pytest.mark.django_db(transaction=False)
PAGE = 200  # Zoho's page size, which the source always asks for
TENANTS = itertools.count(1)


@pytest.fixture(scope="module")
def zoho() -> Iterator[tuple[ZohoSimulator, str]]:
    app = ZohoSimulator()
    with SimulatorServer(app) as server:
        yield app, server.url


def zid(n: int) -> str:
    """The simulator's id of its n-th seeded item."""
    return str(FIRST_ITEM_ID + n)


def fresh_credential(url: str) -> ZohoCredential:
    n = next(TENANTS)
    tenant = Tenant.objects.create(name=f"Shift {n}", slug=f"shift-{n}")
    return make_credential(tenant, base_url=url)


def full_run(credential: ZohoCredential) -> SyncRun:
    run, _ = start_run(
        tenant=credential.tenant, provider="zoho", connection_id=credential.pk, trigger="api"
    )
    return run


def delete_upstream(app: ZohoSimulator, positions: list[int]) -> set[str]:
    """Delete the items at these positions of Zoho's current listing (taken modulo its size)."""
    with app.lock:
        listing = sorted(app.items, key=int)  # the simulator lists in id order
        gone = {listing[p % len(listing)] for p in positions} if listing else set()
        for item_id in gone:
            del app.items[item_id]
        app._by_id = None
    return gone


def active_ids(credential: ZohoCredential) -> set[str]:
    return set(
        Product.objects.filter(tenant=credential.tenant, is_active=True).values_list(
            "external_id", flat=True
        )
    )


def chunked_run_with_deletions(
    app: ZohoSimulator, credential: ZohoCredential, between: list[list[int]]
) -> SyncRun:
    """A full run one page per chunk, deleting upstream before each later chunk."""
    source = ZohoSource(credential)
    end = execute_chunk(full_run(credential), source, budget_seconds=0)
    for positions in itertools.chain(between, itertools.repeat([])):
        if end.finished:
            return end.run
        delete_upstream(app, positions)
        end = execute_chunk(end.run, source, budget_seconds=0)
    raise AssertionError("unreachable")  # pragma: no cover


@given(
    count=st.integers(min_value=PAGE + 1, max_value=3 * PAGE),
    before=st.lists(st.integers(min_value=0, max_value=10**6), max_size=4),
    between=st.lists(
        st.lists(st.integers(min_value=0, max_value=10**6), max_size=3), min_size=1, max_size=3
    ),
)
@hypothesis_settings(
    max_examples=12,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
def test_a_full_run_never_deactivates_what_upstream_still_has(
    zoho: tuple[ZohoSimulator, str],
    settings: Any,
    count: int,
    before: list[int],
    between: list[list[int]],
) -> None:
    settings.ZOHO_PAGE_CONCURRENCY = 1  # one page a chunk at a zero budget
    app, url = zoho
    app.reset_state()
    app.configure(requests_per_minute=0)
    app.seed(count)
    credential = fresh_credential(url)
    execute_run(full_run(credential), ZohoSource(credential))
    assert len(active_ids(credential)) == count

    removed = delete_upstream(app, before)
    run = chunked_run_with_deletions(app, credential, between)

    upstream = set(app.items)
    active = active_ids(credential)
    assert run.status == "succeeded", run.errors
    assert upstream <= active, f"still upstream but deactivated: {sorted(upstream - active)}"
    assert not removed & active, f"gone before the run but kept: {sorted(removed & active)}"


def test_an_item_the_shift_hid_is_stored_and_stays_active(
    zoho: tuple[ZohoSimulator, str], settings: Any
) -> None:
    """The shift pinned: item 201 starts page 2 until item 5 is deleted after page 1 is read;
    page 2 then starts at 202."""
    settings.ZOHO_PAGE_CONCURRENCY = 1
    app, url = zoho
    app.reset_state()
    app.configure(requests_per_minute=0)
    app.seed(300)
    credential = fresh_credential(url)
    execute_run(full_run(credential), ZohoSource(credential))
    app.update_item(zid(201), {"rate": 99})  # edited upstream too: the check stores the edit

    run = chunked_run_with_deletions(app, credential, [[4]])  # position 4 is item 5

    assert (run.status, run.deactivated, run.processed) == ("succeeded", 0, 300)
    assert zid(5) not in app.items
    # 5 was seen on page 1, before it went; 201 was hidden and found by the check.
    assert active_ids(credential) == {zid(n) for n in range(1, 301)}
    hidden = Product.objects.get(tenant=credential.tenant, external_id=zid(201))
    assert (hidden.is_active, str(hidden.price)) == (True, "99.00")
    assert run.errors == [
        "warning: 1 items the listing skipped (it changed while it was read) are still "
        f"upstream and were stored: {zid(201)}."
    ]
    one_by_one = [c for c in app.calls if c["path"].endswith(f"/items/{zid(201)}")]
    assert len(one_by_one) == 1


# --- the check itself, against Zoho's answers (responses) ----------------------------------
ITEMS = "https://zoho.test/inventory/v1/items"
GONE = {"code": 1002, "message": "Item does not exist."}


def serve_listing(ids: list[int]) -> None:
    items = [
        {"item_id": str(n), "name": f"Item {n}", "sku": f"SKU-{n}", "rate": n, "status": "active"}
        for n in ids
    ]
    responses.get(
        ITEMS, json={"code": 0, "items": items, "page_context": {"page": 1, "has_more_page": False}}
    )


def serve_item(n: int) -> None:
    responses.get(
        f"{ITEMS}/{n}",
        json={
            "code": 0,
            "item": {
                "item_id": str(n),
                "name": f"Item {n}",
                "sku": f"SKU-{n}",
                "rate": n + 1,
                "status": "active",
            },
        },
    )


def asked_one_by_one() -> list[str]:
    urls = [c.request.url.split("?")[0] for c in responses.calls]
    return [url.rsplit("/", 1)[-1] for url in urls if url.startswith(f"{ITEMS}/")]


def pull(credential: ZohoCredential) -> SyncRun:
    return execute_run(full_run(credential), ZohoSource(credential))


def stored_then_listed(credential: ZohoCredential, stored: list[int], listed: list[int]) -> None:
    """A full run stores `stored`; Zoho then lists only `listed`."""
    serve_listing(stored)
    pull(credential)
    responses.reset()
    serve_listing(listed)


@pytest.mark.parametrize("status", [200, 404])
@responses.activate
def test_an_unlisted_item_zoho_says_does_not_exist_is_deactivated(
    zoho_credential: ZohoCredential, status: int
) -> None:
    stored_then_listed(zoho_credential, [1, 2, 3], [1, 3])
    responses.get(f"{ITEMS}/2", json=GONE, status=status)

    run = pull(zoho_credential)

    assert (run.status, run.deactivated, run.errors) == ("succeeded", 1, [])
    assert active_ids(zoho_credential) == {"1", "3"}
    assert asked_one_by_one() == ["2"]


@responses.activate
def test_when_the_check_fails_nothing_is_deactivated_and_the_run_says_why(
    zoho_credential: ZohoCredential, settings: Any
) -> None:
    settings.PULL_HTTP_BACKOFF_SECONDS = 0.001
    stored_then_listed(zoho_credential, [1, 2, 3], [1, 3])
    responses.get(f"{ITEMS}/2", json={"code": 1, "message": "Internal error"}, status=500)

    run = pull(zoho_credential)

    assert (run.status, run.deactivated) == ("succeeded", 0)
    assert active_ids(zoho_credential) == {"1", "2", "3"}
    assert run.errors == [
        "warning: 1 items were not listed, but checking whether they are gone failed (HTTP 500 "
        f"from {ITEMS}/2); none was deactivated."
    ]


@responses.activate
def test_many_unlisted_items_all_gone_in_the_sample_are_all_deactivated(
    zoho_credential: ZohoCredential, settings: Any
) -> None:
    """A merchant deleting many items at once: a sample proves the listing held together."""
    settings.SYNC_REMOVAL_CHECKS = 2
    stored_then_listed(zoho_credential, list(range(1, 8)), [1, 7])
    for n in range(2, 7):
        responses.get(f"{ITEMS}/{n}", json=GONE)

    run = pull(zoho_credential)

    assert (run.status, run.deactivated, run.errors) == ("succeeded", 5, [])
    assert active_ids(zoho_credential) == {"1", "7"}
    assert len(asked_one_by_one()) == 2


@responses.activate
def test_a_sample_that_finds_a_skipped_item_deactivates_only_what_it_proved_gone(
    zoho_credential: ZohoCredential, settings: Any
) -> None:
    settings.SYNC_REMOVAL_CHECKS = 2
    stored_then_listed(zoho_credential, list(range(1, 7)), [1])
    responses.get(f"{ITEMS}/2", json=GONE)
    for n in range(3, 7):
        serve_item(n)  # still upstream: the listing skipped them

    run = pull(zoho_credential)

    asked = asked_one_by_one()
    assert len(asked) == 2
    proved_gone = {"2"} & set(asked)
    found = set(asked) - proved_gone
    assert (run.status, run.deactivated) == ("succeeded", len(proved_gone))
    assert active_ids(zoho_credential) == {"1", "2", "3", "4", "5", "6"} - proved_gone
    for ref in found:  # stored as Zoho has them now
        assert str(Product.objects.get(external_id=ref).price) == f"{int(ref) + 1}.00"
    assert run.errors == [
        f"warning: {len(found)} items the listing skipped (it changed while it was read) are "
        f"still upstream and were stored: {', '.join(sorted(found))}.",
        "warning: 3 unlisted items were not checked one by one; they stay active until the "
        "next full run, because the listing changed while it was read.",
    ]


# --- WooCommerce: one filtered listing by id, against the simulator ------------------------
def test_woocommerce_checks_unlisted_products_by_id_and_trash_counts_as_gone(
    tenant: Tenant,
) -> None:
    app = WooCommerceSimulator(products=150, variable_every=3)
    with SimulatorServer(app) as server:
        store = WooCommerceStore.objects.create(
            tenant=tenant, store_url=server.url, consumer_key="ck_sim", consumer_secret="cs_sim"
        )
        run, _ = start_run(
            tenant=tenant, provider="woocommerce", connection_id=store.pk, trigger="api"
        )
        execute_run(run, WooSource(store))
        ids = sorted(app.products)  # variations take ids too: products are not 1..150
        # Page 1 lists ids[0:101] but the trashed one; page 2 would start at ids[101], which
        # becomes page 1's last once ids[2] goes.
        trashed, deleted, hidden_id = ids[19], ids[2], ids[101]
        with app.lock:
            app.products[trashed]["status"] = "trash"  # before the run: gone
        run, _ = start_run(
            tenant=tenant, provider="woocommerce", connection_id=store.pk, trigger="api"
        )
        end = execute_chunk(run, WooSource(store), budget_seconds=0)  # page 1 only
        with app.lock:
            del app.products[deleted]  # page 2 now starts one later: hidden_id is never listed
        edited = requests.post(
            f"{server.url}/_sim/products/{hidden_id}", json={"name": "Renamed upstream"}
        )
        assert edited.status_code == 200
        app.calls.clear()
        end = execute_chunk(end.run, WooSource(store), budget_seconds=0)

    assert end.finished
    assert (end.run.status, end.run.deactivated) == ("succeeded", 1)
    inactive = Product.objects.filter(tenant=tenant, is_active=False)
    assert list(inactive.values_list("external_id", flat=True)) == [f"woo_{trashed}"]
    hidden = Product.objects.get(tenant=tenant, external_id=f"woo_{hidden_id}")
    assert (hidden.is_active, hidden.name) == (True, "Renamed upstream")
    assert end.run.errors == [
        "warning: 1 items the listing skipped (it changed while it was read) are still "
        f"upstream and were stored: woo_{hidden_id}."
    ]
    listings = [c for c in app.calls if c["path"].endswith("/products")]
    assert len(listings) == 2  # page 2, then the check for 20 and 101
