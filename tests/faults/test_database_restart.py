"""PostgreSQL ends the sessions (a restart does that to every connection): the next request
reconnects and is answered as usual. A connection the server left alone is not pinged before
each request (config/postgresql/base.py), which spares the webhook a round trip per event.

A test server cannot be restarted here (others share it), so the session is ended with
pg_terminate_backend, which is what a fast shutdown does to each backend: the same
"terminating connection" error, then a closed socket.
"""

import os
import time
from collections.abc import Iterator

import psycopg
import pytest
from django.db import close_old_connections, connection
from rest_framework.test import APIClient

from config.postgresql import base as backend
from integrations.webhooks.models import WooCommerceEventLog
from tests.faults.conftest import database_url
from tests.webhooks.conftest import PLUGIN_WEBHOOK, plugin_event

pytestmark = [pytest.mark.services, pytest.mark.django_db(transaction=True)]


@pytest.fixture(autouse=True)
def on_postgresql() -> None:
    if connection.vendor != "postgresql":
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail("the fault suite runs on PostgreSQL in CI")
        pytest.skip("needs PostgreSQL (set DATABASE_URL)")


@pytest.fixture(autouse=True)
def persistent_connections(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Connections kept between requests, as production's DB_CONN_MAX_AGE does (the suite
    runs with 0: a new connection per request, which never needs a health check)."""
    connection.close()
    monkeypatch.setitem(connection.settings_dict, "CONN_MAX_AGE", 60)
    yield
    connection.close()


@pytest.fixture
def pings(monkeypatch: pytest.MonkeyPatch) -> list[bool]:
    """The health check's pings (Django's `is_usable`), with what each answered."""
    answers: list[bool] = []
    ping = connection.is_usable

    def counted() -> bool:
        answers.append(ping())
        return answers[-1]

    monkeypatch.setattr(connection, "is_usable", counted)
    return answers


def post(client: APIClient, event_id: str) -> int:
    """One request as a server runs it: the test client leaves out the request_started and
    request_finished handlers that check the connection, so they are called here."""
    close_old_connections()
    response = client.post(PLUGIN_WEBHOOK, plugin_event(event_id), format="json")
    close_old_connections()
    return response.status_code


def end_session(pid: int) -> None:
    with psycopg.connect(database_url(), autocommit=True) as admin:
        admin.execute("SELECT pg_terminate_backend(%s)", [pid])
        deadline = time.monotonic() + 10
        while admin.execute("SELECT 1 FROM pg_stat_activity WHERE pid = %s", [pid]).fetchone():
            assert time.monotonic() < deadline, "the backend did not end"
            time.sleep(0.05)


def test_the_request_after_the_server_ended_the_session_reconnects_and_is_accepted(
    plugin_client: APIClient, pings: list[bool]
) -> None:
    assert post(plugin_client, "before") == 202
    pid = connection.connection.info.backend_pid
    pings.clear()
    end_session(pid)

    assert post(plugin_client, "after") == 202
    assert pings == [False]  # the socket had the server's goodbye: pinged, found dead
    assert connection.connection.info.backend_pid != pid
    assert sorted(WooCommerceEventLog.objects.values_list("event_id", flat=True)) == [
        "after",
        "before",
    ]


def test_a_connection_in_steady_use_is_not_pinged_before_each_request(
    plugin_client: APIClient, pings: list[bool]
) -> None:
    assert post(plugin_client, "first") == 202
    pings.clear()
    for n in range(3):
        assert post(plugin_client, f"next-{n}") == 202
    assert pings == []
    assert WooCommerceEventLog.objects.count() == 4


def test_a_connection_that_sat_unused_is_pinged_first(
    plugin_client: APIClient, pings: list[bool], monkeypatch: pytest.MonkeyPatch
) -> None:
    assert post(plugin_client, "first") == 202
    pings.clear()
    monkeypatch.setattr(backend, "QUIET_SECONDS", 0.0)  # every gap counts as long
    assert post(plugin_client, "after-a-pause") == 202
    assert pings == [True]
