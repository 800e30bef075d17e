"""Load-test the plugin webhook: gunicorn with production settings on PostgreSQL and Redis.

wrk (Debian's `wrk`) drives it over loopback with a unique event id per request, the way
the plugin posts, through a fixed number of keep-alive connections. We print accepted
requests per second and the p50/p99 latency as wrk measured them, as milliseconds of server
capacity per request (1 / rate) beside:
- the floor: the same request refused at the token check (401), the fixed cost of gunicorn,
  Django and the token lookup;
- the baseline: every event applied inside its request (`bench/eager_settings.py`).
The client is wrk, so the CPU time shown is wrk's; the memory shown is the gunicorn workers'
peak resident memory (they start with the block, so their high-water mark is its peak).
Then a Celery worker drains the queue, and every 202 must have left exactly one event-log
row that was processed successfully (0 lost, 0 unprocessed); otherwise the run exits non-zero.

It makes what it uses and removes only that: a database of its own with a unique name on
BENCH_POSTGRES_URL (default the local server; an existing database of that name is refused)
and a private `redis-server` on a free port, stopped afterwards. Needs `wrk`, `redis-server`
and PostgreSQL; without them it fails rather than reporting nothing.
"""

import json
import os
import resource
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from bench.harness import ROOT, Figures, exit_code, unique_name

POSTGRES_URL = os.environ.get("BENCH_POSTGRES_URL", "postgres://postgres@127.0.0.1:5432")
WORKERS = int(os.environ.get("BENCH_GUNICORN_WORKERS", "3"))  # as docker-compose runs it
CONNECTIONS = int(os.environ.get("BENCH_CONNECTIONS", "8"))
SECONDS = int(os.environ.get("BENCH_SECONDS", "20"))
PATH = "/api/integrations/woocommerce/webhook/"

# wrk's Lua hooks: a unique event id per request, and per-thread counts of each status.
WRK_SCRIPT = """
local counter = 0
statuses = {}
local threads = {}
function setup(thread)
  thread:set("tid", #threads + 1)
  table.insert(threads, thread)
end
function init(args)
  prefix = "load-" .. args[1] .. "-" .. tid .. "-"
end
ids_file = os.getenv("WRK_ACCEPTED_FILE")
function request()
  counter = counter + 1
  local id = counter % 500 + 1
  local body = '{"event_id":"' .. prefix .. counter .. '","event_type":"product.updated",'
    .. '"product":{"id":' .. id .. ',"sku":"LOAD-' .. id .. '","name":"Load product ' .. id
    .. '","price":"12.50","currency":"USD","stock_quantity":5,"categories":["Load"],'
    .. '"tags":[],"permalink":"https://shop.example.com/p/' .. id .. '"}}'
  return wrk.format("POST", nil, nil, body)
end
accepted = {}
function response(status, headers, body)
  statuses[status] = (statuses[status] or 0) + 1
  if status == 202 then
    table.insert(accepted, string.match(body, '"event_id":%s*"([^"]+)"'))
  end
end
function done(summary, latency, requests)
  local merged = {}
  local ids = io.open(ids_file, "w")
  for _, thread in ipairs(threads) do
    for _, id in ipairs(thread:get("accepted")) do ids:write(id, "\\n") end
    local counts = thread:get("statuses")
    for status, n in pairs(counts) do
      merged[tostring(status)] = (merged[tostring(status)] or 0) + n
    end
  end
  ids:close()
  local parts = {}
  for status, n in pairs(merged) do table.insert(parts, '"' .. status .. '":' .. n) end
  io.write(string.format(
    'WRK_RESULT {"requests":%d,"seconds":%.3f,"socket_errors":%d,"p50_ms":%.2f,'
      .. '"p90_ms":%.2f,"p99_ms":%.2f,"max_ms":%.2f,"statuses":{%s}}\\n',
    summary.requests, summary.duration / 1e6,
    summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout,
    latency:percentile(50) / 1000, latency:percentile(90) / 1000,
    latency:percentile(99) / 1000, latency.max / 1000, table.concat(parts, ",")))
end
"""


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


RUN_FERNET_KEY = ""
RUN_SECRET_KEY = "bench-" + os.urandom(24).hex()  # one per run: both servers read one store


def production_env(database_url: str, redis_url: str, *, eager: bool = False) -> dict[str, str]:
    from cryptography.fernet import Fernet

    global RUN_FERNET_KEY
    RUN_FERNET_KEY = RUN_FERNET_KEY or Fernet.generate_key().decode()
    return {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "bench.eager_settings" if eager else "config.settings",
        "DEBUG": "0",
        "SECRET_KEY": RUN_SECRET_KEY,
        "FIELD_ENCRYPTION_KEY": RUN_FERNET_KEY,
        "ALLOWED_HOSTS": "127.0.0.1",
        "DATABASE_URL": database_url,
        "CELERY_BROKER_URL": redis_url,
        "CELERY_RESULT_BACKEND": redis_url,
        "CACHE_URL": redis_url,
        "EMBEDDINGS_API_KEY": "",
        "ENV_FILE": str(ROOT / "var" / "no-env-file"),
    }


def manage(env: dict[str, str], *args: str) -> str:
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=env,
        check=True,
        capture_output=True,
        text=True,
    ).stdout


@contextmanager
def own_database() -> Iterator[str]:
    """A database created for this run (unique name) and dropped after it; never another."""
    import psycopg

    name = unique_name("bench_webhook")
    with psycopg.connect(f"{POSTGRES_URL}/postgres", autocommit=True) as conn:
        if conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (name,)).fetchone():
            raise RuntimeError(f"Database {name} exists; the benchmark never touches it.")
        conn.execute(f'CREATE DATABASE "{name}"')
    try:
        yield f"{POSTGRES_URL}/{name}"
    finally:
        with psycopg.connect(f"{POSTGRES_URL}/postgres", autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@contextmanager
def own_redis() -> Iterator[str]:
    """A private redis-server on a free port, without persistence, stopped afterwards."""
    import redis

    port = free_port()
    server = subprocess.Popen(
        [*("redis-server", "--port", str(port), "--bind", "127.0.0.1"), "--save", ""],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    url = f"redis://127.0.0.1:{port}/0"
    try:
        deadline = time.monotonic() + 10
        while True:
            try:
                redis.Redis.from_url(url).ping()
                break
            except redis.ConnectionError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.1)
        yield url
    finally:
        server.terminate()
        server.wait(timeout=10)


def shell(env: dict[str, str], code: str) -> str:
    return manage(env, "shell", "-c", code).strip().splitlines()[-1]


def wait_for(url: str, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            urllib.request.urlopen(url, timeout=1)
            return
        except OSError:
            time.sleep(0.2)
    raise RuntimeError(f"{url} did not answer within {timeout:.0f} s")


def run_wrk(
    url: str, token: str, script: Path, label: str, seconds: int, accepted_file: Path
) -> dict:
    command = [
        "wrk",
        "-t2",
        f"-c{CONNECTIONS}",
        f"-d{seconds}s",
        "--timeout",
        "5s",
        "-s",
        str(script),
        "-H",
        f"Authorization: Bearer {token}",
        "-H",
        "Content-Type: application/json",
        "-H",
        "X-Forwarded-Proto: https",  # as nginx sends it; production settings redirect plain HTTP
        url + PATH,
        "--",
        label,
    ]
    env = {**os.environ, "WRK_ACCEPTED_FILE": str(accepted_file)}
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    done = subprocess.run(command, capture_output=True, text=True, env=env)
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if done.returncode != 0:
        raise RuntimeError(f"wrk failed ({done.returncode}): {done.stderr.strip()[-500:]}")
    line = next(x for x in done.stdout.splitlines() if x.startswith("WRK_RESULT "))
    result = json.loads(line.removeprefix("WRK_RESULT "))
    # The client here is wrk: its CPU time (the only child that ends during the call).
    result["client_cpu_s"] = (after.ru_utime + after.ru_stime) - (before.ru_utime + before.ru_stime)
    return result


def event_states(database_url: str, event_ids: list[str]) -> dict[str, bool | None]:
    """Accepted event id -> processed successfully (None: still waiting), from PostgreSQL."""
    import psycopg

    with psycopg.connect(database_url) as conn:
        return {
            row[0]: row[1] if row[2] is not None else None
            for row in conn.execute(
                "SELECT event_id, processed_successfully, processed_at "
                "FROM integrations_woocommerceeventlog WHERE event_id = ANY(%s)",
                (event_ids,),
            )
        }


def workers_peak_rss_mib(master: int) -> float:
    """The gunicorn workers' resident high-water marks, summed (they start with the server, so
    this is the peak over its warm-up and measured load)."""
    total = 0
    try:
        children = Path(f"/proc/{master}/task/{master}/children").read_text().split()
        for pid in children:
            for line in Path(f"/proc/{pid}/status").read_text().splitlines():
                if line.startswith("VmHWM:"):
                    total += int(line.split()[1])
    except OSError:
        return 0.0
    return round(total / 1024, 1)


@contextmanager
def gunicorn(env: dict[str, str]) -> Iterator[tuple[str, int]]:
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    server = subprocess.Popen(
        [
            *(sys.executable, "-m", "gunicorn", "-c", "python:config.gunicorn"),
            "config.wsgi:application",
            *("--bind", f"127.0.0.1:{port}", "--workers", str(WORKERS)),
            *("--access-logfile", "/dev/null"),
        ],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        wait_for(f"{url}/healthz?scope=web")
        yield url, server.pid
    finally:
        server.terminate()
        server.wait(timeout=30)


def load(url: str, token: str, label: str, seconds: int) -> tuple[dict, list[str]]:
    """wrk for `seconds` after a 3 s warm-up; its figures and the event ids answered 202."""
    with tempfile.TemporaryDirectory() as tmp:
        script = Path(tmp) / "plugin_events.lua"
        script.write_text(WRK_SCRIPT)
        accepted_file = Path(tmp) / "accepted.txt"
        run_wrk(url, token, script, f"warmup-{label}", 3, accepted_file)
        warm = accepted_file.read_text().split()
        result = run_wrk(url, token, script, label, seconds, accepted_file)
        return result, warm + accepted_file.read_text().split()


@contextmanager
def celery_worker(
    env: dict[str, str], queues: str, *options: str, log: Any = subprocess.DEVNULL
) -> Iterator[subprocess.Popen]:
    """A `celery worker` process (prefork, 2 processes unless `options` say otherwise) on the
    given queues, with the run's environment; stopped afterwards. `log` takes its output."""
    worker = subprocess.Popen(
        [
            *(sys.executable, "-m", "celery", "-A", "config", "worker", "-Q", queues),
            *("--pool", "prefork", "--concurrency", "2", "--without-mingle", "--without-gossip"),
            *("-l", "warning", "-n", f"bench-{os.getpid()}@%h", *options),
        ],
        cwd=ROOT,
        env=env,
        stdout=log,
        stderr=log,
    )
    try:
        yield worker
    finally:
        worker.terminate()
        worker.wait(timeout=60)


def drain(env: dict[str, str], database_url: str, event_ids: list[str]) -> float:
    """Run a Celery worker on the webhooks queue until every accepted event is processed (or
    no progress for 60 s); returns the seconds it took."""
    with celery_worker(env, "webhooks"):
        started = time.monotonic()
        pending, progress_at = len(event_ids), time.monotonic()
        while pending and time.monotonic() - progress_at < 60:
            time.sleep(1)
            states = event_states(database_url, event_ids)
            now_pending = sum(1 for e in event_ids if states.get(e) is None)
            if now_pending < pending:
                pending, progress_at = now_pending, time.monotonic()
        return time.monotonic() - started


def summary(figures: Figures, result: dict, accepted_ids: list[str]) -> None:
    accepted = int(result["statuses"].get("202", 0))
    figures.values.update(
        {
            "requests sent": result["requests"],
            "accepted (202)": accepted,
            "other statuses": {k: v for k, v in result["statuses"].items() if k != "202"} or "none",
            "socket errors": result["socket_errors"],
            "accepted per second": round(accepted / result["seconds"], 1),
            "client (wrk) CPU time (s)": round(result["client_cpu_s"], 2),
            f"peak RSS of the {WORKERS} gunicorn workers (MiB, sum)": result["server_peak_mib"],
            "p50 latency (ms)": result["p50_ms"],
            "p90 latency (ms)": result["p90_ms"],
            "p99 latency (ms)": result["p99_ms"],
            "max latency (ms)": result["max_ms"],
            "accepted ids read back (with warm-up)": len(accepted_ids),
        }
    )


def first_error(database_url: str, event_ids: list[str]) -> str:
    import psycopg

    with psycopg.connect(database_url) as conn:
        row = conn.execute(
            "SELECT error FROM integrations_woocommerceeventlog "
            "WHERE event_id = ANY(%s) AND processed_successfully = false LIMIT 1",
            (event_ids,),
        ).fetchone()
    return row[0][:300] if row else ""


def check_events(figures: Figures, database_url: str, event_ids: list[str]) -> None:
    states = event_states(database_url, event_ids)
    lost = sum(1 for e in event_ids if e not in states)
    waiting = sum(1 for e in event_ids if e in states and states[e] is None)
    failed = sum(1 for e in event_ids if states.get(e) is False)
    figures.values["accepted but not in the event log (lost)"] = lost
    figures.check("events were accepted", bool(event_ids), "none answered 202")
    figures.check("every accepted event stored", lost == 0, f"{lost} lost")
    figures.check(
        "every accepted event processed",
        waiting == 0 and failed == 0,
        f"{waiting} unprocessed, {failed} failed"
        + (f" (e.g. {first_error(database_url, event_ids)!r})" if failed else ""),
    )


def setup_tenant(env: dict[str, str]) -> str:
    manage(env, "migrate", "--noinput", "-v", "0")
    return shell(
        env,
        "from tenants.models import Tenant\n"
        "from integrations.webhooks.tokens import issue_token\n"
        "t = Tenant.objects.create(name='Load', slug='load')\n"
        "from integrations.woocommerce.models import WooCommerceStore\n"
        "WooCommerceStore.objects.create(tenant=t, store_url='https://load.example.com',"
        " consumer_key='ck', consumer_secret='cs')\n"
        "print(issue_token(tenant=t, integration_type='woocommerce', name='load').plain_token)",
    )


def main() -> None:
    title = (
        f"Plugin webhook under load (gunicorn {WORKERS} workers, production settings, "
        f"PostgreSQL + Redis, wrk {CONNECTIONS} connections for {SECONDS} s)"
    )
    figures = Figures(title)
    missing = [tool for tool in ("wrk", "redis-server") if shutil.which(tool) is None]
    if missing:
        figures.check("tools present", False, f"needs {', '.join(missing)} (apt-get install)")
        figures.print()
        return
    with own_redis() as redis_url, own_database() as database_url:
        env = production_env(database_url, redis_url)
        token = setup_tenant(env)
        with gunicorn(env) as (url, pid):
            result, accepted_ids = load(url, token, "measured", SECONDS)
            result["server_peak_mib"] = workers_peak_rss_mib(pid)
            refused, _ = load(url, "not-a-token", "floor", max(3, SECONDS // 4))
        summary(figures, result, accepted_ids)
        drained = drain(env, database_url, accepted_ids)
        figures.values["worker drain of the queue (s, 2 processes)"] = round(drained, 1)
        check_events(figures, database_url, accepted_ids)

        base = Figures("baseline: each event applied inside its request (eager tasks)")
        with gunicorn(production_env(database_url, redis_url, eager=True)) as (url, pid):
            eager, eager_ids = load(url, token, "baseline", SECONDS)
            eager["server_peak_mib"] = workers_peak_rss_mib(pid)
        summary(base, eager, eager_ids)
        check_events(base, database_url, eager_ids)

    rate = figures.values["accepted per second"]
    base_rate = base.values["accepted per second"]
    floor_rate = int(refused["statuses"].get("401", 0)) / refused["seconds"]
    figures.values["floor: 401 answers per second (token refused)"] = round(floor_rate, 1)
    figures.compare(
        result=1000 / rate if rate else float("inf"),
        baseline=1000 / base_rate if base_rate else None,
        floor=1000 / floor_rate if floor_rate else 0,
        unit="ms of capacity per request",
    )
    figures.print()
    base.print()


if __name__ == "__main__":
    main()
    sys.exit(exit_code())
