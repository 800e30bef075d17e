"""Business rules for writing products with their nested variants and images."""

from collections.abc import Iterable
from typing import Any

from django.db import transaction

from products_and_services.models import Product, ProductImage, ProductVariant
from products_and_services.text_encoding import check_text, inspect_product
from tenants.models import Tenant


class NestedItemError(ValueError):
    """A nested variant or image refers to an id that is not this product's."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field


def sku_taken(*, tenant: Tenant, sku: str, exclude_id: int | None = None) -> bool:
    if not sku:
        return False
    queryset = Product.objects.filter(tenant=tenant, sku=sku)
    if exclude_id is not None:
        queryset = queryset.exclude(pk=exclude_id)
    return queryset.exists()


@transaction.atomic
def create_product(
    *,
    tenant: Tenant,
    fields: dict[str, Any],
    variants: Iterable[dict[str, Any]] = (),
    images: Iterable[dict[str, Any]] = (),
) -> Product:
    text = check_text(fields, repair=tenant.repair_double_encoded_text)
    product = Product.objects.create(tenant=tenant, **text.values, **text.tracking())
    _replace_children(ProductVariant, product, list(variants), "variants")
    _replace_children(ProductImage, product, list(images), "images")
    return product


@transaction.atomic
def update_product(
    *,
    product: Product,
    fields: dict[str, Any],
    variants: Iterable[dict[str, Any]] | None = None,
    images: Iterable[dict[str, Any]] | None = None,
) -> Product:
    """Update fields; a given variants/images list replaces the current set (matched by id)."""
    for name, value in fields.items():
        setattr(product, name, value)
    inspect_product(product, repair=product.tenant.repair_double_encoded_text)
    product.save()
    if variants is not None:
        _replace_children(ProductVariant, product, list(variants), "variants")
    if images is not None:
        _replace_children(ProductImage, product, list(images), "images")
    return product


def _replace_children(
    model: type[ProductVariant] | type[ProductImage],
    product: Product,
    items: list[dict[str, Any]],
    field: str,
) -> None:
    existing = {child.pk: child for child in model.objects.filter(product=product)}
    keep: set[int] = set()
    to_create = []
    for position, item in enumerate(items):
        data = dict(item)
        data.setdefault("position", position)
        child_id = data.pop("id", None)
        if child_id is None:
            to_create.append(model(product=product, **data))
            continue
        child = existing.get(child_id)
        if child is None:
            raise NestedItemError(
                field, f"{field[:-1].capitalize()} {child_id} does not belong to this product."
            )
        for name, value in data.items():
            setattr(child, name, value)
        child.save()
        keep.add(child_id)
    model.objects.filter(product=product).exclude(pk__in=keep).delete()
    model.objects.bulk_create(to_create)


@transaction.atomic
def repair_double_encoded_text(*, product: Product) -> Product:
    """Undo double encoding in this product's text, whatever the tenant's option says."""
    inspect_product(product, repair=True)
    product.save()
    return product
