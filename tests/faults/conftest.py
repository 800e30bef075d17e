"""The fault suite's machinery: a Redis of its own that a test may stop and start, and real
Celery worker *processes* on it (so a worker that dies is seen dying).

The shared Redis is never stopped: each module starts `redis-server` on a free port, with
an append-only file so queued messages survive its restarts, as in docker-compose.

Issue 12's items owned elsewhere (the stale-save race, edits after failure, a killed
worker's lease) add their tests to this folder and may reuse these fixtures.
"""

import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.db import connection

from config.celery import PULL_WORKER_OPTIONS
from tests.e2e.conftest import e2e_meta_config, meta_sim, zoho_sim  # noqa: F401
from tests.webhooks.conftest import (  # noqa: F401
    make_token,
    plugin_client,
    woo_hook_store,
)

ROOT = Path(__file__).resolve().parents[2]

pytestmark = pytest.mark.services


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class PrivateRedis:
    """A redis-server this test owns: stop() and start() it at will."""

    def __init__(self, workdir: Path) -> None:
        self.port = free_port()
        self.workdir = workdir
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        self.process = subprocess.Popen(
            [
                "redis-server",
                "--port",
                str(self.port),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "yes",
                "--dir",
                str(self.workdir),
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + 15
        while time.monotonic() < deadline:
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=0.5) as sock:
                    sock.sendall(b"PING\r\n")
                    if sock.recv(16).startswith(b"+PONG"):
                        return
            except OSError:
                time.sleep(0.1)
        raise RuntimeError(f"redis-server did not start on port {self.port}")

    def stop(self) -> None:
        """A clean shutdown (the append-only file keeps queued messages), as a restart does."""
        if self.process is None:
            return
        self.process.send_signal(signal.SIGTERM)
        self.process.wait(timeout=30)
        self.process = None

    def restart(self, down_seconds: float) -> None:
        self.stop()
        time.sleep(down_seconds)
        self.start()


def database_url() -> str:
    """The test database (not the configured one), for processes outside pytest."""
    db = settings.DATABASES["default"]
    auth = db.get("USER") or ""
    if db.get("PASSWORD"):
        auth += f":{db['PASSWORD']}"
    host = f"{db.get('HOST') or '127.0.0.1'}:{db.get('PORT') or 5432}"
    return f"postgres://{auth}@{host}/{connection.settings_dict['NAME']}"


def shared_cache_url() -> str:
    location = str(settings.CACHES["default"].get("LOCATION") or "")
    return location if location.startswith("redis://") else ""


PREFORK = ("--pool", "prefork", "--concurrency", "2")


class WorkerProcess:
    """`celery worker` in its own process, on the given broker and the test database."""

    def __init__(
        self,
        name: str,
        queues: str,
        broker_url: str,
        logdir: Path,
        pool: tuple[str, ...] = PREFORK,
    ) -> None:
        self.name = name
        self.log_path = logdir / f"worker-{name}.log"
        env = {
            **os.environ,
            "DATABASE_URL": database_url(),
            "CELERY_BROKER_URL": broker_url,
            "META_GRAPH_API_URL": settings.META_GRAPH_API_URL,
            "DB_CONN_MAX_AGE": "0",
            "PYTHONUNBUFFERED": "1",
        }
        if shared_cache_url():
            # Locks and request budgets stay on the suite's Redis: only the broker restarts.
            env["CACHE_URL"] = shared_cache_url()
        self.process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "celery",
                "-A",
                "config",
                "worker",
                "-Q",
                queues,
                *pool,
                "--without-mingle",
                "--without-gossip",
                "-l",
                "info",
                "-n",
                f"faults-{name}-{os.getpid()}@%h",
            ],
            cwd=ROOT,
            env=env,
            stdout=self.log_path.open("wb"),
            stderr=subprocess.STDOUT,
        )

    @property
    def alive(self) -> bool:
        return self.process.poll() is None

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")

    def wait_ready(self, timeout: float = 90) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            assert self.alive, f"worker {self.name} exited:\n{self.log()[-3000:]}"
            if " ready." in self.log():
                return
            time.sleep(0.3)
        raise AssertionError(f"worker {self.name} not ready:\n{self.log()[-3000:]}")

    def stop(self) -> None:
        if self.alive:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=10)


@pytest.fixture
def private_redis(tmp_path: Path) -> Iterator[PrivateRedis]:
    if shutil.which("redis-server") is None:
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail("redis-server is needed by the fault suite (.ci/run installs it)")
        pytest.skip("redis-server is not installed")
    if connection.vendor != "postgresql":
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail("the fault suite runs on PostgreSQL in CI")
        pytest.skip("worker processes need PostgreSQL (set DATABASE_URL)")
    redis = PrivateRedis(tmp_path)
    redis.start()
    try:
        yield redis
    finally:
        redis.stop()


def _pool_of(queues: str) -> tuple[str, ...]:
    return PULL_WORKER_OPTIONS if queues == "pull" else PREFORK


@pytest.fixture
def start_workers(private_redis: PrivateRedis, tmp_path: Path) -> Iterator[Any]:
    """Start worker processes on the private Redis: `start_workers(pull="pull", ...)`.

    Each runs the pool its queues run in docker-compose: threads for `pull`, prefork else."""
    started: list[WorkerProcess] = []

    def _start(**queues_by_name: str) -> dict[str, WorkerProcess]:
        workers = {
            name: WorkerProcess(name, queues, private_redis.url, tmp_path, _pool_of(queues))
            for name, queues in queues_by_name.items()
        }
        started.extend(workers.values())
        for worker in workers.values():
            worker.wait_ready()
        return workers

    try:
        yield _start
    finally:
        for worker in started:
            worker.stop()


@pytest.fixture
def on_private_broker(private_redis: PrivateRedis, monkeypatch: pytest.MonkeyPatch) -> Any:
    """This process publishes to the private Redis too."""
    from config.celery import app

    monkeypatch.delenv("CELERY_BROKER_URL", raising=False)
    monkeypatch.delenv("CELERY_BROKER_WRITE_URL", raising=False)
    previous = app.conf.broker_url
    app.conf.broker_url = private_redis.url
    app._pool = None
    app.amqp._producer_pool = None
    yield app
    app.conf.broker_url = previous
    app._pool = None
    app.amqp._producer_pool = None


@pytest.fixture(autouse=True)
def catalog_images_live_elsewhere(images_managed_in_commerce_manager: None) -> None:
    """These tests are about infrastructure faults, not the image rule (see tests/conftest.py)."""
