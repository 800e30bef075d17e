"""Django's PostgreSQL backend, with a health check that pings only when there is a reason.

With CONN_HEALTH_CHECKS, Django sends `SELECT 1` before the first query of every request that
reuses a connection: one more round trip for each webhook event. A server that restarts or
ends a session (fast shutdown, pg_terminate_backend, a crash of another backend) first writes
its "terminating connection" error and closes the socket, so the socket turns readable; an
idle connection in autocommit otherwise has nothing to read. So the ping runs only when the
socket has something to read, or when the connection sat unused for QUIET_SECONDS (a peer
that vanished without a word, which only a ping finds); otherwise the connection counts as
checked. A failed ping reconnects exactly as Django's check does.
"""

import select
import time
from typing import Any

from django.db.backends.postgresql import base

QUIET_SECONDS = 10.0


class DatabaseWrapper(base.DatabaseWrapper):
    checked_at = 0.0  # time.monotonic() of the last request's check

    def close_if_health_check_failed(self) -> None:
        if self.connection is not None and self.health_check_enabled and not self.health_check_done:
            now = time.monotonic()
            recent = now - self.checked_at < QUIET_SECONDS
            self.checked_at = now
            if recent and not has_input(self.connection):
                self.health_check_done = True
                return
        super().close_if_health_check_failed()


def has_input(connection: Any) -> bool:
    """Whether the server sent something (or the socket closed or failed) since the last reply."""
    try:
        fd = connection.fileno()
    except Exception:  # psycopg raises once the connection is closed
        return True
    poller = select.poll()
    poller.register(fd, select.POLLIN | select.POLLPRI)
    return bool(poller.poll(0))
