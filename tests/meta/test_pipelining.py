"""A flush sends the next call before polling the one before it, and two calls in flight
never share a retailer id (Meta may apply them in either order)."""

import json
from collections.abc import Callable
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
import responses

from meta_integration.models import MetaAppConfig
from meta_integration.push import flush_tenant
from products_and_services.models import Product
from products_and_services.services import delete_products
from tenants.models import Tenant
from tests.meta.test_push import GRAPH, graph_ok

pytestmark = pytest.mark.django_db


class FakeMeta:
    """items_batch and status polls through `responses`, logging the order of calls and
    every moment two calls in flight (sent, not yet polled to the end) shared an id."""

    def __init__(self) -> None:
        self.events: list[tuple[str, ...]] = []
        self.in_flight: dict[str, set[str]] = {}
        self.shared: list[set[str]] = []
        self.applied: list[tuple[str, str]] = []
        responses.add_callback(responses.POST, f"{GRAPH}/items_batch", callback=self.batch)
        responses.add_callback(
            responses.GET, f"{GRAPH}/check_batch_request_status", callback=self.status
        )

    def batch(self, request: Any) -> tuple[int, dict[str, str], str]:
        requests_ = json.loads(request.body)["requests"]
        ids = {r["data"]["id"] for r in requests_}
        self.shared += [held & ids for held in self.in_flight.values() if held & ids]
        handle = f"h{sum(1 for e in self.events if e[0] == 'batch') + 1}"
        self.in_flight[handle] = ids
        self.events.append(("batch", handle, *sorted(ids)))
        self.applied += [(r["method"], r["data"]["id"]) for r in requests_]
        return 200, {}, json.dumps({"handles": [handle], "validation_status": []})

    def status(self, request: Any) -> tuple[int, dict[str, str], str]:
        handle = parse_qs(urlsplit(request.url).query)["handle"][0]
        self.in_flight.pop(handle)
        self.events.append(("status", handle))
        finished = {"status": "finished", "errors": [], "ids_of_invalid_requests": []}
        return 200, {}, json.dumps({"data": [finished]})


@responses.activate
def test_the_next_call_goes_out_before_the_last_one_is_polled(
    settings: Any,
    tenant: Tenant,
    meta_config: MetaAppConfig,
    make_product: Callable[..., Product],
) -> None:
    settings.META_BATCH_SIZE = 2
    for n in range(5):
        make_product(tenant, sku=f"P{n}")
    meta = FakeMeta()
    report = flush_tenant(tenant.pk)
    assert meta.events == [
        ("batch", "h1", "P0", "P1"),
        ("batch", "h2", "P2", "P3"),  # claimed and planned while Meta worked on h1
        ("status", "h1"),
        ("batch", "h3", "P4"),
        ("status", "h2"),
        ("status", "h3"),  # the flush ends only once its last call is done
    ]
    assert (report.succeeded, report.batch_calls, report.status_calls) == (5, 3, 3)
    assert meta.shared == []
    assert not Product.objects.filter(meta_sync_next_attempt__isnull=False).exists()


@responses.activate
def test_a_retailer_id_is_never_in_two_calls_in_flight(
    settings: Any,
    tenant: Tenant,
    meta_config: MetaAppConfig,
    make_product: Callable[..., Product],
) -> None:
    """A deleted product's SKU taken by a new one: its DELETE goes in one round and the new
    product's UPDATE in the next; the second call waits until the first is done."""
    old = make_product(tenant, sku="X")
    graph_ok()
    flush_tenant(tenant.pk)
    responses.reset()
    make_product(tenant, sku="A")
    delete_products(tenant_id=tenant.pk, product_ids=[old.pk])
    make_product(tenant, sku="X")
    settings.META_BATCH_SIZE = 1  # round 1: A and X's tombstone, round 2: the new X
    meta = FakeMeta()
    report = flush_tenant(tenant.pk)
    assert meta.events == [
        ("batch", "h1", "X"),  # the DELETE of the old X
        ("batch", "h2", "A"),
        ("status", "h1"),
        ("status", "h2"),  # waited for before the new X goes out
        ("batch", "h3", "X"),
        ("status", "h3"),
    ]
    assert meta.applied == [("DELETE", "X"), ("UPDATE", "A"), ("UPDATE", "X")]
    assert meta.shared == []
    assert (report.succeeded, report.deletions_done) == (2, 1)


@responses.activate
def test_an_id_repeated_in_the_next_call_of_a_round_waits_for_the_first(
    settings: Any, tenant: Tenant, meta_config: MetaAppConfig, make_product: Callable[..., Product]
) -> None:
    """The mapping never puts an id twice in a round; if it did, the calls would still not race."""
    from meta_integration.push import (
        FlushReport,
        Round,
        Sender,
        active_config,
        claim_due,
        client_for,
    )

    settings.META_BATCH_SIZE = 1
    config = active_config(tenant.pk)
    assert config is not None
    requests_ = [{"method": "UPDATE", "data": {"id": rid}} for rid in ("X", "X", "Y")]
    meta = FakeMeta()
    sender = Sender(config, client_for(config), FlushReport(tenant_id=str(tenant.pk)))
    sender.send(Round(claim_due(tenant.pk, 1), [], [], requests_))
    sender.finish()
    assert meta.events == [
        ("batch", "h1", "X"),
        ("status", "h1"),
        ("batch", "h2", "X"),
        ("batch", "h3", "Y"),
        ("status", "h2"),
        ("status", "h3"),
    ]
    assert meta.shared == []
