"""Hand accepted webhook rows to the workers through Redis lists on the broker.

Two lanes: plugin events, and native store deliveries (WooCommerce and Shopify webhooks).

A Celery publish per event (message envelope, routing lookup, two round trips) cost the
webhook about a quarter of its time. Instead the request appends the event's id to a list
and, in the same round trip, sets a short-lived "kicked" flag; only the request that sets it
publishes a drain task, so at most one publish per KICK_MS whatever the rate. The drain pops
ids in chunks until the list is empty, then clears the flag and looks once more, so an id
pushed while the flag was still set is never left behind.

The row is committed before its id is pushed. A push that fails (broker down), or an id
popped by a worker that then dies, leaves an unprocessed row, which the sweep
(`requeue_pending`) queues again: the list is the fast path, never the record.
"""

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import redis
from celery import current_app
from redis.backoff import NoBackoff
from redis.retry import Retry


@dataclass(frozen=True)
class Lane:
    """One list of row ids waiting for a worker, and its "a drain was just started" flag."""

    key: str

    @property
    def kicked_key(self) -> str:
        return self.key + ":kicked"


PLUGIN_EVENTS = Lane("catalog-sync:webhooks:plugin-events")
STORE_DELIVERIES = Lane("catalog-sync:webhooks:store-deliveries")
LANES = (PLUGIN_EVENTS, STORE_DELIVERIES)
KICK_MS = 1000
CHUNK = 50
# A drain hands over to a fresh task after this many events, so none runs into the task time
# limit under a steady stream, and other tasks on the queue get their turn.
EVENTS_PER_DRAIN = 1000

_clients: dict[str, redis.Redis] = {}


def broker_redis() -> redis.Redis | None:
    """A client for the Celery broker when it is one Redis and tasks are not run eagerly;
    None otherwise (the demo's filesystem broker, eager tasks), and events are then queued one
    task each as before."""
    conf = current_app.conf
    url = conf.broker_write_url or ""
    if conf.task_always_eager or not url.startswith(("redis://", "rediss://")) or ";" in url:
        return None
    client = _clients.get(url)
    if client is None:
        options = conf.broker_transport_options or {}
        # The broker's timeouts, and one immediate retry (a connection a Redis restart broke)
        # instead of redis-py's default backoff: with the broker down a push fails at once.
        client = redis.Redis.from_url(
            url,
            socket_connect_timeout=options.get("socket_connect_timeout", 1.0),
            socket_timeout=options.get("socket_timeout", 5.0),
            retry=Retry(NoBackoff(), 1),
        )
        _clients[url] = client
    return client


def push(lane: Lane, event_pks: Sequence[int]) -> bool | None:
    """Append the ids; True when the caller must publish a drain (no drain was started in the
    last KICK_MS), None when there is no Redis broker to hold the list.

    Raises redis.RedisError when the broker cannot be reached.
    """
    client = broker_redis()
    if client is None:
        return None
    pipe = client.pipeline(transaction=False)
    pipe.rpush(lane.key, *event_pks)
    pipe.set(lane.kicked_key, 1, nx=True, px=KICK_MS)
    return bool(pipe.execute()[1])


def drain(lane: Lane, process: Callable[[int], object], *, kick: Callable[[], None]) -> int:
    """Pop and process ids until the list is empty (or EVENTS_PER_DRAIN were done, when
    `kick` starts the next drain); returns how many were processed.

    With more than a chunk waiting, `kick` is called once so a second worker helps.
    """
    client = broker_redis()
    if client is None:
        return 0
    done, helped = 0, False
    while done < EVENTS_PER_DRAIN:
        popped = client.lpop(lane.key, CHUNK)
        if not popped:
            # The next push starts a drain again; one that came before this delete is in the
            # list, so look once more before stopping.
            client.delete(lane.kicked_key)
            if client.llen(lane.key):
                continue
            return done
        if not helped and client.llen(lane.key):
            kick()
            helped = True
        for pk in popped:
            process(int(pk))
            done += 1
    if client.llen(lane.key):
        kick()
    return done
