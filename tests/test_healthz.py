"""/healthz: 200 when the database and the broker answer, 503 naming what is down."""

import pytest
from django.test import Client

from config.celery import app as celery_app

pytestmark = pytest.mark.django_db

CLOSED_BROKER = "redis://127.0.0.1:1/0"


def test_healthz_ok(client: Client) -> None:
    # The configured broker: memory:// locally, Redis in CI.
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    assert response.json() == {"status": "ok", "database": "ok", "broker": "ok"}


def test_healthz_broker_down(client: Client, monkeypatch: pytest.MonkeyPatch) -> None:
    # Celery lets CELERY_BROKER_URL / CELERY_BROKER_WRITE_URL in the environment win over
    # app.conf.broker_url (pytest-env sets the former), so clear them for this test only.
    monkeypatch.delenv("CELERY_BROKER_URL", raising=False)
    monkeypatch.delenv("CELERY_BROKER_WRITE_URL", raising=False)
    previous = celery_app.conf.broker_url
    celery_app.conf.broker_url = CLOSED_BROKER
    try:
        assert celery_app.conf.broker_write_url == CLOSED_BROKER
        response = client.get("/healthz")
    finally:
        celery_app.conf.broker_url = previous
    assert response.status_code == 503
    assert response.json() == {"status": "unavailable", "database": "ok", "broker": "down"}


def test_healthz_recovers_after_broker_returns(client: Client) -> None:
    assert client.get("/healthz").status_code == 200


def test_healthz_is_get_only(client: Client) -> None:
    assert client.post("/healthz").status_code == 405
