"""Builder makes the instance `model(**values)` makes, by Django's positional short path."""

from decimal import Decimal
from typing import Any

import pytest
from django.db import models

from common.instances import Builder
from products_and_services.models import Product, ProductVariant
from tenants.models import Tenant


def columns(instance: models.Model) -> dict[str, Any]:
    return {f.attname: getattr(instance, f.attname) for f in type(instance)._meta.concrete_fields}


def test_the_same_instance_as_the_models_own_constructor() -> None:
    tenant = Tenant(name="T", slug="t")
    values = {"name": "Item", "sku": "S-1", "price": Decimal("2.50"), "categories": ["a"]}
    built = Builder(Product)(tenant=tenant, **values)
    expected = Product(tenant=tenant, **values)
    assert columns(built) == columns(expected)
    assert built.__dict__.keys() == expected.__dict__.keys()
    assert built.tenant is tenant  # the related object is held, as with Product(tenant=...)
    assert (built._state.adding, built._state.db, built.pk) == (True, None, None)


def test_a_callable_default_is_fresh_for_each_instance() -> None:
    build = Builder(ProductVariant)
    first, second = build(product_id=1, sku="A"), build(product_id=1, sku="B")
    assert first.options == second.options == {}
    assert first.options is not second.options


def test_a_relation_may_be_given_by_id_or_as_none() -> None:
    build = Builder(ProductVariant)
    assert build(product_id=7).product_id == 7
    assert build(product=None).product_id is None


def test_an_unknown_field_is_refused_as_the_constructor_refuses_it() -> None:
    with pytest.raises(TypeError, match="Product has no field named 'colour'"):
        Builder(Product)(name="Item", colour="red")
