"""Start the whole app for `make run`: SQLite, a filesystem broker, web, worker and beat.

Needs nothing but Python. Secrets and the admin password are generated on the
first run and kept under var/, so a second run reuses the same database and login.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from config.demo_env import (  # noqa: E402 (the project root is on the path from here on)
    EMBEDDINGS_SIM_PORT,
    HOST,
    META_SIM_PORT,
    PORT,
    VAR,
    demo_env,
    load_state,
)

QUEUES = "default,meta_push,pull,webhooks,knowledge"
SELF_HEALING = ("worker", "beat")
SIMULATORS = {
    # name: (port, extra arguments): stand-ins for Meta and the stores, over real HTTP
    "meta": (META_SIM_PORT, ["--latency-ms", "20"]),
    "zoho": (
        int(os.environ.get("ZOHO_SIM_PORT", "8102")),
        ["--seed", "1000", "--latency-ms", "20"],
    ),
    "woocommerce": (
        int(os.environ.get("WOO_SIM_PORT", "8103")),
        ["--seed", "300", "--latency-ms", "20"],
    ),
    "shopify": (
        int(os.environ.get("SHOPIFY_SIM_PORT", "8104")),
        ["--seed", "300", "--latency-ms", "20"],
    ),
    # 512 slots: few unrelated words collide, so the demo's search ranks by the words shared.
    "embeddings": (EMBEDDINGS_SIM_PORT, ["--latency-ms", "20", "--dimensions", "512"]),
}


def manage(env: dict[str, str], *args: str) -> None:
    subprocess.run([sys.executable, "manage.py", *args], cwd=ROOT, env=env, check=True)


def wait_for_health(url: str, timeout: float = 60.0) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(url, timeout=2) as response:
                if response.status == 200:
                    return True
        except Exception:
            time.sleep(0.5)
    return False


def check_worker(env: dict[str, str]) -> bool:
    """Send the ping task from Django and wait for the separate worker process to answer."""
    code = (
        "from config.tasks import ping; "
        "print('worker answered:', ping.delay().get(timeout=60, interval=0.5))"
    )
    result = subprocess.run(
        [sys.executable, "manage.py", "shell", "-v", "0", "-c", code],
        cwd=ROOT,
        env=env,
        check=False,
    )
    return result.returncode == 0


def main() -> int:
    state = load_state()
    env = {**os.environ, **demo_env(state)}
    manage(env, "migrate", "--noinput", "-v", "0")
    zoho_url = f"http://127.0.0.1:{SIMULATORS['zoho'][0]}"
    woo_url = f"http://127.0.0.1:{SIMULATORS['woocommerce'][0]}"
    shopify_url = f"http://127.0.0.1:{SIMULATORS['shopify'][0]}"
    manage(
        env,
        "seed_demo",
        # One `--option=value` word each: a generated password may start with `-`.
        f"--admin-password={state['admin_password']}",
        f"--zoho-url={zoho_url}",
        f"--woocommerce-url={woo_url}",
        f"--shopify-url={shopify_url}",
    )

    logs = VAR / "demo-logs"
    logs.mkdir(exist_ok=True)
    commands = {
        **{
            f"{name}-simulator": [
                sys.executable,
                "-m",
                "simulators",
                name,
                "--port",
                str(port),
                *extra,
            ]
            for name, (port, extra) in SIMULATORS.items()
        },
        "web": [sys.executable, "manage.py", "runserver", f"{HOST}:{PORT}", "--noreload"],
        "worker": [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "config",
            "worker",
            "-l",
            "info",
            "-Q",
            QUEUES,
            "--concurrency",
            "2",
            "-n",
            "demo@%h",
        ],
        "beat": [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "config",
            "beat",
            "-l",
            "info",
            "--schedule",
            str(VAR / "demo-beat-schedule"),
        ],
    }

    def launch(name: str) -> subprocess.Popen[bytes]:
        log = (logs / f"{name}.log").open("ab")
        return subprocess.Popen(commands[name], cwd=ROOT, env=env, stdout=log, stderr=log)

    processes = {name: launch(name) for name in commands}

    def stop(*_: object) -> None:
        for process in processes.values():
            process.terminate()
        for process in processes.values():
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                process.kill()

    signal.signal(signal.SIGTERM, lambda *_: (stop(), sys.exit(0)))
    base = f"http://{HOST}:{PORT}"
    try:
        if not wait_for_health(f"{base}/healthz?scope=web"):
            print(f"The web server did not become healthy; see {logs}/web.log", file=sys.stderr)
            return 1
        worker_state = "executing tasks" if check_worker(env) else "NOT answering, see worker.log"
        print(
            "\n".join(
                [
                    "",
                    "Catalog Sync is running.",
                    f"  Admin:    {base}/admin/",
                    "  Login:    admin / " + state["admin_password"],
                    f"  API docs: {base}/api/docs/",
                    f"  Health:   {base}/healthz",
                    f"  Meta simulator: http://127.0.0.1:{SIMULATORS['meta'][0]}/_sim/catalogs/demo-catalog/items",
                    f"  Zoho simulator: {zoho_url} (1,000 items; press 'Sync Zoho' in the admin)",
                    f"  WooCommerce simulator: {woo_url} (300 products; 'Sync now' on the store)",
                    f"  Shopify simulator: {shopify_url} (300 products; 'Sync now' on the store)",
                    f"  Worker:   {worker_state}",
                    f"  Logs:     {logs}/",
                    "Press Ctrl-C to stop.",
                ]
            ),
            flush=True,
        )
        while True:
            # A worker or beat that exits (a crash, a lost broker) is started again, as
            # docker-compose's restart policy does in production.
            for name in SELF_HEALING:
                if processes[name].poll() is not None:
                    print(f"{name} exited; starting it again", file=sys.stderr, flush=True)
                    processes[name] = launch(name)
            if any(p.poll() is not None for p in processes.values()):
                break
            time.sleep(1)
        dead = [name for name, p in processes.items() if p.poll() is not None]
        print(f"Stopped because {', '.join(dead)} exited; see {logs}/", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 0
    finally:
        stop()


if __name__ == "__main__":
    sys.exit(main())
