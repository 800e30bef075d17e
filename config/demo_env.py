"""The settings `make run` gives its processes, and `manage.py` beside a running demo.

The demo keeps its generated secrets in `var/demo-state.json`. `manage.py` run from the
checkout with no configuration of its own (no SECRET_KEY, no DATABASE_URL, no `.env`) uses
the same settings, so the README's management commands act on the demo's database.
"""

from __future__ import annotations

import json
import os
import secrets
from collections.abc import MutableMapping
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
# DEMO_VAR_DIR moves the demo's files (database, broker, logs, state), e.g. for a test.
VAR = Path(os.environ.get("DEMO_VAR_DIR", str(ROOT / "var")))
STATE_FILE = VAR / "demo-state.json"
HOST = os.environ.get("HOST", "127.0.0.1")
PORT = int(os.environ.get("PORT", "8000"))
META_SIM_PORT = int(os.environ.get("META_SIM_PORT", "8100"))
EMBEDDINGS_SIM_PORT = int(os.environ.get("EMBEDDINGS_SIM_PORT", "8105"))
STATE_KEYS = ("secret_key", "field_encryption_key", "admin_password")


def _new_value(key: str) -> str:
    if key == "field_encryption_key":
        from cryptography.fernet import Fernet

        return Fernet.generate_key().decode()
    if key == "secret_key":
        return secrets.token_urlsafe(50)
    return secrets.token_urlsafe(12)


def load_state(state_file: Path = STATE_FILE) -> dict[str, str]:
    """Generated once: Django secret, Fernet key and the admin password.

    A state file from an older run is kept as it is (its password may start with `-`, which
    the demo passes safely); only a missing or unreadable value is generated again.
    """
    state_file.parent.mkdir(parents=True, exist_ok=True)
    try:
        loaded = json.loads(state_file.read_text())
    except (OSError, ValueError):
        loaded = {}
    state = (
        {k: v for k, v in loaded.items() if isinstance(v, str) and v}
        if isinstance(loaded, dict)
        else {}
    )
    missing = [key for key in STATE_KEYS if key not in state]
    for key in missing:
        state[key] = _new_value(key)
    if missing:
        state_file.write_text(json.dumps(state, indent=2))
        state_file.chmod(0o600)
    return state


def demo_env(state: dict[str, str], var: Path = VAR) -> dict[str, str]:
    """The variables every demo process gets on top of the caller's environment."""
    return {
        "DEBUG": "1",
        "SECRET_KEY": state["secret_key"],
        "FIELD_ENCRYPTION_KEY": state["field_encryption_key"],
        "DATABASE_URL": f"sqlite:///{var / 'demo.sqlite3'}",
        "CELERY_BROKER_URL": "filesystem://localhost//",
        "CELERY_FILESYSTEM_BROKER_DIR": str(var / "demo-broker"),
        "PUBLIC_MEDIA_BASE_URL": f"http://{HOST}:{PORT}/media/",
        "META_GRAPH_API_URL": f"http://127.0.0.1:{META_SIM_PORT}",
        "META_DRAIN_INTERVAL_SECONDS": "15",
        # The knowledge index embeds through the simulator (its key is `sim-key`).
        "EMBEDDINGS_API_URL": f"http://127.0.0.1:{EMBEDDINGS_SIM_PORT}",
        "EMBEDDINGS_API_KEY": "sim-key",
        "ENV_FILE": str(var / "no-env-file"),
        "PYTHONUNBUFFERED": "1",
    }


def use_demo_settings_if_unconfigured(
    environ: MutableMapping[str, str], *, var: Path = VAR, root: Path = ROOT
) -> bool:
    """Point `manage.py` at the demo when nothing else configures it; True if it did."""
    env_file = Path(environ.get("ENV_FILE", str(root / ".env")))
    state_file = var / STATE_FILE.name
    if (
        "SECRET_KEY" in environ
        or "DATABASE_URL" in environ
        or env_file.is_file()
        or not state_file.is_file()
    ):
        return False
    environ.update(demo_env(load_state(state_file), var))
    return True
