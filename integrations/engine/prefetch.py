"""Fetch the next page while the current one is stored, so network and database overlap.

The provider's page iterator runs in one background thread, at most `depth` pages
ahead; memory stays bounded by page size. Errors surface in the caller's thread at
the point they happened, and a caller that stops early stops the fetching too.
"""

import queue
import threading
from collections.abc import Iterator
from typing import TypeVar

from django.db import connections

T = TypeVar("T")
# How often a fetcher blocked on a full queue looks for the caller's stop: a chunk that ends
# early waits for it before its worker slot is free.
_POLL_SECONDS = 0.05


def prefetched(items: Iterator[T], depth: int) -> Iterator[T]:
    if depth <= 0:
        yield from items
        return
    slots: queue.Queue[tuple[str, object]] = queue.Queue(maxsize=depth)
    stop = threading.Event()

    def hand_over(kind: str, value: object) -> bool:
        while not stop.is_set():
            try:
                slots.put((kind, value), timeout=_POLL_SECONDS)
                return True
            except queue.Full:
                continue
        return False

    def produce() -> None:
        try:
            for item in items:
                if not hand_over("item", item):
                    return
            hand_over("done", None)
        except BaseException as exc:  # handed to the consumer, which re-raises it
            hand_over("error", exc)
        finally:
            # A caller that stopped early leaves the source part-way: closing it here, in the
            # thread that ran it, lets its own clean-up (a request pool) run now, not at GC.
            close = getattr(items, "close", None)
            if close is not None:
                close()
            connections.close_all()  # this thread's own database connections

    worker = threading.Thread(target=produce, name="sync-prefetch", daemon=True)
    worker.start()
    try:
        while True:
            kind, value = slots.get()
            if kind == "item":
                yield value  # type: ignore[misc]
            elif kind == "error":
                raise value  # type: ignore[misc]
            else:
                return
    finally:
        stop.set()
        worker.join(timeout=30)
