"""The `make run` setup: a separate worker *process* on the filesystem broker and SQLite.

This is the proof that a task sent from Django is executed by another process,
with the same settings the demo uses (no PostgreSQL, no Redis).
"""

import os
import subprocess
import sys
from pathlib import Path

import pytest
from cryptography.fernet import Fernet

ROOT = Path(__file__).resolve().parents[2]
pytestmark = pytest.mark.e2e


def demo_like_env(tmp_path: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DATABASE_", "CELERY_"))}
    env.update(
        {
            "DEBUG": "1",
            "SECRET_KEY": "demo-process-test",
            "FIELD_ENCRYPTION_KEY": Fernet.generate_key().decode(),
            "DATABASE_URL": f"sqlite:///{tmp_path / 'demo.sqlite3'}",
            "CELERY_BROKER_URL": "filesystem://localhost//",
            "CELERY_FILESYSTEM_BROKER_DIR": str(tmp_path / "broker"),
            "ENV_FILE": str(tmp_path / "absent.env"),
        }
    )
    return env


def test_task_sent_from_django_runs_in_separate_worker_process(tmp_path: Path) -> None:
    env = demo_like_env(tmp_path)
    manage = [sys.executable, "manage.py"]
    subprocess.run([*manage, "migrate", "--noinput", "-v", "0"], cwd=ROOT, env=env, check=True)
    worker_log = (tmp_path / "worker.log").open("w")
    worker = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "config",
            "worker",
            "-l",
            "info",
            "-Q",
            "default",
            "--pool",
            "solo",
            "-n",
            f"test-{os.getpid()}@%h",
        ],
        cwd=ROOT,
        env=env,
        stdout=worker_log,
        stderr=subprocess.STDOUT,
    )
    try:
        sender = subprocess.run(
            [
                *manage,
                "shell",
                "-c",
                "import os; from config.tasks import ping; r = ping.delay(); "
                "print(r.get(timeout=60, interval=0.2), os.getpid())",
            ],
            cwd=ROOT,
            env=env,
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert sender.returncode == 0, sender.stderr
        answer, sender_pid = sender.stdout.split()[-2:]
        assert answer == "pong"
        assert int(sender_pid) != worker.pid
    finally:
        worker.terminate()
        worker.wait(timeout=30)
        worker_log.close()
    log = (tmp_path / "worker.log").read_text()
    assert "Task config.ping[" in log
    assert "succeeded" in log
