"""The startup heap is frozen where the app runs: in each Celery worker (parent before the
pool forks, each pool child, the solo pool's main process) and in each gunicorn worker."""

import gc
import logging
import re
import weakref
from collections.abc import Callable, Iterator

import pytest
from celery import signals

from common.heap import freeze_startup_heap
from config import celery as worker_config
from config import gunicorn


@pytest.fixture(autouse=True)
def unfrozen() -> Iterator[None]:
    """Each test starts with nothing frozen and leaves nothing frozen for the others."""
    gc.unfreeze()
    yield
    gc.unfreeze()


def test_freezing_moves_every_tracked_object_out_of_the_collectors_generations() -> None:
    survivor = [object()]  # a container: tracked by the collector
    assert freeze_startup_heap() > 0  # the count may drop at once: frozen objects can be freed
    assert all(survivor is not obj for obj in gc.get_objects())  # no generation holds it


class Node:
    """A cycle of these is garbage only the collector can free."""

    def __init__(self) -> None:
        self.me = self


def test_collecting_first_frees_the_startups_garbage_instead_of_keeping_it() -> None:
    kept = weakref.ref(Node())
    freeze_startup_heap()
    gc.collect()
    assert kept() is not None  # frozen garbage is never scanned, so never freed
    gc.unfreeze()
    freed = weakref.ref(Node())
    freeze_startup_heap(collect=True)
    assert freed() is None


def receivers(signal: signals.Signal) -> list[object]:
    """The live functions connected to a Celery signal (sending worker_init for real would
    also run Django's own worker set-up)."""
    return [ref() if isinstance(ref, weakref.ref) else ref for _, ref in signal.receivers]


@pytest.mark.parametrize(
    ("signal", "receiver"),
    [
        (signals.worker_init, worker_config._freeze_parent_heap),
        (signals.worker_process_init, worker_config._freeze_worker_heap),
        (signals.worker_ready, worker_config._freeze_worker_heap),
    ],
    ids=["parent before the fork", "pool child", "main process ready"],
)
def test_a_celery_worker_freezes_its_heap_at_start(
    signal: signals.Signal, receiver: Callable[..., None]
) -> None:
    assert receiver in receivers(signal)
    receiver(signal=signal, sender=None)
    assert gc.get_freeze_count() > 0


def test_a_gunicorn_worker_loads_the_urls_then_freezes(caplog: pytest.LogCaptureFixture) -> None:
    class Worker:
        log = logging.getLogger("gunicorn.test")

    with caplog.at_level(logging.INFO, logger="gunicorn.test"):
        gunicorn.post_worker_init(Worker())
    assert gc.get_freeze_count() > 0
    [message] = caplog.messages
    assert re.fullmatch(r"Froze [1-9][0-9]* startup objects out of the collector's reach", message)
