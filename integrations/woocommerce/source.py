"""WooCommerce as a pull source: pages of 100, variations fetched with bounded concurrency.

A listing keeps `WOO_VARIATION_CONCURRENCY` requests in flight from its second request to its
last. The first page says how many pages there are; after it, product pages and variation
requests share one window of that many requests, so the count does not drop at every page
boundary. Pages still reach the engine in order, each with all its variations, and at most
`LOOKAHEAD_PAGES` pages wait behind the one being finished, so memory stays bounded whatever
the catalog size.

Each answer refills the window at once, in the pool thread that received it: the listing's
own loop may be waiting for its consumer to store a page meanwhile, and waking another thread
to send the next request costs a thread switch (the GIL, a busy core) per request.
"""

import threading
from collections import deque
from collections.abc import Callable, Generator, Iterator
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from django.conf import settings

from integrations.engine.runs import Budget, Cursor, Page, Pause
from integrations.http import ApiError
from integrations.models import Provider, SyncMode
from integrations.woocommerce.client import ProductPage, WooClient
from integrations.woocommerce.mapper import (
    MappingError,
    transform_product,
    woo_external_id,
    woo_product_id,
)
from integrations.woocommerce.models import WooCommerceStore
from tenants.models import Tenant

# Product pages listed ahead of the one being finished: enough for the next pages' variation
# requests to be known before the current page's last ones answer.
LOOKAHEAD_PAGES = 2
POOL_NAME = "woo-pull"

Product = dict[str, Any]


@dataclass
class _Listed:
    """One product page of a listing: its request, then its products' variation requests."""

    number: int
    listing: Future[ProductPage]
    products: list[Product] | None = None  # set when the page is opened
    total: int | None = None
    waiting: deque[int] = field(default_factory=deque)  # variable products not yet asked
    variations: dict[int, Future[list[Product]]] = field(default_factory=dict)
    dropped: bool = False

    def failed(self) -> bool:
        return self.listing.done() and self.listing.exception() is not None


class _Window:
    """The requests of one listing in flight, and the pages they belong to, in page order.

    Its state is changed under `lock` only: by the listing's loop, and by each request's
    done-callback (`step`), which runs in the pool thread that received the answer.
    """

    def __init__(
        self,
        client: WooClient,
        pool: ThreadPoolExecutor,
        size: int,
        first: ProductPage,
        seen: set[int],
        filters: dict[str, datetime | None],
        start: int = 1,
        go_on: Callable[[], bool] = lambda: True,
    ) -> None:
        self.client, self.pool, self.size = client, pool, size
        self.seen, self.filters = seen, filters
        # The second listing's total would overwrite the first's; the run sums up at the end.
        self.keep_total = filters.get("published_after") is None
        answered: Future[ProductPage] = Future()
        answered.set_result(first)
        self.pages: deque[_Listed] = deque([_Listed(start, answered)])
        self.running: dict[Future[Any], _Listed] = {}
        self.total_pages = first.total_pages
        self.next_number = start + 1
        self.go_on = go_on  # false once the chunk's time is spent: no new product page
        self.blocked_from: int | None = None  # the first page with a failed request
        self.lock = threading.RLock()
        self.closed = False  # set before the pool shuts down: nothing is sent after
        self._stepping = False

    def step(self) -> None:
        """Forget what answered, open what was listed, send while there is room."""
        with self.lock:
            # A callback of a request that answered before `fill` attached it runs inside
            # that `fill`, which goes on by itself.
            if self.closed or self._stepping:
                return
            self._stepping = True
            try:
                self.harvest()
                self.open()
                self.fill()
            finally:
                self._stepping = False

    def close(self) -> None:
        with self.lock:
            self.closed = True

    def _send(self, call: Callable[..., Any], *args: Any, **kwargs: Any) -> Future[Any]:
        future = self.pool.submit(call, *args, **kwargs)
        future.add_done_callback(lambda _: self.step())
        return future

    def harvest(self) -> None:
        """Forget answered requests; a failure stops new requests from its page on."""
        for future in [f for f in self.running if f.done()]:
            listed = self.running.pop(future)
            if future.exception() is not None and not listed.dropped:
                self.blocked_from = min(self.blocked_from or listed.number, listed.number)

    def open(self) -> None:
        """Open listed pages in page order: filter out what earlier pages brought, queue the
        variable products, read the page count (as one page at a time would)."""
        for listed in list(self.pages):
            if listed.products is not None:
                continue
            if not listed.listing.done() or listed.failed():
                return
            if listed.number > self.total_pages:
                # An earlier page said the listing got shorter: this page is past its end.
                for later in self.pages:
                    later.dropped = later.number >= listed.number
                self.pages = deque(p for p in self.pages if not p.dropped)
                return
            batch = listed.listing.result()
            self.total_pages = batch.total_pages
            listed.products = [p for p in batch.items if p.get("id") not in self.seen]
            self.seen.update(p.get("id") for p in batch.items)
            listed.total = batch.total if self.keep_total else None
            for product in listed.products:
                if product.get("type") == "variable" and product["id"] not in listed.waiting:
                    listed.waiting.append(product["id"])

    def fill(self) -> None:
        """Send requests while there is room: the next page first, then variations, earliest
        page first. Nothing new goes out for or after a page with a failed request."""
        while len(self.running) < self.size:
            if (
                self.blocked_from is None
                and len(self.pages) <= LOOKAHEAD_PAGES
                and self.go_on()
                and self.next_number <= self.total_pages
            ):
                future = self._send(
                    self.client.fetch_products_batch, self.next_number, **self.filters
                )
                listed = _Listed(self.next_number, future)
                self.pages.append(listed)
                self.running[future] = listed
                self.next_number += 1
                continue
            target = next((p for p in self.pages if p.waiting and self._may_send(p)), None)
            if target is None:
                return
            product_id = target.waiting.popleft()
            future = self._send(self.client.fetch_variations, product_id)
            target.variations[product_id] = future
            self.running[future] = target

    def _may_send(self, listed: _Listed) -> bool:
        return self.blocked_from is None or listed.number < self.blocked_from

    def pop_finished(self) -> _Listed | None:
        """The first page once every request it still needs has answered."""
        if not self.pages:
            return None
        head = self.pages[0]
        if head.products is None:
            ready = head.failed()
        else:
            ready = (not head.waiting or not self._may_send(head)) and all(
                f.done() for f in head.variations.values()
            )
        return self.pages.popleft() if ready else None


class WooSource:
    provider = Provider.WOOCOMMERCE
    # Requests are in flight across pages: at a chunk's end they are finished and stored, not
    # thrown away and asked again, so the source stops sending itself (see `Budget`).
    takes_budget = True

    def __init__(self, store: WooCommerceStore, client: WooClient | None = None) -> None:
        self.store = store
        self.client = client or WooClient(store)
        self.connection_id: int = store.pk
        self.tenant: Tenant = store.tenant
        self.default_currency = store.currency
        self.concurrency = max(1, settings.WOO_VARIATION_CONCURRENCY)

    @property
    def connection_key(self) -> str:
        return self.store.connection_key

    def _variations(self, products: list[Product]) -> dict[int, list[Product]]:
        """Variations of every variable product given, several requests at a time."""
        variable = [p["id"] for p in products if p.get("type") == "variable"]
        if not variable:
            return {}
        with ThreadPoolExecutor(
            max_workers=min(self.concurrency, len(variable)), thread_name_prefix=POOL_NAME
        ) as pool:
            return dict(
                zip(variable, pool.map(self.client.fetch_variations, variable), strict=True)
            )

    def _page(
        self,
        products: list[Product],
        variations: dict[int, list[Product]],
        total: int | None,
        cursor: Cursor | None = None,
    ) -> Page:
        page = Page(records=[], total=total, cursor=cursor)
        for product in products:
            ref = woo_external_id(product.get("id"))
            try:
                page.records.append(
                    transform_product(
                        product,
                        variations.get(product.get("id"), []),
                        external_id=ref,
                        currency=self.default_currency,
                    )
                )
            except MappingError as exc:
                page.failed_refs.append((ref, str(exc)))
        return page

    def pages(
        self,
        mode: str,
        since: datetime | None,
        selected: list[str],
        cursor: Cursor | None = None,
        budget: Budget | None = None,
    ) -> Iterator[Page | Pause]:
        """The listing's pages in order; each says the listing and page a later chunk resumes
        from. A resumed run forgets which products earlier chunks saw, so a product that moved
        between pages meanwhile may be stored twice (the second time unchanged).

        Once the budget is spent no new product page is asked for: the pages in flight are
        finished with their variations and handed over, then a Pause resumes after them."""
        if mode == SyncMode.SELECTED:
            yield from self._selected(selected)
            return
        go_on = budget.left if budget is not None else (lambda: True)
        listing = int((cursor or {}).get("listing", 0))
        start = int((cursor or {}).get("page", 1))
        seen: set[int] = set()
        # Publication does not touch the modified date (a scheduled product going live): an
        # incremental run also asks for what was published since the bookmark, skipping what
        # the first listing brought.
        listings: list[dict[str, datetime | None]] = [{"modified_after": since}]
        if since is not None:
            listings.append({"published_after": since})
        for number in range(listing, len(listings)):
            stopped = yield from self._listing(seen, number, start, go_on, **listings[number])
            if stopped is not None:
                yield Pause(0, {"listing": number, "page": stopped})
                return
            start = 1

    def _listing(
        self,
        seen: set[int],
        listing: int,
        start: int,
        go_on: Callable[[], bool],
        **filters: datetime | None,
    ) -> Generator[Page, None, int | None]:
        """Every page of one listing, in order, each with all its variations.

        A failed request's error is raised when its page's turn comes, after the pages before
        it were yielded, as when pages were fetched one at a time. Closing the generator early
        cancels what has not started and waits for what has (each request is bounded by the
        client's timeouts and retries), so no pool thread outlives it. Returns the page to
        resume from when `go_on` stopped it before the listing's end.
        """
        first = self.client.fetch_products_batch(start, **filters)
        pool = ThreadPoolExecutor(max_workers=self.concurrency, thread_name_prefix=POOL_NAME)
        window = _Window(self.client, pool, self.concurrency, first, seen, filters, start, go_on)
        try:
            while True:
                with window.lock:  # callbacks change the window meanwhile
                    window.step()
                    head = window.pop_finished()
                    ended = head is None and not window.pages
                    last_page = window.total_pages
                    unread = window.next_number if window.next_number <= last_page else None
                    answering = list(window.running)
                if head is not None:
                    if head.products is None:
                        head.listing.result()  # raises the page's error
                    variations = {pid: f.result() for pid, f in head.variations.items()}
                    # No stop after a listing's last page: asking past the end would cost a call.
                    more = head.number < last_page
                    cursor = {"listing": listing, "page": head.number + 1} if more else None
                    yield self._page(head.products or [], variations, head.total, cursor)
                elif ended:
                    return unread
                else:
                    wait(answering, return_when=FIRST_COMPLETED)
        finally:
            window.close()
            pool.shutdown(wait=True, cancel_futures=True)

    def recheck(self, external_ids: list[str]) -> Page:
        """The products the store still lists among these, asked for by id (`include`), with
        their variations; the ones it does not return are gone."""
        ids = [woo_product_id(ref) for ref in external_ids]
        products = self.client.fetch_products_by_ids([int(i) for i in ids if i.isdigit()])
        return self._page(products, self._variations(products), None)

    def _selected(self, refs: list[str]) -> Iterator[Page]:
        products = []
        for ref in refs:
            try:
                products.append(self.client.fetch_product(woo_product_id(ref)))
            except ApiError as exc:
                if exc.retryable:
                    raise
        yield self._page(products, self._variations(products), len(refs))
