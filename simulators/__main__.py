"""`python -m simulators NAME --port N`: run one simulator in the foreground."""

import argparse
import contextlib
import sys
from collections.abc import Callable

from simulators.base import Simulator, SimulatorServer


def _embeddings(seed: int) -> Simulator:
    from simulators.embeddings import EmbeddingsSimulator

    return EmbeddingsSimulator()


def _meta(seed: int) -> Simulator:
    from simulators.meta import MetaSimulator

    return MetaSimulator()


def _woocommerce(seed: int) -> Simulator:
    from simulators.woocommerce import WooCommerceSimulator

    return WooCommerceSimulator(products=seed)


def _shopify(seed: int) -> Simulator:
    from simulators.shopify import ShopifySimulator

    return ShopifySimulator(products=seed)


def _zoho(seed: int) -> Simulator:
    from simulators.zoho import ZohoSimulator

    return ZohoSimulator(seed_items=seed)


REGISTRY: dict[str, Callable[[int], Simulator]] = {
    "embeddings": _embeddings,
    "meta": _meta,
    "shopify": _shopify,
    "woocommerce": _woocommerce,
    "zoho": _zoho,
}


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="python -m simulators", description=__doc__)
    parser.add_argument("name", choices=sorted(REGISTRY))
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--latency-ms", type=int, default=0)
    parser.add_argument("--seed", type=int, default=0, help="How many upstream products to create.")
    parser.add_argument(
        "--dimensions", type=int, default=0, help="Embeddings: vector length when not requested."
    )
    parser.add_argument("--tls-cert", help="Serve HTTPS with this certificate (PEM) ...")
    parser.add_argument("--tls-key", help="... and this key.")
    args = parser.parse_args(argv)
    app = REGISTRY[args.name](args.seed)
    app.configure(latency_ms=args.latency_ms)
    if args.dimensions:
        app.configure(dimensions=args.dimensions)
    tls = (args.tls_cert, args.tls_key) if args.tls_cert and args.tls_key else None
    server = SimulatorServer(app, host=args.host, port=args.port, tls=tls)
    print(f"{args.name} simulator on {server.url}", flush=True)
    with contextlib.suppress(KeyboardInterrupt):
        server.serve_forever()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
