"""The shared page upsert: creates, unchanged skips, adoption, conflicts, variants, Meta marks."""

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from integrations.engine.records import ProductRecord, VariantRecord
from integrations.engine.upsert import upsert_page
from products_and_services.models import Product, ProductImage, ProductVariant
from tenants.models import Tenant

pytestmark = pytest.mark.django_db
T0 = datetime(2026, 1, 1, tzinfo=UTC)


def rec(n: int, **fields: object) -> ProductRecord:
    values: dict[str, object] = {
        "external_id": str(n),
        "name": f"Item {n}",
        "sku": f"Z-{n}",
        "price": Decimal("10.00"),
        "stock_quantity": 5,
        "external_updated_at": T0,
    }
    values.update(fields)
    return ProductRecord(**values)  # type: ignore[arg-type]


def upsert(tenant: Tenant, records: list[ProductRecord], key: str = "zoho:1") -> object:
    return upsert_page(
        tenant=tenant, source="zoho", connection_key=key, records=records, default_currency="EUR"
    )


def test_creates_then_skips_unchanged(tenant: Tenant) -> None:
    first = upsert(tenant, [rec(1), rec(2)])
    assert (first.created, first.updated, first.unchanged, first.failed) == (2, 0, 0, 0)
    product = Product.objects.get(external_id="1")
    assert (
        product.sku,
        product.currency,
        product.external_source,
        product.external_connection,
    ) == (
        "Z-1",
        "EUR",
        "zoho",
        "zoho:1",
    )
    assert product.meta_sync_next_attempt is not None
    Product.objects.update(meta_sync_next_attempt=None)
    before = list(Product.objects.order_by("pk").values_list("updated_at", flat=True))
    second = upsert(tenant, [rec(1), rec(2)])
    assert (second.created, second.updated, second.unchanged) == (0, 0, 2)
    assert list(Product.objects.order_by("pk").values_list("updated_at", flat=True)) == before
    assert Product.objects.filter(meta_sync_next_attempt__isnull=False).count() == 0


def test_change_updates_only_that_product_and_marks_it(tenant: Tenant) -> None:
    upsert(tenant, [rec(1), rec(2)])
    Product.objects.update(meta_sync_next_attempt=None)
    result = upsert(tenant, [rec(1, price=Decimal("12.50")), rec(2)])
    assert (result.updated, result.unchanged) == (1, 1)
    assert Product.objects.get(external_id="1").price == Decimal("12.50")
    assert list(
        Product.objects.filter(meta_sync_next_attempt__isnull=False).values_list(
            "external_id", flat=True
        )
    ) == ["1"]


def test_adopts_manual_product_with_same_sku(
    tenant: Tenant, make_product: Callable[..., Product]
) -> None:
    manual = make_product(tenant, sku="Z-1", name="Old manual name")
    result = upsert(tenant, [rec(1)])
    assert (result.created, result.updated) == (0, 1)
    manual.refresh_from_db()
    assert (manual.external_source, manual.external_id, manual.name) == ("zoho", "1", "Item 1")
    assert Product.objects.count() == 1


def test_sku_held_by_another_source_fails_that_record_only(tenant: Tenant) -> None:
    upsert_page(
        tenant=tenant, source="shopify", connection_key="shopify:1", records=[rec(9, sku="Z-1")]
    )
    result = upsert(tenant, [rec(1), rec(2)])
    assert (result.created, result.failed) == (1, 1)
    holder = Product.objects.get(external_id="9").pk
    assert result.errors == [f"1: SKU 'Z-1' is already used by product #{holder} 'Item 9'."]


def test_invalid_records_are_recorded_and_the_rest_goes_on(tenant: Tenant) -> None:
    result = upsert(
        tenant,
        [rec(1, name=" "), rec(2, price=Decimal("-1")), rec(3, currency="€"), rec(4), rec(4)],
    )
    assert (result.created, result.failed) == (1, 4)
    assert result.errors == [
        "1: missing name",
        "2: invalid price Decimal('-1')",
        "3: currency '€' is not a currency code",
        "4: appears twice in the same page",
    ]


def test_stale_record_never_overwrites_newer_data(tenant: Tenant) -> None:
    upsert(tenant, [rec(1, price=Decimal("20"), external_updated_at=T0 + timedelta(hours=1))])
    result = upsert(tenant, [rec(1, price=Decimal("5"), external_updated_at=T0)])
    assert result.unchanged == 1
    assert Product.objects.get(external_id="1").price == Decimal("20.00")


def test_a_stale_record_is_unchanged_before_its_sku_is_checked(tenant: Tenant) -> None:
    """A late record is decided on the full row, but before its claims: one whose old SKU now
    belongs to another item is unchanged, not a failed item."""
    upsert(tenant, [rec(1, external_updated_at=T0 + timedelta(hours=1)), rec(2, sku="OLD")])
    result = upsert(tenant, [rec(1, sku="OLD", price=Decimal("5"), external_updated_at=T0)])
    assert (result.created, result.updated, result.unchanged, result.failed) == (0, 0, 1, 0)
    assert Product.objects.values_list("sku", "price").get(external_id="1") == (
        "Z-1",
        Decimal("10.00"),
    )


def test_variants_and_images_follow_upstream(tenant: Tenant) -> None:
    variants = (
        VariantRecord("v1", sku="Z-1-S", options={"Size": "S"}),
        VariantRecord("v2", sku="Z-1-M"),
    )
    upsert(tenant, [rec(1, variants=variants, images=("https://img.example.com/1.jpg",))])
    product = Product.objects.get(external_id="1")
    assert list(product.variants.values_list("external_id", "sku", "position")) == [
        ("v1", "Z-1-S", 0),
        ("v2", "Z-1-M", 1),
    ]
    upsert(
        tenant,
        [rec(1, variants=(VariantRecord("v2", sku="Z-1-M", price=Decimal("11")),), images=())],
    )
    assert list(product.variants.values_list("external_id", "price")) == [("v2", Decimal("11.00"))]
    assert ProductImage.objects.filter(product=product).count() == 0
    assert ProductVariant.objects.count() == 1


@pytest.mark.skipif(
    connection.vendor != "postgresql", reason="SQLite splits bulk writes by its parameter limit"
)
def test_query_count_is_constant_whatever_the_page_size(tenant: Tenant) -> None:
    counts = []
    for size, offset in ((20, 0), (200, 1000)):
        records = [
            rec(offset + i, variants=(VariantRecord(f"v{offset + i}", sku=f"V-{offset + i}"),))
            for i in range(size)
        ]
        with CaptureQueriesContext(connection) as created:
            upsert(tenant, records)
        changed = [
            rec(r.external_id and int(r.external_id), price=Decimal("99"), variants=r.variants)
            for r in records
        ]
        with CaptureQueriesContext(connection) as updated:
            upsert(tenant, changed)
        with CaptureQueriesContext(connection) as unchanged:
            upsert(tenant, changed)
        counts.append((len(created), len(updated), len(unchanged)))
    assert counts[0] == counts[1]
    # Every count holds the page's savepoint and its release (2) and the narrow comparison (1).
    # Created: who holds the SKUs (1), one INSERT each for products, variants and identities
    # (3, keys drawn in the INSERT; the identities' own conflicts are returned by it): nothing
    # is read back, a new product has no stored identities, clashes or images to look at, and
    # it is inserted due for a Meta push (no second UPDATE to mark it).
    # Updated: the changed rows in full, with whether they have variants or URL images (1), who
    # holds the SKUs (1), the products' UPDATE (1), the stored variants and their UPDATE (2),
    # the stored identities and listed clashes (2), the Meta-pending mark (1); no image query,
    # as none are stored.
    # Unchanged: nothing to claim, no full row read.
    assert counts[0] == (7, 11, 3)


@pytest.mark.skipif(
    connection.vendor != "postgresql", reason="SQLite reads inserted identities back"
)
def test_the_engine_stores_a_page_without_a_savepoint_of_its_own(tenant: Tenant) -> None:
    """The engine's page transaction ends with any error, so the page needs no savepoint
    inside it: two round trips fewer than the (7, 11, 3) above."""
    records = [rec(i, variants=(VariantRecord(f"v{i}", sku=f"V-{i}"),)) for i in range(20)]
    changed = [rec(i, price=Decimal("99"), variants=r.variants) for i, r in enumerate(records)]
    counts = []
    for page in (records, changed, changed):
        with transaction.atomic(), CaptureQueriesContext(connection) as queries:
            upsert_page(
                tenant=tenant,
                source="zoho",
                connection_key="zoho:1",
                records=page,
                default_currency="EUR",
                savepoint=False,
            )
        counts.append(len(queries))
    assert counts == [5, 9, 1]
