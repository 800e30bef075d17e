"""Fairness: 2 tenants of 50,000 Zoho items and 20 of 100, triggered at once on 2 worker processes.

Each small tenant's time to finish (its run's `created_at` to `finished_at`, both stamped by
the app) is printed against its time alone; the target is at most 5x. Runs are queued the way
the admin queues them (`trigger_sync`, sent after commit), big tenants first, and 2 real
`celery worker` processes run them as docker-compose's `worker-pull` does: 8 tasks at once in
threads each (`PULL_WORKER_OPTIONS`), prefetch 1, `-O fair`. `BENCH_FAIR_POOL=prefork` runs the
earlier shape instead, one worker of 2 processes running one task each.

Solo times come from a twin of each tenant (same simulator, same items) triggered alone on the
same idle worker before the contended run, so both runs are first runs doing the same work.
Two warm-up runs first give each worker process its imports and connections. A third twin of
each small tenant shows the small ones triggered together without the big ones: 20 runs on the
worker slots (16, or 2 with prefork) queue behind each other and share 2 cores, so even alone
together the last of them takes several times its solo time.

Two Zoho simulators in their own processes at 50 ms: one organisation of 50,000 items (both big
tenants' credentials point at it) and one of 100 (every small tenant's). Their per-minute limit
is off, and so is ours (`ZOHO_REQUESTS_PER_MINUTE=0`), as in the Zoho pull benchmark.
`SYNC_CHUNK_SECONDS`, when set, reaches the worker.

Checked: every run succeeded, and every tenant holds exactly its simulator's items with their
names, SKUs, prices, stock and status. Nothing asserts time; the target is printed as met or not.
Sizes: `BENCH_FAIR_BIG` (else `BENCH_ITEMS`, else 50,000), `BENCH_FAIR_SMALL` (100),
`BENCH_FAIR_BIG_TENANTS` (2), `BENCH_FAIR_SMALL_TENANTS` (20).

It makes what it uses and removes only that: a database with a unique name (BENCH_POSTGRES_URL,
default the local server) and a private `redis-server` on a free port.
"""

import contextlib
import os
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import requests

from bench import harness
from bench.webhook_load import celery_worker, manage, own_database, own_redis, production_env
from config.celery import PULL_WORKER_OPTIONS, PULL_WORKER_THREADS

BIG = int(os.environ.get("BENCH_FAIR_BIG") or harness.size(50_000))
SMALL = int(os.environ.get("BENCH_FAIR_SMALL") or 100)
BIG_TENANTS = int(os.environ.get("BENCH_FAIR_BIG_TENANTS") or 2)
SMALL_TENANTS = int(os.environ.get("BENCH_FAIR_SMALL_TENANTS") or 20)
LATENCY_MS = 50
WORKER_PROCESSES = 2
PREFORK = os.environ.get("BENCH_FAIR_POOL") == "prefork"
SLOTS = WORKER_PROCESSES * (1 if PREFORK else PULL_WORKER_THREADS)
TARGET = 5.0
TIMEOUT_SECONDS = float(os.environ.get("BENCH_FAIR_TIMEOUT") or 3600)


@dataclass(frozen=True)
class Timing:
    """One run as the database recorded it."""

    status: str
    created_at: datetime
    started_at: datetime | None
    finished_at: datetime | None

    @property
    def seconds(self) -> float:
        """Trigger to finish."""
        end = self.finished_at or self.created_at
        return (end - self.created_at).total_seconds()

    @property
    def queued_seconds(self) -> float:
        """Trigger to the worker's start."""
        start = self.started_at or self.created_at
        return (start - self.created_at).total_seconds()


def ratio(contended: float, solo: float) -> float:
    return contended / solo if solo else float("inf")


def worst(pairs: dict[str, tuple[float, float]]) -> tuple[str, float]:
    """The tenant whose contended time is the largest multiple of its solo time."""
    name = max(pairs, key=lambda n: ratio(pairs[n][1], pairs[n][0]))
    return name, ratio(pairs[name][1], pairs[name][0])


# --- the driver: a process of its own, on the run's database and broker ---------------------


def make_tenant(slug: str, url: str) -> Any:
    from bench.zoho_pull import sim_credential
    from tenants.models import Tenant

    return sim_credential(Tenant.objects.create(name=slug, slug=slug), url)


def trigger(credential: Any) -> int:
    """Queue a full run as the admin does; the task is sent when the transaction commits."""
    from integrations.models import SyncMode, SyncTrigger
    from integrations.triggers import trigger_sync

    result = trigger_sync(
        tenant=credential.tenant,
        provider="zoho",
        connection_id=credential.pk,
        trigger=SyncTrigger.ADMIN,
        mode=SyncMode.FULL,
        actor="fairness-bench",
    )
    return result.run.pk


def wait_for(run_ids: list[int], poll: float) -> dict[int, Timing]:
    """Poll until every run has ended (or the timeout); the rows' own timestamps."""
    from integrations.models import ACTIVE_STATUSES, SyncRun

    deadline = time.monotonic() + TIMEOUT_SECONDS
    while True:
        rows = SyncRun.objects.filter(pk__in=run_ids).values_list(
            "pk", "status", "created_at", "started_at", "finished_at"
        )
        timings = {pk: Timing(*rest) for pk, *rest in rows}
        if time.monotonic() > deadline or not any(
            t.status in ACTIVE_STATUSES for t in timings.values()
        ):
            return timings
        time.sleep(poll)


def check_runs(figures: harness.Figures, timings: dict[str, Timing]) -> None:
    failed = {slug: t.status for slug, t in timings.items() if t.status != "succeeded"}
    detail = ", ".join(f"{slug}: {status}" for slug, status in sorted(failed.items())[:5])
    figures.check(f"all {len(timings)} runs succeeded", not failed, detail)


def check_items(
    figures: harness.Figures, credentials: dict[str, Any], urls: dict[str, str]
) -> None:
    """Every tenant holds exactly its simulator's items (name, SKU, price, stock, status)."""
    from bench.zoho_pull import expected_products, stored_products

    expected = {url: expected_products(url) for url in set(urls.values())}
    wrong = {}
    for slug, credential in credentials.items():
        problem = harness.mismatches(expected[urls[slug]], stored_products(credential.tenant))
        if problem:
            wrong[slug] = problem
    example = next(iter(wrong.items()), ("", ""))
    figures.check(
        f"each of {len(credentials)} tenants holds exactly its items",
        not wrong,
        f"{len(wrong)} tenants differ; {example[0]}: {example[1]}",
    )


def together(credentials: dict[str, Any], slugs: list[str], poll: float) -> dict[str, Timing]:
    """Trigger these tenants one after another at once (in this order); wait for them all."""
    run_ids = {slug: trigger(credentials[slug]) for slug in slugs}
    done = wait_for(list(run_ids.values()), poll)
    return {slug: done[run_id] for slug, run_id in run_ids.items()}


def report(smalls: list[str], bigs: list[str], timings: dict[str, Timing]) -> None:
    """Each small tenant: alone, among the small ones only, and with the big ones too."""
    header = ("tenant", "solo (s)", "smalls only (s)", "contended (s)", "queued (s)", "ratio")
    print("\n  {:<10} {:>9} {:>16} {:>14} {:>11} {:>8}".format(*header))
    for slug in smalls:
        solo, crowd, contended = (timings[f"{slug}{x}"] for x in ("-solo", "-crowd", ""))
        print(
            f"  {slug:<10} {solo.seconds:>9.2f} {crowd.seconds:>16.2f} {contended.seconds:>14.2f}"
            f" {contended.queued_seconds:>11.2f} {ratio(contended.seconds, solo.seconds):>7.1f}x"
        )
    solo_of = {s: timings[f"{s}-solo"].seconds for s in smalls}
    name, worst_ratio = worst({s: (solo_of[s], timings[s].seconds) for s in smalls})
    crowd_name, crowd_ratio = worst(
        {s: (solo_of[s], timings[f"{s}-crowd"].seconds) for s in smalls}
    )
    met = "met" if worst_ratio <= TARGET else "NOT met"
    print(f"\n  worst small tenant: {name} at {worst_ratio:.1f}x its solo time")
    print(f"  target: every small tenant within {TARGET:g}x its solo time: {met}")
    print(
        f"  the small tenants alone together (no big ones): worst {crowd_name} at "
        f"{crowd_ratio:.1f}x; {len(smalls)} runs on {SLOTS} worker slots put the last at "
        f"about {len(smalls) / SLOTS:g}x by queueing alone"
    )
    big_solo = timings["big-solo"].seconds
    for slug in bigs:
        contended = timings[slug].seconds
        print(
            f"  {slug}: contended {contended:.2f} s, solo estimate (its twin alone) "
            f"{big_solo:.2f} s, {ratio(contended, big_solo):.2f}x"
        )
    sys.stdout.flush()


def drive(big_url: str, small_url: str) -> None:
    harness.setup_django()
    from django.conf import settings

    figures = harness.Figures(
        f"fairness: {BIG_TENANTS} tenants x {BIG:,} Zoho items and {SMALL_TENANTS} x {SMALL:,}, "
        f"triggered at once on {WORKER_PROCESSES} worker processes ({LATENCY_MS} ms latency)"
    )
    bigs = [f"big-{n}" for n in range(1, BIG_TENANTS + 1)]
    smalls = [f"small-{n:02d}" for n in range(1, SMALL_TENANTS + 1)]
    twins = [f"{s}{x}" for x in ("-solo", "-crowd") for s in smalls]
    urls = {slug: big_url for slug in [*bigs, "big-solo"]}
    urls |= {slug: small_url for slug in [*smalls, *twins, "warm-1", "warm-2"]}
    credentials = {slug: make_tenant(slug, url) for slug, url in urls.items()}

    timings = together(credentials, ["warm-1", "warm-2"], 0.05)
    for slug in smalls:
        timings |= together(credentials, [f"{slug}-solo"], 0.02)
    timings |= together(credentials, ["big-solo"], 0.5)
    timings |= together(credentials, [f"{s}-crowd" for s in smalls], 0.05)

    load_before = os.getloadavg()
    contended = together(credentials, [*bigs, *smalls], 0.1)
    load_after = os.getloadavg()
    timings |= contended

    span = max(t.finished_at or t.created_at for t in contended.values()) - min(
        t.created_at for t in contended.values()
    )
    figures.values.update(
        {
            "trigger order": "big tenants first, then the small ones",
            "worker": (
                f"{WORKER_PROCESSES} processes, "
                + ("prefork, 1 task each" if PREFORK else " ".join(PULL_WORKER_OPTIONS))
            ),
            "SYNC_CHUNK_SECONDS": getattr(settings, "SYNC_CHUNK_SECONDS", "n/a (no chunking)"),
            "Zoho pages in flight per run": settings.ZOHO_PAGE_CONCURRENCY,
            "contended run, first trigger to last finish (s)": round(span.total_seconds(), 2),
            "load average before the contended run": " ".join(f"{x:.2f}" for x in load_before),
            "load average after it": " ".join(f"{x:.2f}" for x in load_after),
        }
    )
    check_runs(figures, timings)
    check_items(figures, credentials, urls)
    figures.print()
    report(smalls, bigs, timings)


# --- the parent: simulators, database, Redis and the worker ---------------------------------


def simulators_ready(*urls: str) -> None:
    """No per-minute limit, and no cap on tokens per refresh token (tenants share one)."""
    for url in urls:
        requests.post(
            f"{url}/_sim/config",
            json={"requests_per_minute": 0, "token_refresh_limit": 0},
            timeout=5,
        ).raise_for_status()


def main() -> None:
    figures = harness.Figures("fairness: setup")
    if shutil.which("redis-server") is None:
        figures.check("tools present", False, "needs redis-server (apt-get install)")
        figures.print()
        return
    latency = ("--latency-ms", str(LATENCY_MS))
    with (
        harness.simulator_process("zoho", "--seed", str(BIG), *latency) as big_url,
        harness.simulator_process("zoho", "--seed", str(SMALL), *latency) as small_url,
        own_redis() as redis_url,
        own_database() as database_url,
        tempfile.TemporaryFile("w+") as log,
    ):
        simulators_ready(big_url, small_url)
        env = {**production_env(database_url, redis_url), "ZOHO_REQUESTS_PER_MINUTE": "0"}
        manage(env, "migrate", "--noinput", "-v", "0")
        prefetch = ("--prefetch-multiplier", "1", "-O", "fair")
        with contextlib.ExitStack() as workers:
            if PREFORK:  # the earlier shape: one worker, 2 processes of one task each
                workers.enter_context(celery_worker(env, "pull,default", *prefetch, log=log))
            else:
                for n in range(WORKER_PROCESSES):
                    named = (*PULL_WORKER_OPTIONS, "-n", f"fair-{n}-{os.getpid()}@%h")
                    workers.enter_context(
                        celery_worker(env, "pull,default", *prefetch, *named, log=log)
                    )
            driver = subprocess.run(
                [sys.executable, "-m", "bench.fairness", "--drive", big_url, small_url],
                cwd=harness.ROOT,
                env=env,
            )
        if driver.returncode != 0:
            log.seek(0)
            tail = "".join(log.readlines()[-20:])
            print(f"\n  worker log (last lines):\n{tail}", file=sys.stderr)
        if not figures.check("the driver's checks passed", driver.returncode == 0, "see above"):
            figures.print()


if __name__ == "__main__":
    if sys.argv[1:2] == ["--drive"]:
        drive(*sys.argv[2:4])
    else:
        main()
    sys.exit(harness.exit_code())
