"""Keep the garbage collector off what a process allocated while starting.

A process that has imported Django, the apps and their URLs holds a few hundred thousand
long-lived objects, and every full collection scans them all. A 10,000-product Meta push
made three full collections, about a quarter of its CPU time. Frozen after startup (the
collector's permanent generation), they are never scanned again, so a collection costs what
the work itself allocated. Before a fork it also keeps those objects' memory pages shared
with the children, as the `gc` module's documentation advises for pre-forking servers.
"""

import gc


def freeze_startup_heap(*, collect: bool = False) -> int:
    """Freeze every object the collector tracks now; returns how many are frozen.

    `collect` first frees the startup's garbage, which would otherwise be kept for good. It
    touches every object, so it belongs in a parent before it forks, not in each child.
    Freezing itself moves whole lists and costs next to nothing.
    """
    if collect:
        gc.collect()
    gc.freeze()
    return gc.get_freeze_count()
