"""Page prefetching: order kept, errors surface where they happened, early stop stops the thread."""

import threading
from collections.abc import Iterator

import pytest

from integrations.engine.prefetch import prefetched


def numbers(limit: int, fail_at: int | None = None, seen: list[int] | None = None) -> Iterator[int]:
    for n in range(limit):
        if n == fail_at:
            raise RuntimeError(f"page {n} failed")
        if seen is not None:
            seen.append(n)
        yield n


@pytest.mark.parametrize("depth", [0, 1, 3])
def test_order_is_kept(depth: int) -> None:
    assert list(prefetched(numbers(50), depth)) == list(range(50))


def test_error_surfaces_after_the_pages_before_it() -> None:
    received = []
    with pytest.raises(RuntimeError, match="page 3 failed"):
        for n in prefetched(numbers(10, fail_at=3), 1):
            received.append(n)
    assert received == [0, 1, 2]


def test_stopping_early_stops_fetching() -> None:
    seen: list[int] = []
    before = threading.active_count()
    for n in prefetched(numbers(1000, seen=seen), 1):
        if n == 2:
            break
    assert len(seen) <= 5
    assert threading.active_count() == before


def test_stopping_early_closes_the_source_in_its_thread() -> None:
    """The source's own clean-up runs when the caller stops, not whenever it is collected."""
    closed_in: list[str] = []

    def source() -> Iterator[int]:
        try:
            yield from range(1000)
        finally:
            closed_in.append(threading.current_thread().name)

    pages = prefetched(source(), 1)
    assert next(pages) == 0
    pages.close()
    assert closed_in == ["sync-prefetch"]
