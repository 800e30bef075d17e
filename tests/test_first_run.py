"""The first contact: demo state, `manage.py` beside the demo, docs offline, login, JSON 404s."""

import json
import os
import re
import stat
from pathlib import Path

import pytest
from django.contrib.auth import get_user_model
from django.test import Client

from config.demo_env import demo_env, load_state, use_demo_settings_if_unconfigured


def test_an_old_state_file_with_a_dash_password_is_kept(tmp_path: Path) -> None:
    state_file = tmp_path / "demo-state.json"
    old = {"secret_key": "s" * 50, "field_encryption_key": "k", "admin_password": "-WGGDnA7u6j"}
    state_file.write_text(json.dumps(old))
    assert load_state(state_file) == old


def test_a_broken_or_partial_state_file_is_completed(tmp_path: Path) -> None:
    state_file = tmp_path / "demo-state.json"
    state_file.write_text('{"admin_password": "-kept", "secret_key": ""')
    first = load_state(state_file)
    assert sorted(first) == ["admin_password", "field_encryption_key", "secret_key"]
    assert all(first.values())
    assert json.loads(state_file.read_text()) == first
    assert stat.S_IMODE(state_file.stat().st_mode) == 0o600
    state_file.write_text(json.dumps({"admin_password": "-kept"}))
    second = load_state(state_file)
    assert second["admin_password"] == "-kept"
    assert load_state(state_file) == second


def test_manage_py_uses_the_demo_settings_only_when_unconfigured(tmp_path: Path) -> None:
    var = tmp_path / "var"
    var.mkdir()
    absent_env = {"ENV_FILE": str(tmp_path / "absent.env")}
    assert use_demo_settings_if_unconfigured(dict(absent_env), var=var, root=tmp_path) is False
    state = load_state(var / "demo-state.json")
    environ = dict(absent_env)
    assert use_demo_settings_if_unconfigured(environ, var=var, root=tmp_path) is True
    assert environ == {**absent_env, **demo_env(state, var)}
    assert environ["DATABASE_URL"] == f"sqlite:///{var / 'demo.sqlite3'}"
    configured = {**absent_env, "SECRET_KEY": "mine"}
    assert use_demo_settings_if_unconfigured(configured, var=var, root=tmp_path) is False
    (tmp_path / ".env").write_text("DEBUG=1\n")
    assert use_demo_settings_if_unconfigured({}, var=var, root=tmp_path) is False


def test_sqlite_options_are_what_the_settings_choose_for_a_sqlite_url(tmp_path: Path) -> None:
    """The same settings module, loaded for a SQLite URL, in a fresh interpreter."""
    import subprocess
    import sys

    env = {k: v for k, v in os.environ.items() if not k.startswith(("DATABASE_", "CELERY_"))}
    env.update(
        {
            "DATABASE_URL": f"sqlite:///{tmp_path / 'x.sqlite3'}",
            "CELERY_BROKER_URL": "filesystem://",
            "CELERY_FILESYSTEM_BROKER_DIR": str(tmp_path / "broker"),
            "ENV_FILE": str(tmp_path / "absent.env"),
        }
    )
    code = (
        "import django, json; django.setup(); from django.conf import settings; "
        "from django.db import connection; c = connection.cursor(); "
        "print(json.dumps([settings.DATABASES['default']['OPTIONS'], settings.CELERY_BROKER_URL,"
        " c.execute('PRAGMA journal_mode').fetchone()[0],"
        " c.execute('PRAGMA busy_timeout').fetchone()[0]]))"
    )
    out = subprocess.run(
        [sys.executable, "-c", code],
        cwd=Path(__file__).resolve().parents[1],
        env={**env, "DJANGO_SETTINGS_MODULE": "config.settings"},
        capture_output=True,
        text=True,
        check=True,
    )
    options, broker, journal, busy = json.loads(out.stdout)
    assert options["transaction_mode"] == "IMMEDIATE"
    assert (broker, journal, busy) == ("filesystem://localhost//", "wal", 30000)
    assert "No hostname" not in out.stderr


@pytest.mark.django_db
def test_docs_are_served_from_the_package_not_a_cdn() -> None:
    client = Client()
    for url in ("/api/docs/", "/api/redoc/"):
        page = client.get(url).content.decode()
        assert "/static/drf_spectacular_sidecar/" in page
        assert "cdn" not in page.lower() and "unpkg" not in page.lower()
        # The bundles themselves may still ask for more (ReDoc shows Redocly's logo from
        # their CDN); the page's policy keeps the browser to this server.
        assert SELF_ONLY_POLICY in page, url
        assert "fonts.googleapis" not in page
    script = client.get("/api/docs/?script=").content.decode()
    assert '"validatorUrl": null' in script


SELF_ONLY_POLICY = """<meta http-equiv="Content-Security-Policy" content="default-src 'self'; """
EXTERNAL_LOAD = re.compile(
    r"""(?:\b(?:src|href)\s*=\s*["']?|@import\s+(?:url\()?["']?|url\(\s*["']?)https?://""",
    re.IGNORECASE,
)


def test_no_template_or_static_file_of_ours_loads_from_another_host() -> None:
    """Links people click may point anywhere; nothing the browser fetches by itself may."""
    root = Path(__file__).resolve().parents[1]
    files = [
        path
        for folder in ("templates", "dashboard/templates", "dashboard/static", "tenants/static")
        for path in (root / folder).rglob("*")
        if path.suffix in {".html", ".txt", ".css", ".js"}
    ]
    assert len(files) > 10
    loading = {
        str(path.relative_to(root))
        for path in files
        for line in path.read_text(encoding="utf-8").splitlines()
        if EXTERNAL_LOAD.search(line) and "<a " not in line
    }
    assert loading == set()


@pytest.mark.django_db
def test_login_at_admin_login_lands_on_the_admin() -> None:
    get_user_model().objects.create_superuser("boss", "b@example.com", "pw-12345678")
    client = Client()
    response = client.post("/admin/login/", {"username": "boss", "password": "pw-12345678"})
    assert (response.status_code, response["Location"]) == (302, "/admin/")


@pytest.mark.django_db
@pytest.mark.parametrize(
    "method,url",
    [
        ("get", "/v1/catalog/nothing-here/"),
        ("post", "/v1/catalog/sync/nosuchprovider"),
        ("get", "/api/nothing/"),
        ("get", "/api/integrations/woocommerce/stores/999999/unknown/"),
    ],
)
def test_unknown_api_paths_answer_json_404(method: str, url: str) -> None:
    response = getattr(Client(), method)(url)
    assert response.status_code == 404
    assert response["Content-Type"] == "application/json"
    assert response.json() == {"detail": "Not found."}


@pytest.mark.django_db
def test_admin_404_stays_html() -> None:
    response = Client().get("/not-an-api/")
    assert response.status_code == 404
    assert response["Content-Type"].startswith("text/html")
