"""update_rows and insert_rows store values exactly as the ORM would, in one statement, without
signals."""

from collections.abc import Callable
from datetime import UTC, datetime
from decimal import Decimal

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.db import DataError, IntegrityError, connection, transaction
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from common.bulk import insert_missing, insert_rows, update_rows
from products_and_services.models import CatalogIdentity, Product
from tenants.models import Tenant

pytestmark = pytest.mark.django_db


def test_values_round_trip_in_one_query(
    tenant: Tenant, make_product: Callable[..., Product]
) -> None:
    products = [make_product(tenant) for _ in range(3)]
    Product.objects.update(meta_sync_next_attempt=None)
    when = datetime(2026, 5, 1, 12, 30, tzinfo=UTC)
    for n, product in enumerate(products):
        product.price = Decimal(f"{n}.50")
        product.meta_pushed_ids = [f"A{n}", "B"]
        product.meta_sync_last_success = when
    with CaptureQueriesContext(connection) as queries:
        assert (
            update_rows(Product, products, ["price", "meta_pushed_ids", "meta_sync_last_success"])
            == 3
        )
    assert len(queries) == 1
    rows = list(
        Product.objects.order_by("pk").values_list(
            "price", "meta_pushed_ids", "meta_sync_last_success"
        )
    )
    assert rows == [(Decimal(f"{n}.50"), [f"A{n}", "B"], when) for n in range(3)]
    assert (
        Product.objects.filter(meta_sync_next_attempt__isnull=False).count() == 0
    )  # no signals fired


def test_nothing_to_do() -> None:
    assert update_rows(Product, [], ["price"]) == 0


def test_the_later_of_two_copies_wins(tenant: Tenant, make_product: Callable[..., Product]) -> None:
    product = make_product(tenant)
    first, second = Product.objects.get(pk=product.pk), Product.objects.get(pk=product.pk)
    first.name, second.name = "First", "Second"
    assert update_rows(Product, [first, second], ["name"]) == 2
    assert Product.objects.get(pk=product.pk).name == "Second"


def test_an_over_long_text_fails_instead_of_being_cut(
    tenant: Tenant, make_product: Callable[..., Product]
) -> None:
    if connection.vendor != "postgresql":
        pytest.skip("SQLite does not enforce text lengths")
    product = make_product(tenant)
    limit = Product._meta.get_field("meta_retailer_id").max_length
    product.meta_retailer_id = "x" * (limit + 1)
    with pytest.raises(DataError):
        update_rows(Product, [product], ["meta_retailer_id"])


def test_insert_rows_gives_each_object_its_own_row(tenant: Tenant) -> None:
    """Each object learns the key of the row that holds its values, in one query on
    PostgreSQL (the keys are drawn by the INSERT), with the ORM's defaults and timestamps."""
    when = datetime(2026, 5, 1, 12, 30, tzinfo=UTC)
    products = [
        Product(
            tenant=tenant,
            name=f"Item {n}",
            sku=f"INS-{n}",
            price=Decimal(f"{n}.25"),
            categories=[f"Cat {n}", "Shared"],
            external_updated_at=when if n % 2 else None,
        )
        for n in range(5)
    ]
    with CaptureQueriesContext(connection) as queries:
        assert insert_rows(Product, products) == 5
    if connection.vendor == "postgresql":
        assert len(queries) == 1
    assert all(product.pk is not None and not product._state.adding for product in products)
    stored = {
        row[0]: row[1:]
        for row in Product.objects.values_list(
            "pk", "name", "sku", "price", "categories", "external_updated_at", "currency"
        )
    }
    assert stored == {
        product.pk: (
            f"Item {n}",
            f"INS-{n}",
            Decimal(f"{n}.25"),
            [f"Cat {n}", "Shared"],
            when if n % 2 else None,
            "USD",
        )
        for n, product in enumerate(products)
    }
    created = set(Product.objects.values_list("created_at", flat=True))
    assert None not in created and created == {product.created_at for product in products}
    assert Product.objects.filter(meta_sync_next_attempt__isnull=False).count() == 0  # no signals


def test_every_row_of_one_insert_is_stamped_with_one_time(tenant: Tenant) -> None:
    """auto_now and auto_now_add take the statement's time, on the objects and in the rows."""
    when = datetime(2026, 6, 2, 8, 0, tzinfo=UTC)
    products = [Product(tenant=tenant, name=f"Stamped {n}", price=Decimal("1")) for n in range(3)]
    with time_machine.travel(when, tick=False):
        insert_rows(Product, products)
    stored = set(Product.objects.values_list("tenant_id", "created_at", "updated_at"))
    assert stored == {(tenant.pk, when, when)}
    assert {(p.created_at, p.updated_at) for p in products} == {(when, when)}


def test_a_naive_datetime_is_written_as_the_orm_writes_it(
    tenant: Tenant, make_product: Callable[..., Product]
) -> None:
    """Only aware datetimes skip the ORM's preparation: a naive one is made aware in the
    default time zone, with Django's warning."""
    product = make_product(tenant)
    product.meta_sync_last_success = datetime(2026, 6, 2, 8, 0)
    with pytest.warns(RuntimeWarning, match="naive datetime"):
        update_rows(Product, [product], ["meta_sync_last_success"])
    expected = timezone.make_aware(datetime(2026, 6, 2, 8, 0))
    assert Product.objects.get(pk=product.pk).meta_sync_last_success == expected


def test_a_decimal_that_is_not_a_number_is_refused_as_the_orm_refuses_it(
    tenant: Tenant, make_product: Callable[..., Product]
) -> None:
    product = make_product(tenant, price=Decimal("3"))
    product.price = Decimal("NaN")
    with pytest.raises(ValidationError):
        update_rows(Product, [product], ["price"])
    assert Product.objects.get(pk=product.pk).price == Decimal("3")


def test_insert_rows_with_nothing_to_insert() -> None:
    with CaptureQueriesContext(connection) as queries:
        assert insert_rows(Product, []) == 0
    assert len(queries) == 0


def test_insert_missing_skips_what_a_unique_constraint_refuses(
    tenant: Tenant, make_product: Callable[..., Product]
) -> None:
    """On PostgreSQL it says which rows it inserted, in the one INSERT; elsewhere None."""
    first, second = make_product(tenant, sku="M-1"), make_product(tenant, sku="M-2")
    CatalogIdentity.objects.create(tenant=tenant, retailer_id="HELD", product=first)
    rows = [
        CatalogIdentity(tenant=tenant, retailer_id="HELD", product=second),
        CatalogIdentity(tenant=tenant, retailer_id="FREE", product=second),
    ]
    with CaptureQueriesContext(connection) as queries:
        inserted = insert_missing(CatalogIdentity, rows, ("retailer_id", "product_id"))
    if connection.vendor == "postgresql":
        assert (inserted, len(queries)) == ([("FREE", second.pk)], 1)
    else:
        assert inserted is None
    assert sorted(
        CatalogIdentity.objects.filter(retailer_id__in=["HELD", "FREE"]).values_list(
            "retailer_id", "product_id", "variant_id"
        )
    ) == [("FREE", second.pk, None), ("HELD", first.pk, None)]
    assert insert_missing(CatalogIdentity, [], ("retailer_id",)) == []


JSON_VALUES = [
    ["plain", "list"],
    {"nested": {"deep": [1, 2.5, True, None]}, "quote": 'say "hi"\n', "text": "Größe \u2013 ü"},
    "a JSON string",
    [7, -2, 3.25e10],
    [],
]


@pytest.mark.parametrize("value", JSON_VALUES, ids=["list", "dict", "string", "numbers", "empty"])
def test_a_json_document_is_stored_as_the_orm_stores_it(
    tenant: Tenant, make_product: Callable[..., Product], value: object
) -> None:
    """A plain document travels nested in the rows; it reads back equal, inserted or updated,
    and equal to what `save()` stores (compared in the database, not only in Python)."""
    by_orm = make_product(tenant, meta_pushed_ids=value)
    inserted = Product(tenant=tenant, name="Inserted", price=Decimal("1"), meta_pushed_ids=value)
    insert_rows(Product, [inserted])
    updated = make_product(tenant)
    updated.meta_pushed_ids = value
    update_rows(Product, [updated], ["meta_pushed_ids"])
    stored = dict(Product.objects.values_list("pk", "meta_pushed_ids"))
    assert stored[inserted.pk] == stored[updated.pk] == stored[by_orm.pk] == value
    same_text = Product.objects.filter(
        pk__in=[inserted.pk, updated.pk], meta_pushed_ids=by_orm.meta_pushed_ids
    ).count()
    assert same_text == 2


def test_a_json_document_of_other_types_takes_the_orms_encoding(
    tenant: Tenant, make_product: Callable[..., Product]
) -> None:
    """A tuple is a list to the ORM's encoder; a decimal inside a document is refused by it
    (TypeError), and is refused here too rather than stored as text."""
    product = make_product(tenant)
    product.meta_pushed_ids = ("a", "b")
    update_rows(Product, [product], ["meta_pushed_ids"])
    assert Product.objects.get(pk=product.pk).meta_pushed_ids == ["a", "b"]
    product.meta_pushed_ids = [Decimal("1.5")]
    with pytest.raises(TypeError):
        update_rows(Product, [product], ["meta_pushed_ids"])
    assert Product.objects.get(pk=product.pk).meta_pushed_ids == ["a", "b"]


def test_none_in_a_json_column_is_sql_null_as_with_the_orm(
    tenant: Tenant, make_product: Callable[..., Product]
) -> None:
    """None is SQL NULL, never the JSON null: a NOT NULL JSON column refuses it."""
    product = make_product(tenant)
    product.meta_pushed_ids = None
    with pytest.raises(IntegrityError), transaction.atomic():
        update_rows(Product, [product], ["meta_pushed_ids"])
    assert Product.objects.get(pk=product.pk).meta_pushed_ids == []


def test_a_cell_every_row_holds_alike_travels_once(tenant: Tenant) -> None:
    """A page's tenant, currency, empty fields and stamps are sent once for all rows, and every
    row still reads back with them."""
    if connection.vendor != "postgresql":
        pytest.skip("the JSON rows are PostgreSQL's path; SQLite takes bulk_create")
    products = [
        Product(tenant=tenant, name=f"Alike {n}", price=Decimal("2"), description="Said once")
        for n in range(3)
    ]
    with CaptureQueriesContext(connection) as queries:
        insert_rows(Product, products)
    [statement] = [query["sql"] for query in queries]
    assert statement.count("Said once") == 1
    assert statement.count(str(tenant.pk)) == 1
    assert set(Product.objects.values_list("name", "description", "currency", "tenant_id")) == {
        (f"Alike {n}", "Said once", "USD", tenant.pk) for n in range(3)
    }


def test_equal_cells_of_different_types_are_not_shared(
    tenant: Tenant, make_product: Callable[..., Product]
) -> None:
    """1 == True in Python, but a JSON document of 1 and one of true differ, and a stock of
    True is the ORM's 1: each row keeps its own."""
    products = [make_product(tenant) for _ in range(3)]
    for product, document in zip(products, [1, True, 1], strict=True):
        product.meta_pushed_ids = document
    products[1].stock_quantity = True
    products[0].stock_quantity = products[2].stock_quantity = 1
    update_rows(Product, products, ["meta_pushed_ids", "stock_quantity"])
    stored = dict(Product.objects.values_list("pk", "meta_pushed_ids"))
    assert [type(stored[p.pk]) for p in products] == [int, bool, int]
    assert [stored[p.pk] for p in products] == [1, True, 1]
    assert set(Product.objects.values_list("stock_quantity", flat=True)) == {1}


def test_a_single_row_has_every_cell_shared(tenant: Tenant) -> None:
    product = Product(tenant=tenant, name="Only", sku="ONE", price=Decimal("3.50"))
    insert_rows(Product, [product])
    assert Product.objects.values_list("pk", "name", "sku", "price").get() == (
        product.pk,
        "Only",
        "ONE",
        Decimal("3.50"),
    )
