"""Every REST list endpoint runs the same number of queries for 2 rows as for 20.

The endpoints are found from the URL map, so a new list without a row builder here fails.
"""

from collections.abc import Callable, Iterator
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from rest_framework.test import APIClient

from integrations.models import SyncRun
from products_and_services.services import create_product
from tenants.models import Tenant
from tests.list_rows import plugin_event, plugin_token

SMALL, LARGE = 2, 20


def _product(tenant: Tenant, n: int) -> None:
    create_product(
        tenant=tenant,
        fields={"name": f"Item {n}", "sku": f"A-{n}", "price": Decimal("4.00")},
        variants=[{"sku": f"A-{n}-{size}", "options": {"Size": size}} for size in ("S", "M")],
        images=[{"url": f"https://img.example.com/a/{n}-{i}.jpg"} for i in (1, 2)],
    )


def _run(tenant: Tenant, n: int) -> None:
    SyncRun.objects.create(
        tenant=tenant, provider="zoho", connection_id=n, trigger="api", status="succeeded"
    )


BUILDERS: dict[str, Callable[[Tenant, int], object]] = {
    "product-list": _product,
    "sync-run-list": _run,
    "integration-token-list": plugin_token,
    "woo-event-list": plugin_event,
}


def _patterns(resolver: URLResolver) -> Iterator[URLPattern]:
    for entry in resolver.url_patterns:
        if isinstance(entry, URLResolver):
            yield from _patterns(entry)
        else:
            yield entry


def list_endpoints() -> list[str]:
    """Names of every URL answering a DRF `list` action."""
    return sorted(
        {
            pattern.name
            for pattern in _patterns(get_resolver())
            if pattern.name and getattr(pattern.callback, "actions", {}).get("get") == "list"
        }
    )


def test_every_list_endpoint_has_a_row_builder() -> None:
    assert sorted(BUILDERS) == list_endpoints()


def _count(client: APIClient, url: str) -> tuple[int, int]:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200, response.content
    return len(queries), len(response.json()["results"])


@pytest.mark.django_db
@pytest.mark.parametrize("name", list_endpoints())
def test_list_queries_do_not_grow_with_rows(name: str, tenant: Tenant, api: APIClient) -> None:
    build = BUILDERS[name]
    url = reverse(name)
    api.get(url)  # the key's first use of the day is recorded once; not part of the list
    for n in range(SMALL):
        build(tenant, n + 1)
    small = _count(api, url)
    for n in range(SMALL, LARGE):
        build(tenant, n + 1)
    large = _count(api, url)
    assert (small[1], large[1]) == (SMALL, LARGE)
    assert large[0] == small[0], (small, large)
