"""Project-wide tasks that belong to no single app."""

from celery import shared_task


@shared_task(name="config.ping", ignore_result=False, acks_late=False)
def ping() -> str:
    """Answer 'pong', so health checks and tests can prove a worker executes tasks."""
    return "pong"
