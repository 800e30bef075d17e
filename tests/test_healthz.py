"""/healthz: 200 when the database, the broker and a worker per queue answer; 503 otherwise.

With a real worker: tests/e2e/test_health_queues.py. Here no worker runs.
"""

import pytest
from django.conf import settings
from django.test import Client

from config.celery import app as celery_app
from config.health import routed_queues

pytestmark = pytest.mark.django_db

CLOSED_BROKER = "redis://127.0.0.1:1/0"
ROUTED = ["default", "knowledge", "meta_push", "pull", "webhooks"]


def test_routed_queues_are_the_queues_workers_are_started_with() -> None:
    assert routed_queues() == ROUTED == sorted(settings.TASK_QUEUE_NAMES)


def test_web_scope_checks_the_database_and_the_broker(client: Client) -> None:
    # The configured broker: memory:// locally, Redis in CI.
    response = client.get("/healthz?scope=web")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    assert response.json() == {"status": "ok", "database": "ok", "broker": "ok"}


def test_no_worker_at_all_is_degraded(client: Client) -> None:
    response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json() == {
        "status": "degraded",
        "database": "ok",
        "broker": "ok",
        "queues": dict.fromkeys(ROUTED, 0),
        "queues_without_consumer": ROUTED,
    }


@pytest.mark.parametrize("path", ["/healthz", "/healthz?scope=web"])
def test_healthz_broker_down(client: Client, monkeypatch: pytest.MonkeyPatch, path: str) -> None:
    # Celery lets CELERY_BROKER_URL / CELERY_BROKER_WRITE_URL in the environment win over
    # app.conf.broker_url (pytest-env sets the former), so clear them for this test only.
    monkeypatch.delenv("CELERY_BROKER_URL", raising=False)
    monkeypatch.delenv("CELERY_BROKER_WRITE_URL", raising=False)
    previous = celery_app.conf.broker_url
    celery_app.conf.broker_url = CLOSED_BROKER
    try:
        assert celery_app.conf.broker_write_url == CLOSED_BROKER
        response = client.get(path)
    finally:
        celery_app.conf.broker_url = previous
    assert response.status_code == 503
    expected: dict[str, object] = {"status": "unavailable", "database": "ok", "broker": "down"}
    if path == "/healthz":
        expected |= {"queues": None, "queues_without_consumer": None}
    assert response.json() == expected


def test_healthz_recovers_after_broker_returns(client: Client) -> None:
    assert client.get("/healthz?scope=web").status_code == 200


def test_healthz_is_get_only(client: Client) -> None:
    assert client.post("/healthz").status_code == 405
