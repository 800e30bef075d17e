"""The Zoho pull at 10,000 and 100,000 items side by side: time should grow linearly, memory not.

Each size gets its own simulator and database, and runs the engine twice (the first full run,
then an unchanged re-run). Printed per run: wall and client CPU time, the measured block's
peak memory (resident high-water mark, and its growth over the block's start), queries per
page, and the large size's ratios to the small one: near 10x for time (linear) and near 1x for
memory (bounded by the page, not the catalog). The resident peak includes what the process held
before the block; its growth over the block, or `BENCH_TRACEMALLOC=1` (the Python heap's exact
peak in the block, slower), is the pull's own. Checked after each run: every item is stored
with its name, SKU, price, stock and status, and the run's counts are what it had to do.

`BENCH_ITEMS` sets the small size (10,000), `BENCH_SCALE_ITEMS` the large one (100,000).
"""

import os
import sys
from typing import Any

from bench import harness
from bench.zoho_pull import (
    LATENCY_MS,
    PAGE,
    expected_products,
    run_engine,
    stored_products,
    zoho_tenant,
)

SMALL = harness.size(10_000)
LARGE = int(os.environ.get("BENCH_SCALE_ITEMS") or 100_000)
RUNS = ("first full run", "unchanged re-run")
COMPARED = ("wall time (s)", "client CPU time (s)", "peak RSS in block (MiB)")


def measure(items: int) -> list[harness.Figures]:
    """Both runs at this size, each checked against the simulator."""
    from django.conf import settings

    pages = -(-items // PAGE)
    floor = harness.network_floor(pages, LATENCY_MS, settings.ZOHO_PAGE_CONCURRENCY)
    results = []
    with zoho_tenant(items) as (url, credential):
        for label in RUNS:
            figures = harness.Figures(f"engine at scale: {label} ({items:,} items)")
            with harness.counted_queries() as queries, harness.measured(figures):
                summary = run_engine(credential)
            figures.values["queries per page"] = round(queries.queries / pages, 1)
            figures.values["floor (s)"] = floor
            figures.values["ratio to floor"] = round(figures.values["wall time (s)"] / floor, 2)
            new = label == RUNS[0]
            counts = {"created": items if new else 0, "unchanged": 0 if new else items}
            got = {key: summary[key] for key in counts}
            figures.check("run counts", got == counts, f"{got}")
            # Read after the block, so the block's peak holds none of the check's own rows.
            expected = expected_products(url)
            problem = harness.mismatches(expected, stored_products(credential.tenant))
            del expected
            figures.check("every item stored with its price", not problem, problem)
            figures.print()
            results.append(figures)
    return results


def side_by_side(small: list[harness.Figures], large: list[harness.Figures]) -> None:
    """One block per run: each figure at both sizes and large / small."""
    for label, low, high in zip(RUNS, small, large, strict=True):
        table = harness.Figures(f"scale: {label}, {SMALL:,} vs {LARGE:,} items")
        for key in (*COMPARED, "RSS growth in block (MiB)", "queries per page"):
            a, b = low.values.get(key), high.values.get(key)
            ratio: Any = round(b / a, 2) if a and b is not None else "n/a"
            table.values[key] = f"{a} -> {b} (x{ratio})"
        table.values["items ratio"] = f"x{LARGE / SMALL:g}"
        table.print()


def main() -> None:
    harness.setup_django()
    small = measure(SMALL)
    large = measure(LARGE)
    side_by_side(small, large)


if __name__ == "__main__":
    main()
    sys.exit(harness.exit_code())
