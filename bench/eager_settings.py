"""Settings for the webhook benchmark's baseline only: every task runs inside the request that
queues it, so a plugin event is applied before its 202 (the naive design we compare with)."""

from config.settings import *  # noqa: F403

CELERY_TASK_ALWAYS_EAGER = True
CELERY_TASK_EAGER_PROPAGATES = False
