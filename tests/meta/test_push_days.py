"""The dashboard's "products pushed per day" counts every accepted push on the day it happened."""

from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest
import responses
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext

from dashboard.services import chart_data
from meta_integration.models import MetaAppConfig, MetaPushDay
from meta_integration.push import flush_tenant
from products_and_services.models import Product
from products_and_services.services import update_product
from tenants.models import Tenant
from tests.meta.test_push import graph_ok

pytestmark = pytest.mark.django_db
DAY_ONE = datetime(2026, 11, 19, 23, 50, tzinfo=UTC)
DAY_TWO = DAY_ONE + timedelta(minutes=20)  # ten past midnight


@responses.activate
def test_pushes_are_counted_on_each_day_they_happen(
    tenant: Tenant, meta_config: MetaAppConfig, make_product: Callable[..., Product]
) -> None:
    with time_machine.travel(DAY_ONE, tick=False) as clock:
        first = make_product(tenant, sku="A")
        make_product(tenant, sku="B")
        graph_ok()
        with CaptureQueriesContext(connection) as queries:
            assert flush_tenant(tenant.pk).succeeded == 2
        counter_writes = [q for q in queries if "metapushday" in q["sql"].lower()]
        assert len(counter_writes) == 1  # one upsert for the batch, not one per product

        clock.move_to(DAY_TWO)
        first.refresh_from_db()
        update_product(product=first, fields={"price": Decimal("12.00")})
        assert flush_tenant(tenant.pk).succeeded == 1  # A again, now on day two
        make_product(tenant, sku="C")
        make_product(tenant, sku="BAD")
        responses.reset()
        graph_ok(errors=[{"line": 0, "id": "BAD", "message": "Invalid price format"}])
        report = flush_tenant(tenant.pk)
        assert (report.succeeded, report.failed) == (1, 1)  # a rejected item is not counted

    assert list(MetaPushDay.objects.order_by("day").values_list("day", "products")) == [
        (date(2026, 11, 19), 2),
        (date(2026, 11, 20), 2),
    ]
    chart = chart_data(tenant=tenant, now=DAY_TWO)
    assert chart["days"][-2:] == ["Nov 19", "Nov 20"]
    # A product's latest push alone would say [1, 2]: A's first push would be lost.
    assert chart["pushed"][-2:] == [2, 2] and sum(chart["pushed"]) == 4


def test_other_tenants_and_older_days_stay_out_of_the_chart(tenant: Tenant) -> None:
    other = Tenant.objects.create(name="Zeta Goods", slug="zeta")
    MetaPushDay.objects.create(tenant=tenant, day=date(2026, 10, 21), products=7)  # 31 days back
    MetaPushDay.objects.create(tenant=tenant, day=date(2026, 10, 22), products=5)
    MetaPushDay.objects.create(tenant=other, day=date(2026, 11, 20), products=9)
    chart = chart_data(tenant=tenant, now=DAY_TWO)
    assert (chart["days"][0], chart["pushed"][0], sum(chart["pushed"])) == ("Oct 22", 5, 5)
