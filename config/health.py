"""The /healthz endpoint: the database, the broker, and a worker on every queue we route to.

`?scope=web` checks only what the web process itself needs (database and broker): compose
waits on it before it starts the workers, so it must not depend on them.
"""

import logging

from django.conf import settings
from django.core.cache import cache
from django.db import connection
from django.http import HttpRequest, JsonResponse
from django.views.decorators.http import require_GET

from config.celery import app as celery_app

logger = logging.getLogger(__name__)

BROKER_TIMEOUT_SECONDS = 2.0
QUEUE_CACHE_KEY = "healthz:queue-consumers"


def database_ok() -> bool:
    """Run a trivial query on the default database."""
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            return cursor.fetchone() == (1,)
    except Exception:
        return False


def broker_ok() -> bool:
    """Open (and close) one broker connection, failing fast instead of retrying."""
    try:
        with celery_app.connection_for_write() as conn:
            conn.ensure_connection(max_retries=1, timeout=BROKER_TIMEOUT_SECONDS)
        return True
    except Exception:
        return False


def routed_queues() -> list[str]:
    """Every queue a task can land in: the default queue and each route's."""
    names = {settings.CELERY_TASK_DEFAULT_QUEUE}
    names.update(route["queue"] for route in settings.CELERY_TASK_ROUTES.values())
    return sorted(names)


def queue_consumers() -> dict[str, int] | None:
    """How many workers consume each routed queue; None when the workers cannot be asked.

    Celery's `active_queues` broadcast waits the whole timeout for replies, so the answer is
    cached for HEALTH_QUEUE_CACHE_SECONDS (shared by the web processes when the cache is
    Redis): a monitor polling every few seconds costs one broadcast per period.
    """
    ttl = settings.HEALTH_QUEUE_CACHE_SECONDS
    cached = cache.get(QUEUE_CACHE_KEY) if ttl > 0 else None
    if cached is not None:
        return cached
    try:
        inspector = celery_app.control.inspect(timeout=settings.HEALTH_QUEUE_TIMEOUT_SECONDS)
        replies = inspector.active_queues() or {}
    except Exception as exc:
        logger.warning("Could not ask the workers for their queues: %s", type(exc).__name__)
        return None
    counts = dict.fromkeys(routed_queues(), 0)
    for queues in replies.values():
        for name in {queue.get("name") for queue in queues or []}:
            if name in counts:
                counts[name] += 1
    if ttl > 0:
        cache.set(QUEUE_CACHE_KEY, counts, ttl)
    return counts


def idle_queues() -> list[str] | None:
    """Routed queues no worker consumes (the dashboard's warning); None when unknown."""
    consumers = queue_consumers() if broker_ok() else None
    if consumers is None:
        return None
    return sorted(name for name, count in consumers.items() if count == 0)


@require_GET
def healthz(request: HttpRequest) -> JsonResponse:
    """200 ok; 503 `unavailable` (database or broker down) or `degraded` (a routed queue has
    no worker consuming it, so its tasks would wait forever)."""
    checks = {"database": database_ok(), "broker": broker_ok()}
    body: dict[str, object] = {
        "status": "ok" if all(checks.values()) else "unavailable",
        **{name: "ok" if ok else "down" for name, ok in checks.items()},
    }
    if request.GET.get("scope") != "web":
        # null when the workers could not be asked (the broker is down, or it failed).
        consumers = queue_consumers() if checks["broker"] else None
        idle = None if consumers is None else sorted(q for q, n in consumers.items() if n == 0)
        body["queues"] = consumers
        body["queues_without_consumer"] = idle
        if body["status"] == "ok" and idle != []:
            body["status"] = "degraded"
    return JsonResponse(body, status=200 if body["status"] == "ok" else 503)
