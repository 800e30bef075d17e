"""`make bench-peers`: the Airbyte WooCommerce source and our pull, side by side.

Both read the same 10,000-product catalog (a third of the products variable, with three
variations each: 9,999 variations) from the WooCommerce simulator, served over HTTPS with a
certificate made for the run, in its own process. Airbyte's connector
(`airbyte-source-woocommerce`, pinned below) runs in its own virtualenv under var/, created on
first use from PyPI. It reads `products` and `product_variations` in full-refresh mode; we run
a full sync into a throwaway database. Printed per side: wall time, CPU time (the process's
user + system), the requests the simulator served, and how complete the result is.

The Airbyte Shopify source is run too (`check`, then a `products` read of 500 products). Its
URLs are fixed to https://{shop}.myshopify.com, so the connectors run with a small shim
(var/airbyte-shim/sitecustomize.py, written here) that resolves that host to the simulator and
makes requests trust the run's CA (connectors send prepared requests, which skip
REQUESTS_CA_BUNDLE).
"""

from __future__ import annotations

import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path
from typing import Any

import requests

from bench.harness import ROOT, Figures, setup_django, simulator_process, throwaway_database

# 10,000 by default; BENCH_PEERS_PRODUCTS=N for a quicker run on a busy machine.
PRODUCTS = int(os.environ.get("BENCH_PEERS_PRODUCTS", "10000"))
VARIABLE_EVERY = 3
VARIATIONS = 3
AIRBYTE_WOO = "airbyte-source-woocommerce==0.4.12"
AIRBYTE_SHOPIFY = "airbyte-source-shopify==4.3.0"
VAR = ROOT / "var"


def cpu_seconds(who: int) -> float:
    usage = resource.getrusage(who)
    return usage.ru_utime + usage.ru_stime


def connector(venv: str, package: str, command: str) -> Path:
    """The connector's entry point in its own virtualenv under var/, installed on first use."""
    home = VAR / venv
    entry = home / "bin" / command
    if not entry.exists():
        print(f"Installing {package} into var/{venv} (first run only) ...", flush=True)
        subprocess.run([sys.executable, "-m", "venv", str(home)], check=True)
        subprocess.run([str(home / "bin" / "pip"), "install", "-q", package], check=True)
    return entry


def configured_catalog(*streams: str) -> dict:
    return {
        "streams": [
            {
                "stream": {
                    "name": name,
                    "json_schema": {},
                    "supported_sync_modes": ["full_refresh", "incremental"],
                },
                "sync_mode": "full_refresh",
                "destination_sync_mode": "overwrite",
            }
            for name in streams
        ]
    }


def run_connector(
    entry: Path, verb: str, folder: Path, config: dict, env: dict[str, str], *streams: str
) -> tuple[dict[str, Any], float, float]:
    """Run `check` or `read`; returns message counts, wall and CPU seconds of the child."""
    (folder / "config.json").write_text(json.dumps(config))
    args = [str(entry), verb, "--config", str(folder / "config.json")]
    if verb == "read":
        (folder / "catalog.json").write_text(json.dumps(configured_catalog(*streams)))
        args += ["--catalog", str(folder / "catalog.json")]
    cpu_before = cpu_seconds(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    process = subprocess.Popen(
        args, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, env=env, text=True
    )
    records: Counter[str] = Counter()
    ids: dict[str, set[Any]] = {}
    outcome: dict[str, Any] = {"status": None, "last_error": ""}
    assert process.stdout is not None
    for line in process.stdout:
        try:
            message = json.loads(line)
        except ValueError:
            continue
        kind = message.get("type")
        if kind == "RECORD":
            record = message["record"]
            records[record["stream"]] += 1
            ids.setdefault(record["stream"], set()).add(record["data"].get("id"))
        elif kind == "CONNECTION_STATUS":
            outcome["status"] = message["connectionStatus"]["status"]
            outcome["last_error"] = message["connectionStatus"].get("message", "")
        elif kind == "TRACE" and message["trace"].get("type") == "ERROR":
            outcome["last_error"] = message["trace"]["error"].get("message", "")
        elif kind == "LOG" and message["log"].get("level") in {"ERROR", "FATAL"}:
            outcome["last_error"] = message["log"].get("message", "")[:300]
    process.wait()
    wall = time.perf_counter() - started
    cpu = cpu_seconds(resource.RUSAGE_CHILDREN) - cpu_before
    outcome.update(
        exit_code=process.returncode,
        records=dict(records),
        unique_ids={k: len(v) for k, v in ids.items()},
    )
    return outcome, wall, cpu


def stats(url: str, ca: str) -> dict[str, Any]:
    return requests.get(f"{url}/_sim/stats", timeout=30, verify=ca).json()


def reset(url: str, ca: str) -> None:
    requests.post(f"{url}/_sim/reset", timeout=120, verify=ca).raise_for_status()


def airbyte_woocommerce(url: str, ca: str, folder: Path) -> Figures:
    entry = connector("airbyte-woocommerce", AIRBYTE_WOO, "source-woocommerce")
    env = shim_env(ca)
    config = {
        "api_key": "ck_sim",
        "api_secret": "cs_sim",
        "shop": url.removeprefix("https://"),
        "start_date": "2025-12-01",
    }
    reset(url, ca)
    checked, _, _ = run_connector(entry, "check", folder, config, env)
    reset(url, ca)
    outcome, wall, cpu = run_connector(
        entry, "read", folder, config, env, "products", "product_variations"
    )
    served = stats(url, ca)
    figures = Figures(f"Airbyte {AIRBYTE_WOO}: products + product_variations over TLS")
    figures.values.update(
        {
            "check": checked["status"],
            "exit code": outcome["exit_code"],
            "wall time (s)": round(wall, 2),
            "CPU time (s)": round(cpu, 2),
            "requests served": served["requests_served"],
            "requests by kind": served["by_kind"],
            "product records (unique)": outcome["unique_ids"].get("products", 0),
            "variation records (unique)": outcome["unique_ids"].get("product_variations", 0),
            "records emitted": outcome["records"],
            "complete": outcome["unique_ids"].get("products", 0) == PRODUCTS
            and outcome["unique_ids"].get("product_variations", 0) == expected_variations(),
            "last error": outcome["last_error"] or "none",
        }
    )
    return figures


def expected_variations() -> int:
    return PRODUCTS // VARIABLE_EVERY * VARIATIONS


def our_pull(url: str, ca: str) -> Figures:
    previous_bundle = os.environ.get("REQUESTS_CA_BUNDLE")
    os.environ["REQUESTS_CA_BUNDLE"] = ca
    try:
        return _our_pull(url, ca)
    finally:
        # Only our pull trusts the run's CA: pip installing the next connector from PyPI
        # inherits this environment and would refuse PyPI's certificate.
        if previous_bundle is None:
            os.environ.pop("REQUESTS_CA_BUNDLE", None)
        else:
            os.environ["REQUESTS_CA_BUNDLE"] = previous_bundle


def _our_pull(url: str, ca: str) -> Figures:
    from django.db.models import F

    from integrations.engine.runs import execute_run, start_run
    from integrations.woocommerce.models import WooCommerceStore
    from integrations.woocommerce.source import WooSource
    from products_and_services.models import Product, ProductVariant
    from tenants.models import Tenant

    reset(url, ca)
    tenant = Tenant.objects.create(name="Bench peers", slug="bench-peers")
    store = WooCommerceStore.objects.create(
        tenant=tenant, store_url=url, consumer_key="ck_sim", consumer_secret="cs_sim"
    )
    cpu_before = cpu_seconds(resource.RUSAGE_SELF)
    started = time.perf_counter()
    run, _ = start_run(tenant=tenant, provider="woocommerce", connection_id=store.pk, trigger="api")
    run = execute_run(run, WooSource(store))
    wall = time.perf_counter() - started
    cpu = cpu_seconds(resource.RUSAGE_SELF) - cpu_before
    served = stats(url, ca)
    # A simple product's one default variant shares its SKU; variations have their own.
    variations = (
        ProductVariant.objects.filter(product__tenant=tenant).exclude(sku=F("product__sku")).count()
    )
    engine = connection_vendor()
    figures = Figures(f"Catalog Sync WooCommerce pull (full sync into {engine}) over TLS")
    figures.values.update(
        {
            "status": run.status,
            "wall time (s)": round(wall, 2),
            "CPU time (s)": round(cpu, 2),
            "requests served": served["requests_served"],
            "requests by kind": served["by_kind"],
            "products stored": Product.objects.filter(tenant=tenant).count(),
            "variations stored": variations,
            "complete": run.created == PRODUCTS and variations == expected_variations(),
        }
    )
    return figures


SHIM = """\
# Written by bench/peers.py for the connectors' processes only.
import os
import socket

import certifi

# The connectors send prepared requests, which skip REQUESTS_CA_BUNDLE: trust the run's CA
# through certifi, which requests reads its default bundle from.
_ca = os.environ.get("BENCH_PEERS_CA")
if _ca:
    certifi.where = lambda: _ca

# The Shopify connector's URLs are https://{shop}.myshopify.com: send them to the simulator.
_port = os.environ.get("BENCH_PEERS_MYSHOPIFY_PORT")
_real = socket.getaddrinfo


def _resolve(host, port, *args, **kwargs):
    if _port and isinstance(host, str) and host.endswith(".myshopify.com"):
        return _real("127.0.0.1", int(_port), *args, **kwargs)
    return _real(host, port, *args, **kwargs)


socket.getaddrinfo = _resolve
"""


def connection_vendor() -> str:
    from django.db import connection

    return {"postgresql": "PostgreSQL", "sqlite": "SQLite"}.get(
        connection.vendor, connection.vendor
    )


def shim_env(ca: str, myshopify_port: int | None = None) -> dict[str, str]:
    """The environment a connector runs in: our CA trusted, *.myshopify.com resolved here."""
    folder = VAR / "airbyte-shim"
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "sitecustomize.py").write_text(SHIM)
    env = {**os.environ, "PYTHONPATH": str(folder), "BENCH_PEERS_CA": ca}
    env["REQUESTS_CA_BUNDLE"] = ca
    if myshopify_port:
        env["BENCH_PEERS_MYSHOPIFY_PORT"] = str(myshopify_port)
    return env


def airbyte_shopify(folder: Path) -> Figures:
    from simulators.tls import make_test_certificates

    figures = Figures(f"Airbyte {AIRBYTE_SHOPIFY}: check and a products read")
    entry = connector("airbyte-shopify", AIRBYTE_SHOPIFY, "source-shopify")
    certs = make_test_certificates(folder / "shopify-tls", host="sim.myshopify.com")
    with simulator_process(
        "shopify", "--seed", "500", tls=(certs.ca_file, certs.cert_file, certs.key_file)
    ) as url:
        env = shim_env(certs.ca_file, myshopify_port=int(url.rsplit(":", 1)[1]))
        config = {
            "shop": "sim",
            "credentials": {"auth_method": "api_password", "api_password": "shpat_sim"},
            "start_date": "2025-12-01",
        }
        checked, _, _ = run_connector(entry, "check", folder, config, env)
        outcome, wall, cpu = run_connector(entry, "read", folder, config, env, "products")
        served = stats(url, certs.ca_file)
    figures.values.update(
        {
            "check": f"{checked['status']} {checked['last_error'][:200]}".strip(),
            "read exit code": outcome["exit_code"],
            "read wall time (s)": round(wall, 2),
            "read CPU time (s)": round(cpu, 2),
            "requests served": served["requests_served"],
            "requests by kind": served["by_kind"],
            "product records (of 500)": outcome["unique_ids"].get("products", 0),
            "last error": (outcome["last_error"] or "none")[:400],
        }
    )
    return figures


def main() -> None:
    setup_django()
    from simulators.tls import make_test_certificates

    with tempfile.TemporaryDirectory(prefix="bench-peers-") as scratch:
        folder = Path(scratch)
        certs = make_test_certificates(folder / "tls")
        with (
            simulator_process(
                "woocommerce",
                "--seed",
                str(PRODUCTS),
                tls=(certs.ca_file, certs.cert_file, certs.key_file),
            ) as url,
            throwaway_database(),
        ):
            print(
                f"WooCommerce simulator on {url}: {PRODUCTS:,} products, "
                f"{expected_variations():,} variations",
                flush=True,
            )
            airbyte = airbyte_woocommerce(url, certs.ca_file, folder)
            airbyte.print()
            ours = our_pull(url, certs.ca_file)
            ours.print()
        if os.environ.get("BENCH_PEERS_SHOPIFY", "1") != "0":
            airbyte_shopify(folder).print()


if __name__ == "__main__":
    main()
