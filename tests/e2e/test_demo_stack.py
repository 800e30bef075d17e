"""`make run`'s stack as the README starts it: web, worker and beat on one SQLite file.

One demo is started (scripts/run_demo.py, as `make run` does) with a saved admin password
that starts with `-`. Against it: the login works, the README's management commands work
beside it, three syncs, a Meta push and 20 admin saves fired at once all succeed with no
"database is locked" anywhere in the logs, and a worker killed with SIGKILL is started again
and executes tasks.
"""

import json
import os
import re
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from html.parser import HTMLParser
from pathlib import Path

import pytest
import requests

ROOT = Path(__file__).resolve().parents[2]
DASH_PASSWORD = "-WGGDnA7u6jYfXAE"
pytestmark = pytest.mark.e2e


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def plain_env(var: Path, ports: dict[str, int]) -> dict[str, str]:
    """The caller's environment without the test settings, as a person's shell would be."""
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("DATABASE_", "CELERY_", "DJANGO_", "EMBEDDINGS_", "META_"))
        and k not in {"SECRET_KEY", "DEBUG", "FIELD_ENCRYPTION_KEY", "DB_CONN_MAX_AGE"}
        and k not in {"SYNC_PREFETCH_PAGES", "ENV_FILE"}
    }
    env.update({"DEMO_VAR_DIR": str(var), "ENV_FILE": str(var / "no.env")})
    env.update({name: str(port) for name, port in ports.items()})
    return env


@dataclass
class Demo:
    url: str
    var: Path
    env: dict[str, str]
    banner: str
    pid: int

    def logs(self) -> dict[str, str]:
        return {p.name: p.read_text(errors="replace") for p in (self.var / "demo-logs").glob("*")}


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Demo]:
    var = tmp_path_factory.mktemp("demo-var")
    # A state file from an older version whose generated password starts with "-".
    (var / "demo-state.json").write_text(json.dumps({"admin_password": DASH_PASSWORD}))
    ports = {
        name: free_port()
        for name in (
            "PORT",
            "META_SIM_PORT",
            "ZOHO_SIM_PORT",
            "WOO_SIM_PORT",
            "SHOPIFY_SIM_PORT",
            "EMBEDDINGS_SIM_PORT",
        )
    }
    env = plain_env(var, ports)
    out = (var / "run-demo.out").open("w+")
    process = subprocess.Popen(
        [sys.executable, "scripts/run_demo.py"],
        cwd=ROOT,
        env=env,
        stdout=out,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    try:
        banner = ""
        for _ in range(600):  # up to about five minutes on a loaded machine
            banner = (var / "run-demo.out").read_text()
            if "Catalog Sync is running." in banner or process.poll() is not None:
                break
            time.sleep(0.5)
        assert "Catalog Sync is running." in banner, banner
        yield Demo(f"http://127.0.0.1:{ports['PORT']}", var, env, banner, process.pid)
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=60)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
        out.close()


def login(demo: Demo) -> requests.Session:
    session = requests.Session()
    session.get(f"{demo.url}/admin/login/", timeout=30)
    response = session.post(
        f"{demo.url}/admin/login/",
        data={
            "username": "admin",
            "password": DASH_PASSWORD,
            "csrfmiddlewaretoken": session.cookies["csrftoken"],
        },
        headers={"Referer": f"{demo.url}/admin/login/"},
        allow_redirects=False,
        timeout=30,
    )
    assert (response.status_code, response.headers.get("Location")) == (302, "/admin/")
    return session


def manage(demo: Demo, *args: str) -> str:
    """A README command, run as written: `.venv/bin/python manage.py …` beside the demo."""
    result = subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=demo.env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    return result.stdout


class FormFields(HTMLParser):
    """The fields a browser would submit from one form of a page."""

    def __init__(self, form_id: str) -> None:
        super().__init__()
        self.form_id, self.inside, self.fields = form_id, False, []
        self.select: str | None = None
        self.options: list[tuple[str, bool]] = []
        self.textarea: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        if tag == "form":
            self.inside = a.get("id") == self.form_id
        if not self.inside:
            return
        if tag == "input" and a.get("name"):
            kind = a.get("type", "text")
            if kind in {"checkbox", "radio"} and "checked" not in a:
                return
            if kind not in {"submit", "button", "file"}:
                self.fields.append((a["name"], a.get("value", "on" if kind == "checkbox" else "")))
        elif tag == "select" and a.get("name"):
            self.select, self.options = a["name"], []
        elif tag == "option" and self.select is not None:
            self.options.append((a.get("value", ""), "selected" in a))
        elif tag == "textarea" and a.get("name"):
            self.textarea = a["name"]
            self.fields.append((a["name"], ""))

    def handle_data(self, data: str) -> None:
        if self.textarea is not None:
            name, value = self.fields[-1]
            self.fields[-1] = (name, value + data)

    def handle_endtag(self, tag: str) -> None:
        if tag == "form":
            self.inside = False
        elif tag == "select" and self.select is not None:
            chosen = [v for v, selected in self.options if selected] or [
                v for v, _ in self.options[:1]
            ]
            self.fields += [(self.select, value) for value in chosen]
            self.select = None
        elif tag == "textarea":
            self.textarea = None


def admin_save(demo: Demo, product_id: int, n: int) -> int:
    session = login(demo)
    url = f"{demo.url}/admin/products_and_services/product/{product_id}/change/"
    page = session.get(url, timeout=60)
    parser = FormFields("product_form")
    parser.feed(page.text)
    fields = [(k, v) for k, v in parser.fields if k != "stock_quantity"]
    fields += [("stock_quantity", str(100 + n)), ("_save", "Save")]
    response = session.post(
        url, data=fields, headers={"Referer": url}, allow_redirects=False, timeout=120
    )
    return response.status_code


def test_the_demo_starts_with_a_dash_password_and_the_readme_commands_work(demo: Demo) -> None:
    assert f"Login:    admin / {DASH_PASSWORD}" in demo.banner
    assert "Worker:   executing tasks" in demo.banner
    login(demo)
    assert "slug: acme-outdoor" in manage(demo, "create_tenant", "Acme Outdoor")
    key = manage(
        demo,
        "create_api_key",
        "--tenant",
        "acme-outdoor",
        "--scopes",
        "catalog:read",
        "catalog:write",
        "--name",
        "ERP import",
    )
    plain = re.search(r"csk_\S+", key).group(0)
    listing = requests.get(
        f"{demo.url}/v1/catalog/products/",
        headers={"X-TENANT-ID": "acme-outdoor", "X-TENANT-API-KEY": plain},
        timeout=30,
    )
    assert (listing.status_code, listing.json()["count"]) == (200, 0)
    assert "No hostname was supplied" not in "".join(demo.logs().values())


def test_three_syncs_a_push_and_twenty_admin_saves_at_once_never_lock(demo: Demo) -> None:
    key = manage(
        demo,
        "create_api_key",
        "--tenant",
        "demo",
        "--scopes",
        "catalog:read",
        "catalog:write",
        "integrations:manage",
        "--name",
        "stress",
    )
    headers = {"X-TENANT-ID": "demo", "X-TENANT-API-KEY": re.search(r"csk_\S+", key).group(0)}
    products = requests.get(f"{demo.url}/v1/catalog/products/", headers=headers, timeout=30).json()[
        "results"
    ]
    ids = [p["id"] for p in products]
    assert ids

    def sync(provider: str) -> int:
        return requests.post(
            f"{demo.url}/v1/catalog/sync/{provider}", headers=headers, json={}, timeout=120
        ).status_code

    def push() -> int:
        session = login(demo)
        url = f"{demo.url}/admin/products_and_services/product/"
        return session.post(
            url,
            data={
                "action": "push_to_meta_now",
                "select_across": "1",
                "index": "0",
                "_selected_action": str(ids[0]),
                "csrfmiddlewaretoken": session.cookies["csrftoken"],
            },
            headers={"Referer": url},
            allow_redirects=False,
            timeout=120,
        ).status_code

    with ThreadPoolExecutor(max_workers=24) as pool:
        syncs = [pool.submit(sync, p) for p in ("zoho", "woocommerce", "shopify")]
        pushed = pool.submit(push)
        saves = [pool.submit(admin_save, demo, ids[n % len(ids)], n) for n in range(20)]
        # 409: beat's scheduled sync of that store was already running, which is as good.
        assert all(f.result() in {202, 409} for f in syncs), [f.result() for f in syncs]
        assert pushed.result() == 302
        assert [f.result() for f in saves] == [302] * 20

    runs: list[dict[str, object]] = []
    for _ in range(600):
        runs = requests.get(
            f"{demo.url}/v1/catalog/sync-runs/", headers=headers, timeout=30
        ).json()["results"]
        if runs and all(r["status"] not in {"queued", "running"} for r in runs):
            break
        time.sleep(1)
    assert {r["provider"] for r in runs} == {"shopify", "woocommerce", "zoho"}
    assert {r["status"] for r in runs} == {"succeeded"}, runs
    logs = demo.logs()
    locked = {name: text.count("database is locked") for name, text in logs.items()}
    assert sum(locked.values()) == 0, locked
    assert "Traceback" not in logs["web.log"] + logs["worker.log"]


def worker_pids(demo: Demo) -> set[int]:
    """The demo's `celery worker` main processes: run_demo.py's children running a worker."""
    pids = set()
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
            command = (entry / "cmdline").read_bytes().split(b"\0")
        except OSError:  # it exited meanwhile
            continue
        parent = int(stat.rsplit(")", 1)[1].split()[1])
        if parent == demo.pid and b"celery" in command and b"worker" in command:
            pids.add(int(entry.name))
    return pids


def test_a_worker_that_exits_is_started_again(demo: Demo) -> None:
    (before,) = worker_pids(demo)
    os.kill(before, signal.SIGKILL)
    after: set[int] = set()
    for _ in range(120):  # run_demo.py looks every second
        after = worker_pids(demo)
        if after and before not in after:
            break
        time.sleep(0.5)
    assert len(after) == 1 and before not in after, (before, after)
    # The new worker consumes: the ping task answers through it (nothing else consumes).
    code = "from config.tasks import ping; print(ping.delay().get(timeout=120, interval=0.5))"
    assert manage(demo, "shell", "-v", "0", "-c", code).strip() == "pong"
    assert "worker exited; starting it again" in (demo.var / "run-demo.out").read_text()
