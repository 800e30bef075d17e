"""insert_rows and insert_missing keep the table's planner statistics fresh during a large first
import: once more rows changed since the last ANALYZE than ANALYZE_AFTER and than the table then
held, the writer runs ANALYZE itself (autovacuum may be off or behind)."""

from collections.abc import Iterator
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from common import bulk
from common.bulk import insert_missing, insert_rows
from products_and_services.models import CatalogIdentity, Product
from tenants.models import Tenant

pytestmark = [
    pytest.mark.django_db(transaction=True),  # the statistics count committed rows only
    pytest.mark.skipif(
        connection.vendor != "postgresql", reason="PostgreSQL's statistics (SQLite has none)"
    ),
]


TABLES = ("products_and_services_product", "products_and_services_catalogidentity")


@pytest.fixture(autouse=True)
def no_autovacuum() -> Iterator[None]:
    """Autovacuum's own ANALYZE would reset the count between two inserts."""
    with connection.cursor() as cursor:
        for table in TABLES:
            cursor.execute(f"ALTER TABLE {table} SET (autovacuum_enabled = off)")
    yield
    with connection.cursor() as cursor:
        for table in TABLES:
            cursor.execute(f"ALTER TABLE {table} RESET (autovacuum_enabled)")


def flush_statistics() -> None:
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_stat_force_next_flush()")  # counters visible to the next one


def insert(tenant: Tenant, start: int, count: int) -> list[str]:
    """Insert `count` products in their own transaction; the statements it ran."""
    products = [
        Product(tenant=tenant, name=f"P{n}", sku=f"S-{n}", price=Decimal("1.00"))
        for n in range(start, start + count)
    ]
    with CaptureQueriesContext(connection) as queries:
        assert insert_rows(Product, products) == count
    flush_statistics()
    return [q["sql"] for q in queries]


def analyzed(statements: list[str]) -> bool:
    return any(sql.startswith("ANALYZE (SKIP_LOCKED)") for sql in statements)


def test_an_import_analyzes_the_table_once_it_grew_past_the_threshold(
    tenant: Tenant, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(bulk, "ANALYZE_AFTER", 30)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE products_and_services_product")  # start from known statistics
        cursor.execute("SELECT pg_stat_force_next_flush()")

    assert not analyzed(insert(tenant, 0, 20))  # 20 changed: not past 30
    assert not analyzed(insert(tenant, 20, 20))  # the insert sees the 20 before it
    assert analyzed(insert(tenant, 40, 1))  # it sees 40 > 30: ANALYZE, and the count restarts
    assert not analyzed(insert(tenant, 41, 1))
    assert Product.objects.filter(tenant=tenant).count() == 42


def test_a_table_larger_than_the_change_is_not_analyzed_again(
    tenant: Tenant, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Past the threshold it takes the table doubling: ANALYZE runs a few times over an import,
    not on every page."""
    monkeypatch.setattr(bulk, "ANALYZE_AFTER", 5)
    insert(tenant, 0, 50)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE products_and_services_product")  # the table now holds 50
        cursor.execute("SELECT pg_stat_force_next_flush()")

    assert not analyzed(insert(tenant, 50, 40))
    assert not analyzed(insert(tenant, 90, 1))  # 40 changed, fewer than the 50 analyzed
    assert not analyzed(insert(tenant, 91, 20))  # 41 changed before this one: still fewer
    assert analyzed(insert(tenant, 111, 1))  # 61 > 50


def claim(product: Product, start: int, count: int) -> list[str]:
    """Insert `count` identities of one product in their own transaction; the statements."""
    rows = [
        CatalogIdentity(tenant_id=product.tenant_id, retailer_id=f"R-{n}", product=product)
        for n in range(start, start + count)
    ]
    with CaptureQueriesContext(connection) as queries:
        inserted = insert_missing(CatalogIdentity, rows, ("retailer_id",))
    assert inserted == [(f"R-{n}",) for n in range(start, start + count)]
    flush_statistics()
    return [q["sql"] for q in queries]


def test_insert_missing_analyzes_the_identities_as_an_import_grows_them(
    tenant: Tenant, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The page lookup of who holds a retailer id read every identity of the tenant while the
    table had never been analyzed (13 ms a page at 50,000 items, 2 ms once analyzed)."""
    monkeypatch.setattr(bulk, "ANALYZE_AFTER", 30)
    product = Product(tenant=tenant, name="Holder", price=Decimal("1.00"))
    insert_rows(Product, [product])
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE products_and_services_catalogidentity")
    flush_statistics()

    assert not analyzed(claim(product, 0, 20))
    assert not analyzed(claim(product, 20, 20))
    assert analyzed(claim(product, 40, 1))  # 40 > 30
    assert not analyzed(claim(product, 41, 1))
    assert CatalogIdentity.objects.filter(product=product).count() == 42
