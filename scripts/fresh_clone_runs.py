"""Run `make run` from N fresh clones in a row, each until "Catalog Sync is running.".

    python scripts/fresh_clone_runs.py --clones 20 [--source PATH] [--venv PATH]

Each clone is a new `git clone` of the source checkout (its committed HEAD) in a temporary
folder, with a new generated password and database; the virtualenv is shared through
`--venv` (the install cached), so the run measures the first start, not pip. Every clone
gets free ports. Prints one line per clone and a summary; exits 1 if any clone failed.
"""

from __future__ import annotations

import argparse
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
READY = "Catalog Sync is running."
PORT_VARIABLES = (
    "PORT",
    "META_SIM_PORT",
    "ZOHO_SIM_PORT",
    "WOO_SIM_PORT",
    "SHOPIFY_SIM_PORT",
    "EMBEDDINGS_SIM_PORT",
)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def clean_env() -> dict[str, str]:
    """A person's shell: none of a test run's or a deployment's settings."""
    drop = ("DATABASE_", "CELERY_", "DJANGO_", "EMBEDDINGS_", "META_", "DEMO_")
    env = {k: v for k, v in os.environ.items() if not k.startswith(drop)}
    for name in ("SECRET_KEY", "DEBUG", "FIELD_ENCRYPTION_KEY", "ENV_FILE"):
        env.pop(name, None)
    return env


def run_one(source: Path, venv: Path, folder: Path, timeout: float) -> tuple[bool, float, str]:
    clone = folder / "catalog-sync"
    subprocess.run(["git", "clone", "--quiet", str(source), str(clone)], check=True)
    (clone / ".venv").symlink_to(venv)
    env = clean_env()
    env.update({name: str(free_port()) for name in PORT_VARIABLES})
    log = folder / "make-run.out"
    started = time.monotonic()
    with log.open("w") as out:
        process = subprocess.Popen(
            ["make", "run"],
            cwd=clone,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        try:
            while time.monotonic() - started < timeout:
                text = log.read_text(errors="replace")
                if READY in text:
                    return True, time.monotonic() - started, ""
                if process.poll() is not None:
                    return False, time.monotonic() - started, text[-2000:]
                time.sleep(0.5)
            return False, time.monotonic() - started, "timed out\n" + log.read_text()[-2000:]
        finally:
            os.killpg(process.pid, signal.SIGTERM)
            try:
                process.wait(timeout=60)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--clones", type=int, default=20)
    parser.add_argument("--source", type=Path, default=ROOT)
    parser.add_argument("--venv", type=Path, default=ROOT / ".venv")
    parser.add_argument("--timeout", type=float, default=600.0)
    args = parser.parse_args(argv)
    venv = args.venv.resolve()
    results: list[tuple[bool, float]] = []
    for number in range(1, args.clones + 1):
        folder = Path(tempfile.mkdtemp(prefix=f"catalog-sync-clone-{number}-"))
        try:
            ok, seconds, tail = run_one(args.source, venv, folder, args.timeout)
        finally:
            shutil.rmtree(folder, ignore_errors=True)
        results.append((ok, seconds))
        print(
            f"clone {number:2d}: {'running' if ok else 'FAILED'} after {seconds:.1f} s", flush=True
        )
        if not ok:
            print(tail, flush=True)
    passed = sum(ok for ok, _ in results)
    times = sorted(seconds for ok, seconds in results if ok)
    median = times[len(times) // 2] if times else 0.0
    print(f"{passed}/{len(results)} clones reached '{READY}' (median {median:.1f} s)")
    return 0 if passed == len(results) else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
