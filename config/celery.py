"""The Celery application; configuration comes from Django settings (CELERY_*)."""

import os

from celery import Celery, Task, signals
from django.db import close_old_connections

from common.heap import freeze_startup_heap

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

app = Celery("catalog_sync")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
app.autodiscover_tasks(["config", "integrations.webhooks"])

# How a `pull` worker process runs its tasks (docker-compose's worker-pull, the fairness
# benchmark and the threaded-worker test use these). A pull mostly waits on the provider and
# the database, so a process runs 8 at once in threads: with one task per process, 20 small
# tenants queued on 2 processes took turns, and the last finished 26x later than alone
# (5.9-8.7x with 8 threads; 8-10x with 4; 12 measured no better than 8; docs/development.md).
# The threads pool has no task time limits; pulls need none (every HTTP call has a timeout,
# and a run stops after SYNC_CHUNK_SECONDS at a page it can resume from).
PULL_WORKER_THREADS = 8
PULL_WORKER_OPTIONS = ("--pool", "threads", "--concurrency", str(PULL_WORKER_THREADS))


@signals.task_prerun.connect
@signals.task_postrun.connect
def _close_old_connections(task: Task | None = None, **_: object) -> None:
    """Django's rule for requests, applied to tasks: a connection past DB_CONN_MAX_AGE, or one
    that failed, is closed, and the next query's health check looks at the one kept. An eager
    task runs inside its caller, whose connection and transaction are not the task's to end."""
    if task is not None and getattr(task.request, "is_eager", False):
        return
    close_old_connections()


@signals.worker_init.connect
def _freeze_parent_heap(**_: object) -> None:
    """Before the pool forks: its children inherit the frozen startup heap."""
    freeze_startup_heap(collect=True)


@signals.worker_process_init.connect
@signals.worker_ready.connect
def _freeze_worker_heap(**_: object) -> None:
    """A pool's child after its own start-up, and the main process once ready (the solo pool
    runs tasks there)."""
    freeze_startup_heap()
