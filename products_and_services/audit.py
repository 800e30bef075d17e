"""Product edits in the audit log: who changed which product, and each field's old and new value."""

from decimal import Decimal
from typing import Any

from products_and_services.models import Product
from tenants.services import record_audit

# Fields whose change the log records (content, not bookkeeping like hashes or sync state).
AUDITED_FIELDS = (
    "name",
    "sku",
    "is_active",
    "brand",
    "product_type",
    "price",
    "sale_price",
    "sale_starts_at",
    "sale_ends_at",
    "currency",
    "stock_quantity",
    "short_description",
    "description",
    "categories",
    "tags",
    "website_url",
)
VALUE_LIMIT = 200


def _plain(value: Any) -> Any:
    if isinstance(value, Decimal):
        return str(value)
    if hasattr(value, "isoformat"):
        return value.isoformat()
    if isinstance(value, str) and len(value) > VALUE_LIMIT:
        return value[:VALUE_LIMIT] + "…"
    return value


def product_snapshot(product: Product) -> dict[str, Any]:
    return {name: _plain(getattr(product, name, None)) for name in AUDITED_FIELDS}


def record_product_change(
    *, product: Product, actor: str, before: dict[str, Any] | None, via: str
) -> None:
    """One audit row per create or edit; an edit that changed no audited field writes nothing."""
    after = product_snapshot(product)
    if before is None:
        action, changes = "product_created", {k: [None, v] for k, v in after.items() if v}
    else:
        action = "product_updated"
        changes = {k: [before[k], v] for k, v in after.items() if before.get(k) != v}
        if not changes:
            return
    record_audit(
        tenant=product.tenant,
        actor=actor,
        action=action,
        metadata={"product_id": product.pk, "sku": product.sku, "via": via, "changes": changes},
    )


def record_product_deleted(*, product: Product, actor: str, via: str) -> None:
    record_audit(
        tenant=product.tenant,
        actor=actor,
        action="product_deleted",
        metadata={"product_id": product.pk, "sku": product.sku, "via": via},
    )
