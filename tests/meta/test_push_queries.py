"""A flush costs a fixed number of queries and calls per batch, whatever the batch's size."""

from collections.abc import Callable

import pytest
import responses
from django.db import connection
from django.test.utils import CaptureQueriesContext

from meta_integration.models import MetaAppConfig
from meta_integration.push import flush_tenant
from products_and_services.models import Product
from tenants.models import Tenant
from tests.meta.test_push import graph_ok

pytestmark = pytest.mark.django_db


def flush_counting(tenant: Tenant) -> tuple[int, int, int]:
    """(queries, HTTP calls, products pushed) of one flush."""
    responses.reset()
    graph_ok()
    with CaptureQueriesContext(connection) as queries:
        report = flush_tenant(tenant.pk)
    return len(queries), len(responses.calls), report.succeeded


@responses.activate
@pytest.mark.parametrize("size", [3, 40])
def test_a_batch_costs_the_same_queries_at_any_size(
    size: int, tenant: Tenant, meta_config: MetaAppConfig, make_product: Callable[..., Product]
) -> None:
    for n in range(size):
        variants = [{"sku": f"V-{n}-{v}", "name": f"V {v}"} for v in range(2)] if n % 2 else ()
        make_product(tenant, variants=variants)
    # The config and its refresh; the claim in one transaction (two savepoint statements in a
    # test): products with their columns, their variants, images and clashes, one UPDATE for
    # the lease and the ids written ahead, tombstones; the results (read, one UPDATE, the
    # day's counter) in one transaction; then the next round's refresh and its empty claim.
    # The same for 3 products as for 40.
    assert flush_counting(tenant) == (QUERIES_PER_FLUSH, 2, size)
    assert not Product.objects.filter(meta_sync_next_attempt__isnull=False).exists()


QUERIES_PER_FLUSH = 2 + 8 + 5 + 1 + 4
