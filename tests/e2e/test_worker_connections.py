"""A worker keeps its database connection between tasks, as gunicorn does between requests.

Celery's Django fix-up closes every connection before and after each task unless
CELERY_DB_REUSE_MAX is set, so each task paid for a new PostgreSQL session (a process started
and its caches filled). Now connections follow Django's request rule (`close_old_connections`
around each task, config/celery.py): kept up to DB_CONN_MAX_AGE, closed when broken, and a
session the server ended is noticed by the next task's health check, which reconnects.
"""

import os
import threading
from collections.abc import Iterator
from typing import Any

import pytest
from celery import signals
from django.db import connection
from django.db.backends.signals import connection_created

from integrations.tasks import sweep_sync_runs

pytestmark = [pytest.mark.e2e, pytest.mark.services]


class WorkerSessions:
    """The worker thread's new connections and finished tasks, as its signals report them."""

    def __init__(self) -> None:
        self.opened: list[int] = []  # backend pids of the connections the worker opened
        self.finished = threading.Semaphore(0)
        self.failures: list[BaseException] = []

    def on_connect(self, connection: Any, **_: Any) -> None:
        if threading.current_thread() is not threading.main_thread():
            self.opened.append(connection.connection.info.backend_pid)

    def on_postrun(self, **_: Any) -> None:
        self.finished.release()

    def on_failure(self, exception: BaseException, **_: Any) -> None:
        self.failures.append(exception)

    def run_task(self) -> None:
        sweep_sync_runs.delay()
        assert self.finished.acquire(timeout=30), "the worker did not finish the task"


@pytest.fixture
def sessions(celery_worker: Any) -> Iterator[WorkerSessions]:
    if connection.vendor != "postgresql":
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail("the worker connection tests run on PostgreSQL in CI")
        pytest.skip("needs PostgreSQL (set DATABASE_URL)")
    watch = WorkerSessions()
    connection_created.connect(watch.on_connect)
    signals.task_postrun.connect(watch.on_postrun)
    signals.task_failure.connect(watch.on_failure)
    try:
        yield watch
    finally:
        connection_created.disconnect(watch.on_connect)
        signals.task_postrun.disconnect(watch.on_postrun)
        signals.task_failure.disconnect(watch.on_failure)


@pytest.fixture
def kept_connections(monkeypatch: pytest.MonkeyPatch) -> None:
    """Production's DB_CONN_MAX_AGE (the suite runs with 0); the settings dict is shared by
    every thread's connection."""
    monkeypatch.setitem(connection.settings_dict, "CONN_MAX_AGE", 60)


def test_tasks_share_one_session_while_it_is_young(
    kept_connections: None, sessions: WorkerSessions
) -> None:
    for _ in range(3):
        sessions.run_task()
    assert len(sessions.opened) == 1
    assert sessions.failures == []


def test_a_session_the_server_ended_is_replaced_by_the_next_task(
    kept_connections: None, sessions: WorkerSessions
) -> None:
    sessions.run_task()
    [ended] = sessions.opened
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_terminate_backend(%s)", [ended])
        assert cursor.fetchone() == (True,)
    sessions.run_task()
    sessions.run_task()
    assert len(sessions.opened) == 2
    assert sessions.opened[1] != ended
    assert sessions.failures == []


def test_without_a_max_age_each_task_has_its_own_session(sessions: WorkerSessions) -> None:
    assert connection.settings_dict["CONN_MAX_AGE"] == 0
    for _ in range(3):
        sessions.run_task()
    assert len(sessions.opened) == 3
    assert sessions.failures == []
