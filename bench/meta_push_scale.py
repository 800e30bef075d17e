"""The Meta push at 10,000 and at 100,000 products: time should grow with the catalog, memory not.

Each size is its own tenant and catalog on one simulator (50 ms a call, its own process), seeded
in chunks before the measured block, so the block's peak memory is the flush's own. A flush
works one batch (META_BATCH_SIZE products) at a time, so its peak should be bounded by the batch,
not by the catalog: the ratio of the two peaks should stay near 1 while the time ratio follows
the item ratio. `BENCH_SCALE_ITEMS` sets the large size (default 100,000), `BENCH_ITEMS` the
small one. Each run is checked: every product in the simulator's catalog at its price,
availability and image, recorded as pushed, nothing left due.
"""

import os
import sys

from bench import harness
from bench.meta_push import LATENCY_MS, configure, push, seed

SMALL = harness.size(10_000)
LARGE = int(os.environ.get("BENCH_SCALE_ITEMS") or 100_000)
MEMORY_KEYS = ("peak RSS in block (MiB)", "RSS growth in block (MiB)")


def main() -> None:
    harness.setup_django()
    from django.conf import settings

    batch = settings.META_BATCH_SIZE
    with harness.simulator_process("meta") as url, harness.throwaway_database():
        configure(url)
        runs = []
        for count in (SMALL, LARGE):
            catalog = f"scale-{count}"
            tenant = seed(count, catalog, f"s{count}")
            figures = push(
                url,
                tenant,
                count,
                catalog,
                f"{count:,} products, {LATENCY_MS} ms per call, batches of {batch:,}",
            )
            floor = figures.values.pop("floor (s)")
            figures.compare(
                result=figures.values["wall time (s)"], baseline=None, floor=floor, unit="s"
            )
            figures.print()
            runs.append((count, figures.values))
        (small, a), (large, b) = runs
        side = harness.Figures(f"side by side: {small:,} and {large:,} products")
        for key in ("wall time (s)", "client CPU time (s)", *MEMORY_KEYS):
            if key in a and key in b:
                side.values[key] = (
                    f"{harness.format_value(a[key])} | {harness.format_value(b[key])}"
                )
        side.values["items ratio"] = round(large / small, 2)
        side.values["time ratio (linear: the items ratio)"] = round(
            b["wall time (s)"] / a["wall time (s)"], 2
        )
        for key in MEMORY_KEYS:
            if key in a and key in b and a[key]:
                side.values[f"{key} ratio (flat: about 1)"] = round(b[key] / a[key], 2)
        side.print()


if __name__ == "__main__":
    main()
    sys.exit(harness.exit_code())
