"""The Celery application; configuration comes from Django settings (CELERY_*)."""

import os

from celery import Celery, signals

from common.heap import freeze_startup_heap

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

app = Celery("catalog_sync")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
app.autodiscover_tasks(["config", "integrations.webhooks"])


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
