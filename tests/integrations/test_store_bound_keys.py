"""Issue 10 item 3: an item's key is (tenant, source, connection, external id).

Two WooCommerce stores against two simulators over real HTTP: deleting or adding a store
never renames another store's products, and plugin events land in the token's store.
"""

from collections.abc import Callable, Iterator
from typing import Any

import pytest
import requests
from rest_framework.test import APIClient

from integrations.engine.runs import execute_run, start_run
from integrations.models import SyncRun
from integrations.webhooks.models import WooCommerceEventLog
from integrations.webhooks.plugin_events import process_event
from integrations.webhooks.tokens import IssuedToken, issue_token
from integrations.woocommerce.models import WooCommerceStore
from integrations.woocommerce.source import WooSource
from products_and_services.models import Product
from tenants.models import Tenant
from tests.webhooks.conftest import PLUGIN_WEBHOOK, plugin_event


@pytest.fixture
def woo_sims() -> Iterator[tuple[str, str]]:
    from simulators.base import SimulatorServer
    from simulators.woocommerce import WooCommerceSimulator

    with (
        SimulatorServer(WooCommerceSimulator(products=3, variable_every=0)) as first,
        SimulatorServer(WooCommerceSimulator(products=3, variable_every=0)) as second,
    ):
        for pid in (1, 2, 3):  # the second shop's SKUs differ; its product ids do not
            requests.post(
                f"{second.url}/_sim/products/{pid}", json={"sku": f"B-{pid}"}, timeout=5
            ).raise_for_status()
        yield first.url, second.url


def make_store(tenant: Tenant, url: str, name: str) -> WooCommerceStore:
    return WooCommerceStore.objects.create(
        tenant=tenant,
        name=name,
        store_url=url,
        consumer_key="ck_sim",
        consumer_secret="cs_sim",
        currency="EUR",
    )


def full_run(store: WooCommerceStore) -> SyncRun:
    run, _ = start_run(
        tenant=store.tenant, provider="woocommerce", connection_id=store.pk, trigger="api"
    )
    return execute_run(run, WooSource(store))


def keys(store: WooCommerceStore) -> dict[int, tuple[str, str, str, bool]]:
    rows = Product.objects.filter(external_connection=store.connection_key)
    return {
        p.pk: (p.external_source, p.external_connection, p.external_id, p.is_active) for p in rows
    }


@pytest.mark.django_db
def test_deleting_the_first_store_renames_nothing_and_deactivates_nothing(
    tenant: Tenant, woo_sims: tuple[str, str]
) -> None:
    first = make_store(tenant, woo_sims[0], "First")
    second = make_store(tenant, woo_sims[1], "Second")
    assert (full_run(first).created, full_run(second).created) == (3, 3)
    before = keys(second)
    assert sorted(v[2] for v in before.values()) == ["woo_1", "woo_2", "woo_3"]
    assert {v[1] for v in before.values()} == {f"woocommerce:{second.pk}"}

    first.delete()
    again = full_run(second)

    assert (again.status, again.created, again.updated, again.unchanged) == ("succeeded", 0, 0, 3)
    assert (again.deactivated, again.failed, again.errors) == (0, 0, [])
    assert keys(second) == before


@pytest.mark.django_db
def test_adding_a_store_changes_no_key(tenant: Tenant, woo_sims: tuple[str, str]) -> None:
    first = make_store(tenant, woo_sims[0], "First")
    full_run(first)
    before = keys(first)
    second = make_store(tenant, woo_sims[1], "Second")
    assert full_run(second).created == 3
    again = full_run(first)
    assert (again.unchanged, again.deactivated) == (3, 0)
    assert keys(first) == before
    # Same upstream ids in both stores, two different items each.
    assert sorted(Product.objects.values_list("external_id", flat=True)) == [
        "woo_1",
        "woo_1",
        "woo_2",
        "woo_2",
        "woo_3",
        "woo_3",
    ]


def send(token: IssuedToken, body: dict[str, Any]) -> WooCommerceEventLog:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {token.plain_token}")
    response = client.post(PLUGIN_WEBHOOK, body, format="json")
    assert response.status_code == 202, response.content
    return process_event(WooCommerceEventLog.objects.get(event_id=body["event_id"]).pk)


@pytest.mark.django_db
def test_plugin_events_land_in_the_tokens_store(tenant: Tenant, woo_sims: tuple[str, str]) -> None:
    first = make_store(tenant, woo_sims[0], "First")
    second = make_store(tenant, woo_sims[1], "Second")
    full_run(first)
    full_run(second)
    token = issue_token(tenant=tenant, integration_type="woocommerce", name="B", store=second)

    event = send(token, plugin_event("e1", id=2, sku="B-2", name="Renamed in B", price="5.00"))

    assert (event.outcome, event.error) == ("updated", "")
    held = Product.objects.get(pk=event.product_id)
    assert (held.external_connection, held.external_id, held.name) == (
        second.connection_key,
        "woo_2",
        "Renamed in B",
    )
    untouched = Product.objects.get(external_connection=first.connection_key, external_id="woo_2")
    assert untouched.name == "Woo product 2"

    deleted = send(token, plugin_event("e2", "product.deleted", id=3))
    assert deleted.outcome == "deactivated"
    assert Product.objects.get(pk=deleted.product_id).external_connection == second.connection_key
    assert Product.objects.filter(is_active=False).count() == 1


@pytest.mark.django_db
def test_a_rebound_tokens_events_land_in_the_new_store(
    tenant: Tenant, woo_sims: tuple[str, str], make_product: Callable[..., Product]
) -> None:
    from integrations.webhooks.tokens import bind_token

    first = make_store(tenant, woo_sims[0], "First")
    second = make_store(tenant, woo_sims[1], "Second")
    token = issue_token(tenant=tenant, integration_type="woocommerce", name="plugin")
    assert token.token.store_id == first.pk  # no store named: the tenant's first
    bind_token(token=token.token, store=second, actor="test")
    event = send(token, plugin_event("e1", id=9, sku="NEW-9"))
    assert event.outcome == "created"
    assert Product.objects.get(pk=event.product_id).external_connection == second.connection_key
