"""Builder makes the instance `model(**values)` makes, by Django's positional short path."""

from decimal import Decimal
from typing import Any

import pytest
from django.db import models
from django.db.models.signals import ModelSignal, post_init, pre_init

from common.instances import Builder, Loader
from products_and_services.models import Product, ProductImage, ProductVariant
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


def test_without_receivers_the_constructor_is_not_called_and_the_instance_is_the_same(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    calls: list[str] = []
    original = models.Model.__init__

    def counting(self: models.Model, *args: Any, **kwargs: Any) -> None:
        calls.append(type(self).__name__)
        original(self, *args, **kwargs)

    values = {"product_id": 3, "sku": "V-1", "price": Decimal("1.00"), "options": {"size": "M"}}
    expected = ProductVariant(**values)
    monkeypatch.setattr(models.Model, "__init__", counting)
    built = Builder(ProductVariant)(**values)
    assert calls == []
    assert columns(built) == columns(expected)
    assert built.__dict__.keys() == expected.__dict__.keys()
    assert (built._state.adding, built._state.db, built._state.fields_cache) == (True, None, {})


@pytest.mark.parametrize("signal", [pre_init, post_init])
def test_a_receiver_of_either_init_signal_hears_every_instance(signal: ModelSignal) -> None:
    heard: list[Any] = []

    def receiver(sender: type[models.Model], **kwargs: Any) -> None:
        heard.append(sender)

    signal.connect(receiver, sender=ProductVariant)
    try:
        built = Builder(ProductVariant)(product_id=1, sku="A")
    finally:
        signal.disconnect(receiver, sender=ProductVariant)
    assert heard == [ProductVariant]
    assert (built.product_id, built.sku, built._state.adding) == (1, "A", True)


@pytest.mark.django_db
def test_an_instance_built_without_the_constructor_saves_and_reads_back(tenant: Tenant) -> None:
    built = Builder(Product)(tenant=tenant, name="Item", sku="S-9", price=Decimal("3.00"))
    built.save()
    stored = Product.objects.get(pk=built.pk)
    assert (stored.name, stored.sku, stored.price, stored.tenant_id) == (
        "Item",
        "S-9",
        Decimal("3.00"),
        tenant.pk,
    )
    assert (built._state.adding, built._state.db) == (False, "default")


def test_a_column_with_a_setter_of_its_own_gets_the_constructor() -> None:
    class Upper:
        """A descriptor whose setter does more than store the value."""

        def __set_name__(self, owner: type, name: str) -> None:
            self.name = name

        def __get__(self, instance: Any, owner: type) -> Any:
            return self if instance is None else instance.__dict__.get(self.name)

        def __set__(self, instance: Any, value: Any) -> None:
            instance.__dict__[self.name] = value.upper() if isinstance(value, str) else value

    original = ProductVariant.__dict__["sku"]
    upper = Upper()
    upper.__set_name__(ProductVariant, "sku")
    try:
        ProductVariant.sku = upper
        build = Builder(ProductVariant)
        assert build.own_init is True
        assert build(product_id=1, sku="abc").sku == "ABC"
    finally:
        ProductVariant.sku = original


def test_an_image_is_built_without_the_constructor() -> None:
    build = Builder(ProductImage)
    assert build.own_init is False
    image = build(product_id=4, url="https://img.example.com/a.jpg", position=2)
    expected = ProductImage(product_id=4, url="https://img.example.com/a.jpg", position=2)
    assert columns(image) == columns(expected)
    assert image.image.name == expected.image.name


@pytest.mark.django_db
def test_a_loader_gives_the_instances_only_would(tenant: Tenant) -> None:
    for n in range(3):
        Product.objects.create(tenant=tenant, name=f"Item {n}", sku=f"S-{n}", price=Decimal(n))
    load = Loader(Product, ["name", "tenant_id", "price"])
    query = Product.objects.order_by("pk")
    loaded = load(query.db, query.values_list(*load.columns))
    expected = list(query.only("name", "tenant_id", "price"))
    assert len(loaded) == 3
    for got, want in zip(loaded, expected, strict=True):
        assert {k: v for k, v in got.__dict__.items() if k != "_state"} == {
            k: v for k, v in want.__dict__.items() if k != "_state"
        }
        assert got.get_deferred_fields() == want.get_deferred_fields()
        assert (got._state.adding, got._state.db) == (False, "default")
    assert loaded[2].sku == "S-2"  # a deferred column is read on first access


@pytest.mark.django_db
def test_a_loader_uses_from_db_when_a_receiver_listens(tenant: Tenant) -> None:
    Product.objects.create(tenant=tenant, name="Item", sku="S-1", price=Decimal("1.00"))
    heard: list[Any] = []

    def receiver(sender: type[models.Model], instance: models.Model, **kwargs: Any) -> None:
        heard.append(instance.pk)

    load = Loader(Product, ["name"])
    query = Product.objects.all()
    post_init.connect(receiver, sender=Product)
    try:
        loaded = load(query.db, query.values_list(*load.columns))
    finally:
        post_init.disconnect(receiver, sender=Product)
    assert heard == [loaded[0].pk]
    assert (loaded[0].name, loaded[0]._state.adding) == ("Item", False)


def test_a_loader_refuses_a_column_the_model_lacks() -> None:
    with pytest.raises(TypeError, match="Product has no column named 'tenant'"):
        Loader(Product, ["name", "tenant"])
