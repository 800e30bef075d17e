"""A real Celery worker (a thread on the configured broker: Redis in CI) runs tasks end to end.

Backend-agnostic: it passes with either result backend the settings offer (`django-db`, the
default, or Redis via CELERY_RESULT_BACKEND=redis://…).
"""

from typing import Any

import pytest
from celery.result import AsyncResult

from config.celery import app
from config.tasks import ping

pytestmark = [pytest.mark.e2e, pytest.mark.services]


def test_worker_executes_ping_and_stores_result(celery_worker: Any) -> None:
    result = ping.delay()
    assert result.get(timeout=30) == "pong"
    stored = AsyncResult(result.id, app=app)  # a fresh handle: read back from the backend
    assert (stored.state, stored.result) == ("SUCCESS", "pong")
