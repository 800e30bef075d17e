"""Shared benchmark plumbing: Django on a throwaway database, timing and memory figures."""

import os
import resource
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent


def setup_django() -> None:
    """Configure Django the way the app runs (DEBUG off keeps query logging out of the figures)."""
    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    os.environ.setdefault("SECRET_KEY", "benchmark-only-secret-key")
    os.environ.setdefault("DEBUG", "1")
    os.environ.setdefault("CELERY_BROKER_URL", "memory://")
    import django

    django.setup()
    from django.conf import settings

    settings.DEBUG = False


@contextmanager
def throwaway_database() -> Iterator[None]:
    """A fresh test database (migrated), destroyed afterwards; never the real one."""
    from django.db import connection
    from django.test.utils import setup_test_environment, teardown_test_environment

    setup_test_environment()
    old_name = connection.settings_dict["NAME"]
    connection.creation.create_test_db(verbosity=0, autoclobber=True, keepdb=False)
    try:
        yield
    finally:
        connection.creation.destroy_test_db(old_name, verbosity=0)
        teardown_test_environment()


def format_value(value: object) -> str:
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, float):
        return f"{value:,.2f}"
    if isinstance(value, int):
        return f"{value:,}"
    return str(value)


@dataclass
class Figures:
    """One scenario's numbers, printed as an aligned block."""

    name: str
    values: dict[str, Any] = field(default_factory=dict)

    def print(self) -> None:
        print(f"\n== {self.name}")
        width = max(len(k) for k in self.values) if self.values else 0
        for key, value in self.values.items():
            print(f"  {key.ljust(width)}  {format_value(value)}")


def peak_rss_mib() -> float:
    """The process's peak resident memory so far (Linux reports KiB)."""
    return round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)


@contextmanager
def measured(figures: Figures) -> Iterator[Figures]:
    """Wall time of the block, and the process's peak RSS after it (no tracing overhead)."""
    started = time.perf_counter()
    try:
        yield figures
    finally:
        figures.values["wall time (s)"] = round(time.perf_counter() - started, 3)
        figures.values["peak RSS (MiB)"] = peak_rss_mib()


@contextmanager
def simulator_process(
    name: str, *args: str, tls: tuple[str, str, str] | None = None
) -> Iterator[str]:
    """Run a simulator in its own process, as the real API would be: no shared GIL with us.

    `tls=(ca_file, cert_file, key_file)` serves HTTPS (see `simulators.tls`).
    """
    import socket
    import ssl
    import subprocess
    import urllib.request

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    extra = ["--tls-cert", tls[1], "--tls-key", tls[2]] if tls else []
    process = subprocess.Popen(
        [sys.executable, "-m", "simulators", name, "--port", str(port), *args, *extra],
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    url = f"{'https' if tls else 'http'}://127.0.0.1:{port}"
    context = ssl.create_default_context(cafile=tls[0]) if tls else None
    try:
        for _ in range(300):
            try:
                urllib.request.urlopen(f"{url}/_sim/health", timeout=1, context=context)
                break
            except OSError:
                time.sleep(0.1)
        yield url
    finally:
        process.terminate()
        process.wait(timeout=10)
