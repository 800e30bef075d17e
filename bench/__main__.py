"""`make bench`: run every benchmark (or those named) and print their figures.

Exits non-zero when any benchmark's check finds the work was not all done.
`BENCH_ITEMS=N` runs every scenario at N items instead of its own size (a quick look).
"""

import importlib
import sys

from bench.harness import exit_code

BENCHMARKS = [
    "bench.meta_push",
    "bench.meta_push_scale",
    "bench.zoho_pull",
    "bench.zoho_pull_scale",
    "bench.woo_pull",
    "bench.shopify_pull",
    "bench.webhook_load",
    "bench.fairness",
]


def main(argv: list[str]) -> int:
    chosen = [f"bench.{name}" for name in argv] or BENCHMARKS
    for module_name in chosen:
        module = importlib.import_module(module_name)
        title = (module.__doc__ or "").strip().splitlines()[0] if module.__doc__ else ""
        print(f"\n### {module_name}: {title}", flush=True)
        module.main()
    return exit_code()


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
