"""The WooCommerce listing's shared request window (issue 15): product pages and variation
requests in flight together across page boundaries, pages still handed over in order with all
their variations, the look-ahead bounded, errors raised at their page's turn, no pool thread
left behind. A store answered through `responses` callbacks, which run in the pool's threads."""

import json
import re
import threading
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
import responses

from integrations.engine.runs import Budget, Page, Pause, execute_chunk, start_run
from integrations.http import RetryableError, TerminalError
from integrations.woocommerce.client import WooClient
from integrations.woocommerce.models import WooCommerceStore
from integrations.woocommerce.source import LOOKAHEAD_PAGES, POOL_NAME, WooSource
from products_and_services.models import Product
from tenants.models import Tenant
from tests.integrations.conftest import other_run

API = "https://shop.example.com/wp-json/wc/v3/products"
VARIATIONS = re.compile(re.escape(API) + r"/(\d+)/variations")
Answer = tuple[int, dict[str, str], str]


def product(pid: int, variable: bool) -> dict[str, Any]:
    return {
        "id": pid,
        "name": f"Lamp {pid}",
        "type": "variable" if variable else "simple",
        "status": "publish",
        "sku": f"LAMP-{pid}",
        "price": "" if variable else "40.00",
        "regular_price": "" if variable else "40.00",
        "manage_stock": False,
        "stock_status": "instock",
    }


def variation(pid: int, size: str) -> dict[str, Any]:
    return {
        "id": pid * 10 + "SML".index(size) + 1,
        "sku": f"LAMP-{pid}-{size}",
        "regular_price": f"{pid}.00",
        "attributes": [{"name": "Size", "option": size}],
    }


class Shop:
    """Pages of products (`variable_every`-th product variable, two sizes each) served by
    callbacks, with hooks that run inside a request before it is answered."""

    def __init__(self, pages: int, per_page: int, variable: Callable[[int], bool]) -> None:
        self.pages = [
            [product(n * per_page + i + 1, variable(n * per_page + i + 1)) for i in range(per_page)]
            for n in range(pages)
        ]
        self.listing_hooks: dict[int, Callable[[], Answer | None]] = {}
        self.variation_hooks: dict[int, Callable[[], Answer | None]] = {}
        self.lock = threading.Lock()
        self.answers = threading.Condition(self.lock)
        self.in_flight = self.most_in_flight = self.answered = 0
        self.total_pages = pages
        self.says_total_pages: dict[int, int] = {}  # page -> the X-WP-TotalPages it answers
        responses.add_callback(responses.GET, API, callback=self.listing)
        responses.add_callback(responses.GET, VARIATIONS, callback=self.variations)

    def _enter(self) -> None:
        with self.lock:
            self.in_flight += 1
            self.most_in_flight = max(self.most_in_flight, self.in_flight)

    def _leave(self) -> None:
        with self.lock:
            self.in_flight -= 1
            self.answered += 1
            self.answers.notify_all()

    def wait_for_answers(self, count: int) -> bool:
        """Whether `count` requests were answered (the timeout only ends a broken run)."""
        with self.answers:
            return self.answers.wait_for(lambda: self.answered >= count, timeout=10)

    def listing(self, request: Any) -> Answer:
        number = int(parse_qs(urlsplit(request.url).query)["page"][0])
        self._enter()
        try:
            hooked = self.listing_hooks.get(number, lambda: None)()
            if hooked:
                return hooked
            headers = {
                "X-WP-Total": str(sum(len(p) for p in self.pages)),
                "X-WP-TotalPages": str(self.says_total_pages.get(number, self.total_pages)),
            }
            items = self.pages[number - 1] if number <= len(self.pages) else []
            return 200, headers, json.dumps(items)
        finally:
            self._leave()

    def variations(self, request: Any) -> Answer:
        pid = int(VARIATIONS.match(request.url.split("?")[0]).group(1))  # type: ignore[union-attr]
        self._enter()
        try:
            hooked = self.variation_hooks.get(pid, lambda: None)()
            if hooked:
                return hooked
            return (
                200,
                {"X-WP-TotalPages": "1"},
                json.dumps([variation(pid, s) for s in ("S", "M")]),
            )
        finally:
            self._leave()

    def listed_pages(self) -> list[int]:
        return [
            int(parse_qs(urlsplit(c.request.url).query)["page"][0])
            for c in responses.calls
            if c.request.url.split("?")[0] == API
        ]

    def varied(self) -> list[int]:
        return sorted(
            int(m.group(1)) for c in responses.calls if (m := VARIATIONS.match(c.request.url))
        )


def summary(pages: list[Page]) -> list[list[tuple[str, list[str]]]]:
    """Each page's products in order, each with its variants' SKUs."""
    return [
        [(r.external_id, sorted(v.sku for v in r.variants)) for r in page.records] for page in pages
    ]


def expected(shop: Shop) -> list[list[tuple[str, list[str]]]]:
    return [
        [
            (
                f"woo_{p['id']}",
                [f"LAMP-{p['id']}-M", f"LAMP-{p['id']}-S"]
                if p["type"] == "variable"
                else [f"LAMP-{p['id']}"],
            )
            for p in page
        ]
        for page in shop.pages
    ]


def pool_threads() -> list[threading.Thread]:
    return [t for t in threading.enumerate() if t.name.startswith(POOL_NAME)]


@pytest.fixture
def store(tenant: Tenant) -> WooCommerceStore:
    return WooCommerceStore.objects.create(
        tenant=tenant,
        store_url="https://shop.example.com",
        consumer_key="ck_x",
        consumer_secret="cs_x",
    )


def source(store: WooCommerceStore) -> WooSource:
    return WooSource(store, client=WooClient(store, sleep=lambda s: None, max_retries=0))


@pytest.fixture(autouse=True)
def window_of_eight(settings: Any) -> None:
    settings.WOO_VARIATION_CONCURRENCY = 8


@responses.activate
def test_pages_come_in_order_each_with_its_variations_one_call_a_page_and_a_product(
    store: WooCommerceStore,
) -> None:
    shop = Shop(pages=6, per_page=10, variable=lambda pid: pid % 3 != 0)
    pages = list(source(store).pages("full", None, []))
    assert summary(pages) == expected(shop)
    assert [p.total for p in pages] == [60] * 6
    variable = sorted(p["id"] for page in shop.pages for p in page if p["type"] == "variable")
    assert (sorted(shop.listed_pages()), shop.varied()) == (list(range(1, 7)), variable)
    assert len(responses.calls) == 6 + 40
    assert shop.most_in_flight <= 8
    assert pool_threads() == []


@responses.activate
def test_the_next_page_and_this_pages_variations_are_in_flight_together(
    store: WooCommerceStore,
) -> None:
    """Page 1 has 7 variable products: its 7 variation requests and the request for page 2
    must be in flight at once (8, the window), or the barrier breaks. One page at a time, page
    2 was asked for only after page 1's variations had all answered."""
    shop = Shop(pages=2, per_page=10, variable=lambda pid: pid <= 7)
    barrier = threading.Barrier(8, timeout=10)

    def meet() -> Answer | None:
        barrier.wait()
        return None

    shop.listing_hooks[2] = meet
    for pid in range(1, 8):
        shop.variation_hooks[pid] = meet
    pages = list(source(store).pages("full", None, []))
    assert summary(pages) == expected(shop)
    assert shop.most_in_flight == 8
    assert len(responses.calls) == 2 + 7


@responses.activate
def test_the_window_works_on_while_a_page_is_stored_up_to_its_look_ahead(
    store: WooCommerceStore,
) -> None:
    """While the consumer holds page 1 (storing it), answers refill the window by themselves:
    page 4 is listed and pages 2 to 4 get all their variations, without the listing's loop
    running. Nothing past the look-ahead goes out, and closing leaves no thread behind."""
    shop = Shop(pages=10, per_page=5, variable=lambda pid: pid % 2 == 0)
    pages = source(store).pages("full", None, [])
    first = next(pages)
    assert summary([first]) == expected(shop)[:1]
    last = 2 + LOOKAHEAD_PAGES  # page 1 handed over; the next page, LOOKAHEAD_PAGES behind it
    assert shop.wait_for_answers(last + last * 5 // 2)  # the pages, and their even products
    pages.close()  # what was sent is waited for; nothing else goes out
    assert sorted(shop.listed_pages()) == list(range(1, last + 1))
    assert shop.varied() == list(range(2, last * 5 + 1, 2))
    assert pool_threads() == []
    assert shop.in_flight == 0


@responses.activate
def test_a_failed_page_is_raised_after_the_pages_before_it(store: WooCommerceStore) -> None:
    shop = Shop(pages=5, per_page=4, variable=lambda pid: pid % 2 == 1)
    shop.listing_hooks[3] = lambda: (500, {}, "down")
    pages = source(store).pages("full", None, [])
    got = [next(pages), next(pages)]
    with pytest.raises(RetryableError) as failure:
        next(pages)
    assert (failure.value.status, summary(got)) == (500, expected(shop)[:2])
    assert pool_threads() == []


@responses.activate
def test_a_later_pages_failure_waits_for_the_earlier_page(store: WooCommerceStore) -> None:
    """Page 2's variation request is refused (404) while page 1's is still held: page 1 is
    still handed over complete, then the refusal is raised."""
    shop = Shop(pages=2, per_page=2, variable=lambda pid: pid in (1, 3))
    refused = threading.Event()

    def refuse() -> Answer:
        refused.set()
        return 404, {}, '{"code": "woocommerce_rest_product_invalid_id"}'

    shop.variation_hooks[1] = lambda: None if refused.wait(timeout=10) else (500, {}, "late")
    shop.variation_hooks[3] = refuse
    pages = source(store).pages("full", None, [])
    assert summary([next(pages)]) == expected(shop)[:1]
    with pytest.raises(TerminalError, match="HTTP 404"):
        next(pages)
    assert len(responses.calls) == 2 + 2


@responses.activate
def test_a_listing_that_got_shorter_ends_where_its_pages_say(store: WooCommerceStore) -> None:
    """Page 1 says 3 pages and page 2 says 2 (products were deleted meanwhile): page 3, asked
    for ahead of time, is not handed over, as one page at a time would not have asked for it."""
    shop = Shop(pages=3, per_page=2, variable=lambda pid: False)
    shop.says_total_pages.update({2: 2, 3: 2})
    pages = list(source(store).pages("full", None, []))
    assert summary(pages) == expected(shop)[:2]


@responses.activate
def test_the_published_listing_skips_what_the_modified_one_brought(
    store: WooCommerceStore,
) -> None:
    shop = Shop(pages=3, per_page=2, variable=lambda pid: pid == 2)
    pages = list(source(store).pages("incremental", datetime(2026, 11, 1, tzinfo=UTC), []))
    # The stand-in answers both listings with the same pages: the second brings nothing new.
    assert summary(pages) == [*expected(shop), [], [], []]
    assert [p.total for p in pages] == [6, 6, 6, None, None, None]
    assert (len(shop.listed_pages()), shop.varied()) == (6, [2])


@responses.activate
def test_a_later_chunk_resumes_at_the_page_its_cursor_names(store: WooCommerceStore) -> None:
    """Each page says where a later chunk resumes; the listing's last page says nothing (a stop
    there would cost a call past the end), and a resumed listing asks no earlier page."""
    shop = Shop(pages=4, per_page=2, variable=lambda pid: pid % 2 == 0)
    pages = list(source(store).pages("full", None, [], cursor={"listing": 0, "page": 3}))
    assert summary(pages) == expected(shop)[2:]
    assert [p.cursor for p in pages] == [{"listing": 0, "page": 4}, None]
    assert sorted(shop.listed_pages()) == [3, 4]
    assert shop.varied() == [6, 8]


@responses.activate
def test_an_incremental_run_resumes_in_its_second_listing(store: WooCommerceStore) -> None:
    shop = Shop(pages=2, per_page=2, variable=lambda pid: False)
    since = datetime(2026, 11, 1, tzinfo=UTC)
    pages = list(source(store).pages("incremental", since, [], cursor={"listing": 1, "page": 2}))
    assert summary(pages) == expected(shop)[1:]
    assert [p.cursor for p in pages] == [None]
    published = [parse_qs(urlsplit(c.request.url).query) for c in responses.calls]
    assert [(q["page"], "after" in q, "modified_after" in q) for q in published] == [
        (["2"], True, False)
    ]


def spent() -> Budget:
    return Budget(deadline=0.0, clock=lambda: 1.0)


@responses.activate
def test_a_spent_budget_asks_no_new_page_and_pauses_after_those_in_flight(
    store: WooCommerceStore,
) -> None:
    """The chunk's time is spent: the page in hand is finished with its variations and handed
    over, no later page is asked for, and a Pause says where the next chunk starts."""
    shop = Shop(pages=4, per_page=2, variable=lambda pid: pid % 2 == 0)
    pages = list(source(store).pages("full", None, [], budget=spent()))
    assert summary(pages[:1]) == expected(shop)[:1]
    assert pages[1] == Pause(0, {"listing": 0, "page": 2})
    assert len(pages) == 2
    assert (shop.listed_pages(), shop.varied()) == ([1], [2])
    assert pool_threads() == []


@responses.activate
def test_an_incremental_run_pauses_in_the_listing_it_stopped_in(store: WooCommerceStore) -> None:
    Shop(pages=2, per_page=2, variable=lambda pid: False)
    since = datetime(2026, 11, 1, tzinfo=UTC)
    cursor = {"listing": 1, "page": 1}
    pages = list(source(store).pages("incremental", since, [], cursor=cursor, budget=spent()))
    assert pages[-1] == Pause(0, {"listing": 1, "page": 2})
    assert len(pages) == 2


@responses.activate
def test_a_run_in_one_page_chunks_asks_each_page_and_variation_once(
    store: WooCommerceStore,
) -> None:
    shop = Shop(pages=3, per_page=2, variable=lambda pid: pid % 2 == 0)
    run, _ = start_run(
        tenant=store.tenant, provider="woocommerce", connection_id=store.pk, trigger="api"
    )
    end = execute_chunk(run, source(store), budget_seconds=0)
    while not end.finished:
        end = execute_chunk(end.run, source(store), budget_seconds=0)
    assert (end.run.status, end.run.created, end.run.chunks) == ("succeeded", 6, 3)
    assert (shop.listed_pages(), shop.varied()) == ([1, 2, 3], [2, 4, 6])


@responses.activate
def test_a_run_giving_way_after_every_page_stores_each_product_once(
    store: WooCommerceStore, settings: Any
) -> None:
    """A shorter run is queued behind every chunk: the first chunk ends before it stores
    anything, each later one right after its first page, dropping what it had in flight, and
    the next asks for it again. Nothing is stored twice or missed, and no request thread
    outlives its chunk."""
    settings.SYNC_YIELD_AFTER_SECONDS = 0
    shop = Shop(pages=3, per_page=2, variable=lambda pid: pid % 2 == 0)
    run, _ = start_run(
        tenant=store.tenant, provider="woocommerce", connection_id=store.pk, trigger="api"
    )
    other_run()  # queued behind the run's first chunk
    end = execute_chunk(run, source(store), budget_seconds=3600)
    while not end.finished:
        assert end.run.status == "queued"
        other_run()  # and one behind each later chunk
        end = execute_chunk(end.run, source(store), budget_seconds=3600)
    assert (end.run.status, end.run.created, end.run.updated, end.run.chunks) == (
        "succeeded",
        6,
        0,
        4,
    )
    assert sorted(set(shop.listed_pages())) == [1, 2, 3]
    assert sorted(Product.objects.values_list("external_id", flat=True)) == [
        f"woo_{n}" for n in range(1, 7)
    ]
    assert pool_threads() == []
