"""The worker's broker consumer, made to survive a Redis restart while a task runs.

celery 5.7.0 closes the broken broker connection right after collecting it. With the
Redis transport, collecting already detached the transport from its connection, so the
close then tries to give the running task's unacknowledged message back to a broker that
is down, through a transport that no longer knows its address: `AttributeError: 'NoneType'
object has no attribute 'hostname'`, an "unrecoverable error", and the worker exits
(reproduced 4 times out of 4 with a task running; idle workers survive).

This consumer does what celery 5.6 did, which survives the same restart (tested): collect
the broken connection and leave the reconnect to celery's own restart of the consumer
blueprint. The running task finishes and is acknowledged on the new connection; had its
worker died instead, the broker would hand the message back after the visibility timeout.
`CELERY_WORKER_CONSUMER` in settings selects it; drop it when celery fixes the close.
"""

import logging

from celery.worker.consumer import Consumer

logger = logging.getLogger(__name__)

# How long collecting the broken connection may wait on a socket (celery 5.7 uses 5 s too).
COLLECT_SOCKET_TIMEOUT_SECONDS = 5.0


class BrokerRestartSafeConsumer(Consumer):
    """celery's consumer, minus the close of the broken connection that kills the worker."""

    def on_connection_error_after_connected(self, exc: Exception) -> None:
        logger.warning("Connection to the broker lost (%r); reconnecting.", exc)
        try:
            self.connection.collect(socket_timeout=COLLECT_SOCKET_TIMEOUT_SECONDS)
        except Exception:  # the connection is broken; the restart replaces it
            logger.debug("Collecting the broken broker connection failed.", exc_info=True)
