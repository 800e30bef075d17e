"""`make bench`: run every benchmark (or those named) and print their figures."""

import importlib
import sys

BENCHMARKS = [
    "bench.meta_push",
    "bench.zoho_pull",
    "bench.woo_pull",
    "bench.shopify_pull",
    "bench.webhook_load",
]


def main(argv: list[str]) -> int:
    chosen = [f"bench.{name}" for name in argv] or BENCHMARKS
    for module_name in chosen:
        module = importlib.import_module(module_name)
        title = (module.__doc__ or "").strip().splitlines()[0] if module.__doc__ else ""
        print(f"\n### {module_name}: {title}")
        module.main()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
