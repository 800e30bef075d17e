"""A real Celery worker (a thread on the configured broker: Redis in CI) runs tasks end to end."""

from typing import Any

import pytest
from django_celery_results.models import TaskResult

from config.tasks import ping

pytestmark = [pytest.mark.e2e, pytest.mark.services]


def test_worker_executes_ping_and_stores_result(celery_worker: Any) -> None:
    result = ping.delay()
    assert result.get(timeout=30) == "pong"
    stored = TaskResult.objects.get(task_id=result.id)
    assert stored.status == "SUCCESS"
    assert stored.task_name == "config.ping"
