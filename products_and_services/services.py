"""Business rules for writing products with their nested variants and images.

Every catalog write goes through here (API, admin, pulls, webhooks, commands): the rules are
checked, retailer-id identities kept in step, and one `catalog_changed` event announced, all
in the writer's transaction.
"""

from collections.abc import Iterable
from typing import Any

from django.db import transaction
from django.utils import timezone

from products_and_services.events import announce
from products_and_services.identity import (
    Clash,
    IdentityTaken,
    KnownClaims,
    find_clashes,
    item_claims,
    sync_identities,
)
from products_and_services.models import Product, ProductImage, ProductVariant
from products_and_services.rules import price_errors
from products_and_services.text_encoding import check_text, inspect_product
from tenants.models import Tenant


class CatalogRuleError(ValueError):
    """A write broke a catalog rule; `errors` maps field names to reasons, as an API answers."""

    def __init__(self, errors: dict[str, Any]) -> None:
        super().__init__("; ".join(f"{k}: {v}" for k, v in errors.items()))
        self.errors = errors


# Kept for callers that raise it by name; a nested id that is not this product's.
class NestedItemError(CatalogRuleError):
    def __init__(self, field: str, message: str) -> None:
        super().__init__({field: [message]})
        self.field = field


def identity_errors(
    *,
    tenant_id: int,
    product_id: int | None,
    sku: str,
    variants: list[tuple[object, str]],
) -> dict[str, Any]:
    """Field errors for SKUs another item holds, or that this product repeats."""
    claims = item_claims(product_id=product_id, sku=sku, variants=variants)
    clashes = find_clashes(tenant_id=tenant_id, claims=claims)
    return clash_errors(clashes)


def clash_errors(clashes: list[Clash]) -> dict[str, Any]:
    errors: dict[str, Any] = {}
    for clash in clashes:
        if clash.claim.is_variant:
            errors.setdefault("variants", []).append(clash.message)
        else:
            errors.setdefault("sku", []).append(clash.message)
    return errors


def catalog_written(
    *,
    tenant_id: int,
    product_ids: Iterable[int],
    strict: bool,
    known: KnownClaims | None = None,
    born_due: Iterable[int] = (),
) -> list[Clash]:
    """Finish a write of these products, inside its transaction: identities, then one event.

    Bulk writers (pulls, webhooks) check their records first and pass strict=False, so a clash
    that slipped in concurrently is listed and held back from Meta instead of failing a page;
    they also pass what they know of the rows they wrote (`known`, see `sync_identities`) and
    which new rows they inserted already due for a Meta push (`born_due`, see `CatalogChange`).
    """
    ids = sorted(set(product_ids))
    try:
        clashes = sync_identities(tenant_id=tenant_id, product_ids=ids, strict=strict, known=known)
    except IdentityTaken as exc:
        raise CatalogRuleError(clash_errors([exc.clash])) from exc
    announce(tenant_id=tenant_id, saved=ids, born_due=born_due)
    return clashes


def _rule_errors(
    fields: dict[str, Any], current: Product | None, variants: list[dict[str, Any]] | None
) -> dict[str, Any]:
    errors: dict[str, Any] = {
        name: [message] for name, message in price_errors(fields=fields, current=current).items()
    }
    price = fields.get("price", getattr(current, "price", None))
    for position, variant in enumerate(variants or []):
        problems = price_errors(fields=variant, price_fallback=price)
        if problems:
            errors.setdefault("variants", []).extend(
                f"Variant {position + 1}: {message}" for message in problems.values()
            )
    return errors


@transaction.atomic
def create_product(
    *,
    tenant: Tenant,
    fields: dict[str, Any],
    variants: Iterable[dict[str, Any]] = (),
    images: Iterable[dict[str, Any]] = (),
) -> Product:
    variants, images = list(variants), list(images)
    errors = _rule_errors(fields, None, variants)
    if errors:
        raise CatalogRuleError(errors)
    text = check_text(fields, repair=tenant.repair_double_encoded_text)
    product = Product.objects.create(tenant=tenant, **text.values, **text.tracking())
    _replace_children(ProductVariant, product, variants, "variants")
    _replace_children(ProductImage, product, images, "images")
    catalog_written(tenant_id=tenant.pk, product_ids=[product.pk], strict=True)
    return product


@transaction.atomic
def update_product(
    *,
    product: Product,
    fields: dict[str, Any],
    variants: Iterable[dict[str, Any]] | None = None,
    images: Iterable[dict[str, Any]] | None = None,
) -> Product:
    """Update fields; a given variants/images list replaces the current set (matched by id).

    The product row is written once (without the push's tracking fields) and announced once,
    however many variants and images change.
    """
    variants = list(variants) if variants is not None else None
    errors = _rule_errors(fields, product, variants)
    if errors:
        raise CatalogRuleError(errors)
    for name, value in fields.items():
        setattr(product, name, value)
    inspect_product(product, repair=product.tenant.repair_double_encoded_text)
    product.save()
    if variants is not None:
        _replace_children(ProductVariant, product, variants, "variants")
    if images is not None:
        _replace_children(ProductImage, product, list(images), "images")
    catalog_written(tenant_id=product.tenant_id, product_ids=[product.pk], strict=True)
    return product


@transaction.atomic
def deactivate_products(
    *, tenant_id: int, product_ids: Iterable[int], changes: dict[str, Any] | None = None
) -> int:
    """Soft-delete products removed upstream (they leave Meta; their SKUs stay theirs)."""
    ids = list(product_ids)
    if not ids:
        return 0
    Product.objects.filter(tenant_id=tenant_id, pk__in=ids).update(
        is_active=False, updated_at=timezone.now(), **(changes or {})
    )
    announce(tenant_id=tenant_id, saved=ids)
    return len(ids)


@transaction.atomic
def delete_products(*, tenant_id: int, product_ids: Iterable[int]) -> int:
    """Delete products of one tenant; subscribers note what they held before the rows go."""
    ids = list(
        Product.objects.filter(tenant_id=tenant_id, pk__in=list(product_ids)).values_list(
            "pk", flat=True
        )
    )
    if not ids:
        return 0
    announce(tenant_id=tenant_id, removing=ids)
    Product.objects.filter(pk__in=ids).delete()
    return len(ids)


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
    catalog_written(tenant_id=product.tenant_id, product_ids=[product.pk], strict=False)
    return product
