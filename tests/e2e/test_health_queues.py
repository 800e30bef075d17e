"""Issue 16 item 4: /healthz sees the queues, with real worker threads on the configured broker.

A worker started as `celery -A config worker` consumes only `default`; pushes, pulls and
webhooks would then wait forever, and the health check must say so.
"""

from collections.abc import Iterator
from typing import Any

import pytest
from celery.app.control import Inspect
from django.test import Client

pytestmark = [pytest.mark.e2e, pytest.mark.services]
ROUTED = ["default", "knowledge", "meta_push", "pull", "webhooks"]


@pytest.fixture(autouse=True)
def patient_inspect(settings: Any) -> None:
    """Worker threads on a busy machine: give their replies time to arrive."""
    settings.HEALTH_QUEUE_TIMEOUT_SECONDS = 2.0


@pytest.fixture
def default_only_worker(transactional_db: None, settings: Any) -> Iterator[Any]:
    """What `celery -A config worker` (no -Q) starts: a consumer of `default` alone."""
    from celery.contrib.testing.worker import start_worker

    from config.celery import app

    app.control.purge()
    with start_worker(
        app, pool="solo", perform_ping_check=False, queues=["default"], shutdown_timeout=15
    ) as worker:
        yield worker


def test_a_queue_without_a_consumer_makes_health_degraded(
    client: Client, default_only_worker: Any
) -> None:
    response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json() == {
        "status": "degraded",
        "database": "ok",
        "broker": "ok",
        "queues": {"default": 1, "knowledge": 0, "meta_push": 0, "pull": 0, "webhooks": 0},
        "queues_without_consumer": ["knowledge", "meta_push", "pull", "webhooks"],
    }
    # The web-only scope (what compose waits on before it starts the workers) stays 200.
    web = client.get("/healthz?scope=web")
    assert (web.status_code, web.json()) == (
        200,
        {"status": "ok", "database": "ok", "broker": "ok"},
    )


def test_every_queue_consumed_is_ok(client: Client, celery_worker: Any) -> None:
    response = client.get("/healthz")
    assert (response.status_code, response.json()) == (
        200,
        {
            "status": "ok",
            "database": "ok",
            "broker": "ok",
            "queues": dict.fromkeys(ROUTED, 1),
            "queues_without_consumer": [],
        },
    )


def test_the_answer_is_cached_briefly(
    client: Client, celery_worker: Any, settings: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    from django.core.cache import cache

    from config.health import QUEUE_CACHE_KEY

    cache.delete(QUEUE_CACHE_KEY)
    settings.HEALTH_QUEUE_CACHE_SECONDS = 60
    asked: list[int] = []
    real = Inspect.active_queues

    def counted(self: Inspect, *args: Any, **kwargs: Any) -> Any:
        asked.append(1)
        return real(self, *args, **kwargs)

    monkeypatch.setattr(Inspect, "active_queues", counted)
    try:
        first, second = client.get("/healthz"), client.get("/healthz")
    finally:
        cache.delete(QUEUE_CACHE_KEY)
    assert (first.status_code, second.status_code, len(asked)) == (200, 200, 1)
    assert first.json() == second.json()


def test_the_dashboard_warns_of_queues_without_a_consumer(
    admin_client: Client, tenant: Any, default_only_worker: Any
) -> None:
    page = admin_client.get("/admin/").content.decode()
    assert "No worker consumes knowledge, meta_push, pull, webhooks." in page
    assert "celery -A config worker -Q knowledge,meta_push,pull,webhooks" in page


def test_the_dashboard_says_nothing_when_every_queue_is_consumed(
    admin_client: Client, tenant: Any, celery_worker: Any
) -> None:
    page = admin_client.get("/admin/").content.decode()
    assert 'id="cs-dashboard"' in page
    assert "cs-idle-queues" not in page
