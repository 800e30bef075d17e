"""`field__any=[...]` selects exactly what `__in` selects; on PostgreSQL the list is one
parameter however long it is."""

from collections.abc import Callable

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from hypothesis import given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from common.lookups import _array_literal
from products_and_services.models import Product
from tenants.models import Tenant

pytestmark = pytest.mark.django_db


def test_any_selects_the_same_rows_as_in(
    tenant: Tenant, make_product: Callable[..., Product]
) -> None:
    kept = [make_product(tenant) for _ in range(3)]
    make_product(tenant)
    ids = [p.pk for p in kept] + list(range(10**9, 10**9 + 500))  # ids of no row
    skus = [p.sku for p in kept] + [f"none-{n}" for n in range(300)]
    with CaptureQueriesContext(connection) as queries:
        by_id = sorted(Product.objects.filter(pk__any=ids).values_list("pk", flat=True))
        by_sku = sorted(Product.objects.filter(sku__any=skus).values_list("pk", flat=True))
    assert by_id == by_sku == sorted(p.pk for p in kept)
    assert by_id == sorted(Product.objects.filter(pk__in=ids).values_list("pk", flat=True))
    if connection.vendor == "postgresql":
        assert [q["sql"].count("= ANY(") for q in queries] == [1, 1]
        assert queries[0]["sql"].count(str(10**9 + 499)) == 1  # the array, no placeholder list


def test_any_of_nothing_selects_nothing_and_updates_nothing(
    tenant: Tenant, make_product: Callable[..., Product]
) -> None:
    make_product(tenant)
    with CaptureQueriesContext(connection) as queries:
        assert list(Product.objects.filter(pk__any=[])) == []
        assert Product.objects.filter(pk__any=(n for n in ())).update(name="x") == 0
    assert len(queries) == 0  # Django knows an empty list matches no row


def test_any_takes_a_generator_and_a_subquery(
    tenant: Tenant, make_product: Callable[..., Product]
) -> None:
    products = [make_product(tenant) for _ in range(2)]
    assert Product.objects.filter(pk__any=(p.pk for p in products)).count() == 2
    sub = Product.objects.filter(pk=products[0].pk).values("pk")
    assert list(Product.objects.filter(pk__any=sub).values_list("pk", flat=True)) == [
        products[0].pk
    ]


def test_any_on_a_foreign_key(tenant: Tenant, make_product: Callable[..., Product]) -> None:
    from products_and_services.models import ProductVariant

    product = make_product(tenant)
    variant = ProductVariant.objects.create(product=product, sku="V-1", options={"Size": "S"})
    found = ProductVariant.objects.filter(product_id__any=[product.pk, 10**9])
    assert list(found.values_list("pk", flat=True)) == [variant.pk]
    assert list(ProductVariant.objects.filter(product__any=[product.pk])) == [variant]


AWKWARD = [
    'say "hi"',
    "back\\slash",
    "a,b",
    "{braces}",
    "  spaced ",
    "",
    "naïve ☃",
    "NULL",
    "'quote'",
]


def test_awkward_strings_match_exactly_themselves(
    tenant: Tenant, make_product: Callable[..., Product]
) -> None:
    """Plain strings travel as one array literal: quoting must keep every one intact."""
    products = {sku: make_product(tenant, sku=sku) for sku in AWKWARD if sku}
    make_product(tenant, sku="a")  # a neighbour of "a,b" and of a cut-short value
    wanted = [*AWKWARD, None, "a" + "x" * 300]  # None matches nothing; too long to be a SKU
    with CaptureQueriesContext(connection) as queries:
        found = dict(Product.objects.filter(sku__any=wanted).values_list("sku", "pk"))
    assert found == {sku: p.pk for sku, p in products.items()}
    if connection.vendor == "postgresql":
        assert "::text[])" in queries[0]["sql"]


def test_values_not_of_the_columns_plain_type_are_prepared_as_before(
    tenant: Tenant, make_product: Callable[..., Product]
) -> None:
    product = make_product(tenant)
    assert list(Product.objects.filter(pk__any=[str(product.pk)]).values_list("pk", flat=True)) == [
        product.pk
    ]
    assert list(
        Product.objects.filter(tenant_id__any=[tenant.pk]).values_list("pk", flat=True)
    ) == [product.pk]


@pytest.mark.skipif(connection.vendor != "postgresql", reason="an array literal is PostgreSQL's")
@given(values=st.lists(st.text(alphabet=st.characters(exclude_characters="\x00"))))
@hypothesis_settings(max_examples=300, deadline=None)
def test_postgresql_reads_the_array_literal_back_as_the_very_strings(values: list[str]) -> None:
    """Whatever the strings (quotes, backslashes, braces, commas, spaces, NULL, any script;
    PostgreSQL text holds no NUL), the literal is read back element for element."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT %s::text[]", [_array_literal(values)])
        assert cursor.fetchone()[0] == values
