"""Shared benchmark plumbing: Django on a database of the run's own, timing, CPU and memory
figures, the result against its baseline and floor, and checks that the work was done."""

import math
import os
import sys
import time
import tracemalloc
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
# Checks that failed in this process; `python -m bench` exits non-zero when there are any.
FAILURES: list[str] = []


def size(default: int) -> int:
    """The scenario's item count: `BENCH_ITEMS` for a quick run, else the scenario's own."""
    return int(os.environ.get("BENCH_ITEMS") or default)


def setup_django() -> None:
    """Configure Django the way the app runs (DEBUG off keeps query logging out of the figures),
    and freeze the startup heap as a worker process does (`common.heap`), since the measured
    code runs in this process as it would in a worker."""
    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    os.environ.setdefault("SECRET_KEY", "benchmark-only-secret-key")
    os.environ.setdefault("DEBUG", "1")
    os.environ.setdefault("CELERY_BROKER_URL", "memory://")
    import django

    django.setup()
    from django.conf import settings

    settings.DEBUG = False
    from common.heap import freeze_startup_heap
    from config.celery import app

    app.loader.import_default_modules()  # the task modules, as a worker imports them at start
    freeze_startup_heap(collect=True)


def unique_name(prefix: str) -> str:
    """A database name no one else uses: the run's own, so dropping it afterwards is safe."""
    return f"{prefix}_{os.getpid()}_{uuid.uuid4().hex[:8]}"


@contextmanager
def throwaway_database(name: str | None = None) -> Iterator[None]:
    """A new, migrated database made for this run and dropped afterwards.

    On PostgreSQL it gets a unique name (or `name`), and an existing database of that name is
    refused, never dropped (Django's own test setup would drop it). SQLite uses an in-memory
    database.
    """
    from django.db import connection
    from django.test.utils import setup_test_environment, teardown_test_environment

    old_name = connection.settings_dict["NAME"]
    if connection.vendor == "postgresql":
        name = name or unique_name("bench")
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name])
            if cursor.fetchone():
                raise RuntimeError(f"Database {name} exists; a benchmark never touches it.")
        test_settings = connection.settings_dict.get("TEST", {})
        connection.settings_dict["TEST"] = {**test_settings, "NAME": name}
    setup_test_environment()
    connection.creation.create_test_db(verbosity=0, autoclobber=False, serialize=False)
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
        sys.stdout.flush()

    def compare(self, *, result: float, baseline: float | None, floor: float, unit: str) -> None:
        """The result beside its baseline (the naive way) and its floor (what the network or
        a throttle allows at best), with both ratios: below 1 to the baseline is better,
        1 to the floor is the best possible."""
        self.values[f"result ({unit})"] = round(result, 3)
        self.values[f"baseline ({unit})"] = round(baseline, 3) if baseline else "n/a"
        self.values[f"floor ({unit})"] = round(floor, 3)
        self.values["ratio to baseline"] = round(result / baseline, 3) if baseline else "n/a"
        self.values["ratio to floor"] = round(result / floor, 2) if floor else "n/a"

    def check(self, label: str, ok: bool, detail: str = "") -> bool:
        """Record whether the work was really done; a failed check fails the run."""
        self.values[f"check: {label}"] = "ok" if ok else f"FAILED {detail}".strip()
        if not ok:
            FAILURES.append(f"{self.name}: {label} {detail}".strip())
        return ok


def mismatches(expected: dict[Any, Any], actual: dict[Any, Any]) -> str:
    """'' when equal; else how many keys are missing, extra or different, with one example."""
    missing = expected.keys() - actual.keys()
    extra = actual.keys() - expected.keys()
    wrong = [k for k in expected.keys() & actual.keys() if expected[k] != actual[k]]
    if not (missing or extra or wrong):
        return ""
    example = ""
    if wrong:
        key = sorted(wrong, key=str)[0]
        example = f"; e.g. {key}: expected {expected[key]!r}, got {actual[key]!r}"
    elif missing:
        example = f"; e.g. missing {sorted(missing, key=str)[0]!r}"
    else:
        example = f"; e.g. extra {sorted(extra, key=str)[0]!r}"
    return f"{len(missing)} missing, {len(extra)} extra, {len(wrong)} different{example}"


def check_pull(
    figures: Figures,
    status: str,
    expected: tuple[dict[Any, Any], ...],
    stored: tuple[dict[Any, Any], ...],
    labels: tuple[str, ...],
) -> None:
    """A pull's checks: the run succeeded, and each stored map equals the upstream one."""
    figures.check("run succeeded", status == "succeeded", status)
    for label, want, got in zip(labels, expected, stored, strict=True):
        problem = mismatches(want, got)
        figures.check(label, not problem, problem)


def exit_code() -> int:
    if FAILURES:
        print("\nBENCHMARK CHECKS FAILED (the work was not all done):", file=sys.stderr)
        for failure in FAILURES:
            print(f"  - {failure}", file=sys.stderr)
        return 1
    return 0


def _status_kib(field_name: str) -> int | None:
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith(field_name + ":"):
                return int(line.split()[1])
    except OSError:
        return None
    return None


def _reset_peak_rss() -> bool:
    """Linux: restart the process's resident-memory high-water mark (VmHWM) from now."""
    try:
        Path("/proc/self/clear_refs").write_text("5")
    except OSError:
        return False
    return _status_kib("VmHWM") is not None


@contextmanager
def measured(figures: Figures) -> Iterator[Figures]:
    """Wall time, this process's CPU time and the block's peak memory.

    Memory is the resident high-water mark reset at the start of the block (Linux), so it
    is the block's peak, not the process's; also shown as growth over the block's start.
    Freed memory a previous block left resident can hide growth, so `BENCH_TRACEMALLOC=1`
    adds the Python heap's exact peak within the block (tracemalloc, which slows the block).
    Where the high-water mark cannot be reset, tracemalloc is used instead.
    """
    use_hwm = _reset_peak_rss()
    trace = os.environ.get("BENCH_TRACEMALLOC") == "1" or not use_hwm
    start_rss = _status_kib("VmRSS") or 0
    if trace:
        tracemalloc.start()
    cpu = time.process_time()
    started = time.perf_counter()
    try:
        yield figures
    finally:
        wall = time.perf_counter() - started
        cpu_used = time.process_time() - cpu
        figures.values["wall time (s)"] = round(wall, 3)
        figures.values["client CPU time (s)"] = round(cpu_used, 3)
        figures.values["client CPU / wall"] = round(cpu_used / wall, 2) if wall else "n/a"
        if use_hwm:
            peak = _status_kib("VmHWM") or 0
            figures.values["peak RSS in block (MiB)"] = round(peak / 1024, 1)
            figures.values["RSS growth in block (MiB)"] = round((peak - start_rss) / 1024, 1)
        if trace:
            figures.values["peak Python heap in block (MiB, tracemalloc)"] = round(
                tracemalloc.get_traced_memory()[1] / 2**20, 1
            )
            tracemalloc.stop()


@dataclass
class QueryCount:
    queries: int = 0


@contextmanager
def counted_queries() -> Iterator[QueryCount]:
    """Count this thread's queries without keeping their SQL: CaptureQueriesContext keeps at
    most 9,000 and turns on the debug cursor, which slows the block it measures."""
    from django.db import connection

    counter = QueryCount()

    def count(execute: Any, sql: str, params: Any, many: bool, context: Any) -> Any:
        counter.queries += 1
        return execute(sql, params, many, context)

    with connection.execute_wrapper(count):
        yield counter


def network_floor(calls: int, latency_ms: float, in_flight: int = 1) -> float:
    """Seconds the calls take at best: latency x calls, `in_flight` at a time."""
    return math.ceil(calls / in_flight) * latency_ms / 1000


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
