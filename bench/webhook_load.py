"""Load-test the plugin webhook: gunicorn with production settings on PostgreSQL and Redis.

wrk (Debian's `wrk`) drives it over loopback with a unique event id per request, the way
the plugin posts, through a fixed number of keep-alive connections. We print accepted
requests per second and the p50/p99 latency as wrk measured them, then count the event
log: every 202 must have left exactly one row (0 lost events). Target: at least 300
requests a second with p99 under 100 ms on a 2-core machine.

Needs PostgreSQL and Redis: BENCH_DATABASE_URL (default the local server, database
`catalog_bench`) and BENCH_REDIS_URL (default db 7 on the local Redis, flushed afterwards).
"""

import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

from bench.harness import ROOT, Figures

DATABASE_URL = os.environ.get(
    "BENCH_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/catalog_bench"
)
REDIS_URL = os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/7")
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


def production_env() -> dict[str, str]:
    from cryptography.fernet import Fernet

    return {
        **os.environ,
        "DEBUG": "0",
        "SECRET_KEY": "bench-" + os.urandom(24).hex(),
        "FIELD_ENCRYPTION_KEY": Fernet.generate_key().decode(),
        "ALLOWED_HOSTS": "127.0.0.1",
        "DATABASE_URL": DATABASE_URL,
        "CELERY_BROKER_URL": REDIS_URL,
        "CELERY_RESULT_BACKEND": REDIS_URL,
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


def recreate_database() -> None:
    import psycopg

    base, _, name = DATABASE_URL.rpartition("/")
    with psycopg.connect(f"{base}/postgres", autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}"')
        conn.execute(f'CREATE DATABASE "{name}"')


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
    done = subprocess.run(command, capture_output=True, text=True, env=env)
    if done.returncode != 0:
        raise RuntimeError(f"wrk failed ({done.returncode}): {done.stderr.strip()[-500:]}")
    line = next(x for x in done.stdout.splitlines() if x.startswith("WRK_RESULT "))
    return json.loads(line.removeprefix("WRK_RESULT "))


def missing_events(event_ids: list[str]) -> int:
    """How many accepted event ids have no event-log row (read straight from PostgreSQL)."""
    import psycopg

    with psycopg.connect(DATABASE_URL) as conn:
        stored = {
            row[0]
            for row in conn.execute(
                "SELECT event_id FROM integrations_woocommerceeventlog WHERE event_id = ANY(%s)",
                (event_ids,),
            )
        }
    return len(set(event_ids) - stored)


def main() -> None:
    if shutil.which("wrk") is None:
        print("webhook_load: needs wrk (apt-get install wrk); skipped, nothing measured.")
        return
    env = production_env()
    recreate_database()
    manage(env, "migrate", "--noinput", "-v", "0")
    token = shell(
        env,
        "from tenants.models import Tenant\n"
        "from integrations.webhooks.tokens import issue_token\n"
        "t = Tenant.objects.create(name='Load', slug='load')\n"
        "from integrations.woocommerce.models import WooCommerceStore\n"
        "WooCommerceStore.objects.create(tenant=t, store_url='https://load.example.com',"
        " consumer_key='ck', consumer_secret='cs')\n"
        "print(issue_token(tenant=t, integration_type='woocommerce', name='load').plain_token)",
    )
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    server = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "gunicorn",
            "config.wsgi:application",
            "--bind",
            f"127.0.0.1:{port}",
            "--workers",
            str(WORKERS),
            "--access-logfile",
            "/dev/null",
        ],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        wait_for(f"{url}/healthz")
        with tempfile.TemporaryDirectory() as tmp:
            script = Path(tmp) / "plugin_events.lua"
            script.write_text(WRK_SCRIPT)
            accepted_file = Path(tmp) / "accepted.txt"
            run_wrk(url, token, script, "warmup", 3, accepted_file)
            result = run_wrk(url, token, script, "measured", SECONDS, accepted_file)
            accepted_ids = accepted_file.read_text().split()
    finally:
        server.terminate()
        server.wait(timeout=30)
    accepted = int(result["statuses"].get("202", 0))
    missing = missing_events(accepted_ids)
    figures = Figures(
        f"Plugin webhook under load (gunicorn {WORKERS} workers, production settings, "
        f"PostgreSQL + Redis, wrk {CONNECTIONS} connections for {SECONDS} s)"
    )
    figures.values.update(
        {
            "requests sent": result["requests"],
            "accepted (202)": accepted,
            "other statuses": {k: v for k, v in result["statuses"].items() if k != "202"} or "none",
            "socket errors": result["socket_errors"],
            "accepted per second": round(accepted / result["seconds"], 1),
            "p50 latency (ms)": result["p50_ms"],
            "p90 latency (ms)": result["p90_ms"],
            "p99 latency (ms)": result["p99_ms"],
            "max latency (ms)": result["max_ms"],
            "accepted ids read back": len(accepted_ids),
            "accepted but not in the event log (lost)": missing,
        }
    )
    figures.print()
    import redis

    redis.Redis.from_url(REDIS_URL).flushdb()


if __name__ == "__main__":
    main()
