"""Gunicorn hooks for the web process: `gunicorn -c python:config.gunicorn config.wsgi`.

The bind address, worker count and timeouts stay on the command line (docker-compose.yml,
the Dockerfile), where operators look for them.
"""

from typing import Any

from common.heap import freeze_startup_heap


def post_worker_init(worker: Any) -> None:
    """Import the URLs (and with them every view) now instead of in the first request, then
    freeze the startup heap, so collections during requests scan only what requests made."""
    from django.urls import get_resolver

    get_resolver().url_patterns  # noqa: B018 - reading it imports the URLconf
    frozen = freeze_startup_heap(collect=True)
    worker.log.info("Froze %d startup objects out of the collector's reach", frozen)
