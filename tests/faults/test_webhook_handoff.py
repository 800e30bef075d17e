"""The plugin webhook's hand-off to the workers (integrations/webhooks/handoff.py): one round
trip per request, one drain task per burst, and nothing accepted is lost when the hand-off is,
because the sweep queues every unprocessed row again.

Before: every accepted event cost a full Celery publish inside its request.
"""

import time
from typing import Any

import pytest
import redis
from django.test import override_settings
from rest_framework.test import APIClient

from integrations.models import WebhookLog
from integrations.webhooks import handoff
from integrations.webhooks.models import WooCommerceEventLog
from integrations.webhooks.tasks import requeue_pending
from tests.e2e.conftest import wait_until
from tests.faults.conftest import PrivateRedis
from tests.webhooks.conftest import PLUGIN_WEBHOOK, plugin_event, woo_product
from tests.webhooks.test_native_webhooks import post_woo

pytestmark = [pytest.mark.services, pytest.mark.django_db(transaction=True)]

# Far above a loaded CI machine's answer, far below a publish that waits on a dead broker.
WRITE_BOUND_SECONDS = 3.0


@pytest.fixture
def broker(private_redis: PrivateRedis, on_private_broker: Any) -> redis.Redis:
    """This process's broker: the private Redis, read directly."""
    return redis.Redis.from_url(private_redis.url)


def accepted_ids() -> list[int]:
    return list(WooCommerceEventLog.objects.order_by("pk").values_list("pk", flat=True))


def all_applied() -> bool:
    events = WooCommerceEventLog.objects.all()
    return bool(events) and all(e.processed_successfully for e in events)


def test_a_burst_is_handed_off_as_ids_with_one_drain_task_and_a_worker_applies_it(
    broker: redis.Redis,
    start_workers: Any,
    plugin_client: APIClient,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(handoff, "KICK_MS", 60_000)  # the whole burst within one interval
    for n in range(12):
        assert (
            plugin_client.post(PLUGIN_WEBHOOK, plugin_event(f"e{n}"), format="json").status_code
            == 202
        )
    batch = {"events": [plugin_event(f"b{n}", id=500 + n, sku=f"B-{n}") for n in range(3)]}
    assert plugin_client.post(PLUGIN_WEBHOOK, batch, format="json").json()["accepted"] == 3

    assert [int(pk) for pk in broker.lrange(handoff.PLUGIN_EVENTS.key, 0, -1)] == accepted_ids()
    assert broker.llen("webhooks") == 1  # one drain task for 15 events, not 15 tasks

    start_workers(hooks="webhooks")
    wait_until(lambda: WooCommerceEventLog.objects.count() == 15 and all_applied(), timeout=90)
    wait_until(lambda: broker.llen(handoff.PLUGIN_EVENTS.key) == 0)
    assert not broker.exists(
        handoff.PLUGIN_EVENTS.kicked_key
    )  # the next event starts a drain at once


def test_an_event_whose_hand_off_was_lost_is_applied_after_the_sweep(
    broker: redis.Redis, start_workers: Any, plugin_client: APIClient
) -> None:
    assert (
        plugin_client.post(PLUGIN_WEBHOOK, plugin_event("lost"), format="json").status_code == 202
    )
    broker.delete(handoff.PLUGIN_EVENTS.key, "webhooks")  # the id and its drain task are gone
    start_workers(hooks="webhooks")
    assert WooCommerceEventLog.objects.get().processed_at is None

    with override_settings(WEBHOOK_REQUEUE_AFTER_SECONDS=0):
        assert requeue_pending() == 1  # what beat sends every 5 minutes
    event = wait_until(
        lambda: WooCommerceEventLog.objects.filter(processed_successfully=True).first(),
        timeout=90,
    )
    assert (event.event_id, event.outcome, event.attempts) == ("lost", "created", 1)


def test_with_the_broker_down_events_are_accepted_at_once_and_applied_after_it_returns(
    private_redis: PrivateRedis, broker: redis.Redis, start_workers: Any, plugin_client: APIClient
) -> None:
    private_redis.stop()
    seconds = []
    for n in range(10):
        started = time.monotonic()
        response = plugin_client.post(PLUGIN_WEBHOOK, plugin_event(f"down-{n}"), format="json")
        seconds.append(time.monotonic() - started)
        assert response.status_code == 202, response.json()
    assert max(seconds) < WRITE_BOUND_SECONDS
    assert WooCommerceEventLog.objects.filter(processed_at__isnull=True).count() == 10

    private_redis.start()
    start_workers(hooks="webhooks")
    with override_settings(WEBHOOK_REQUEUE_AFTER_SECONDS=0):
        assert requeue_pending() == 10
    wait_until(lambda: WooCommerceEventLog.objects.count() == 10 and all_applied(), timeout=120)


def test_an_id_pushed_while_the_drain_finishes_is_not_left_behind(
    broker: redis.Redis, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A request that finds the flag still set publishes no drain; the drain that set it
    clears it and looks again before it stops."""
    monkeypatch.setattr(handoff, "KICK_MS", 60_000)
    assert handoff.push(handoff.PLUGIN_EVENTS, [1, 2]) is True
    processed: list[int] = []
    kicks: list[str] = []

    def process(pk: int) -> None:
        processed.append(pk)
        if pk == 2:  # a request during the drain's last chunk: the flag is still set
            assert handoff.push(handoff.PLUGIN_EVENTS, [3]) is False

    assert handoff.drain(handoff.PLUGIN_EVENTS, process, kick=lambda: kicks.append("kick")) == 3
    assert (processed, kicks) == ([1, 2, 3], [])
    assert broker.llen(handoff.PLUGIN_EVENTS.key) == 0
    assert (
        handoff.push(handoff.PLUGIN_EVENTS, [4]) is True
    )  # the flag is clear: the next event starts a drain


def test_a_long_drain_hands_over_to_a_new_task_and_calls_for_help(
    broker: redis.Redis, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(handoff, "CHUNK", 2)
    monkeypatch.setattr(handoff, "EVENTS_PER_DRAIN", 3)
    handoff.push(handoff.PLUGIN_EVENTS, [1, 2, 3, 4, 5])
    processed: list[int] = []
    kicks: list[int] = []

    assert (
        handoff.drain(
            handoff.PLUGIN_EVENTS, processed.append, kick=lambda: kicks.append(len(processed))
        )
        == 4
    )
    # Help was asked for once (more than a chunk waited), then the next drain was started
    # for the id left.
    assert (processed, kicks) == ([1, 2, 3, 4], [0, 4])
    assert [int(pk) for pk in broker.lrange(handoff.PLUGIN_EVENTS.key, 0, -1)] == [5]


def test_native_store_deliveries_share_the_hand_off_and_a_worker_applies_them(
    broker: redis.Redis,
    start_workers: Any,
    woo_hook_store: Any,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A WooCommerce (or Shopify) webhook hands its row id to the deliveries lane: a burst costs
    one drain task, not a publish per delivery."""
    monkeypatch.setattr(handoff, "KICK_MS", 60_000)
    for n in range(5):
        response = post_woo(woo_hook_store, woo_product(id=700 + n, sku=f"N-{n}"), delivery=f"d{n}")
        assert response.status_code == 202, response.content
    queued = list(WebhookLog.objects.order_by("pk").values_list("pk", flat=True))
    assert len(queued) == 5
    assert [int(pk) for pk in broker.lrange(handoff.STORE_DELIVERIES.key, 0, -1)] == queued
    assert broker.llen(handoff.PLUGIN_EVENTS.key) == 0
    assert broker.llen("webhooks") == 1  # one drain task for 5 deliveries

    start_workers(hooks="webhooks")
    wait_until(
        lambda: WebhookLog.objects.filter(status=WebhookLog.Status.SUCCESS).count() == 5,
        timeout=90,
    )
    wait_until(lambda: broker.llen(handoff.STORE_DELIVERIES.key) == 0)
    assert sorted(WebhookLog.objects.values_list("outcome", flat=True)) == ["created"] * 5
