"""Apply one upstream change: upsert a record or deactivate a product, never going back in time.

Both paths end in the engine (`upsert_page`) or the same soft delete a full pull performs, so
SKU adoption, hashing and the Meta-pending mark behave as they do for pulls.
"""

from dataclasses import dataclass, replace
from datetime import UTC, datetime

from django.db import IntegrityError, transaction
from django.utils import timezone

from integrations.engine.records import ProductRecord
from integrations.engine.upsert import upsert_page
from products_and_services.models import Product
from products_and_services.services import deactivate_products
from tenants.models import Tenant

EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


class Outcome:
    CREATED = "created"
    UPDATED = "updated"
    UNCHANGED = "unchanged"
    DEACTIVATED = "deactivated"
    STALE = "stale"
    NOT_FOUND = "not_found"
    FAILED = "failed"


@dataclass(frozen=True)
class Applied:
    outcome: str
    product_id: int | None = None
    error: str = ""


def is_older(event_time: datetime | None, held_time: datetime | None) -> bool:
    """An event strictly older than the version we hold must not overwrite it."""
    return event_time is not None and held_time is not None and event_time < held_time


def clamped(record: ProductRecord) -> ProductRecord:
    """A modification time in the future is stored as now: a stored future time would make
    every later, genuine change look stale."""
    now = timezone.now()
    if record.external_updated_at is not None and record.external_updated_at > now:
        return replace(record, external_updated_at=now)
    return record


def apply_record(
    *,
    tenant: Tenant,
    source: str,
    connection_key: str,
    record: ProductRecord,
    default_currency: str,
) -> Applied:
    """Upsert one record; a stale one is reported as such (the engine would skip it too).

    Two deliveries of one new product can run at once: the one that finds no product and then
    loses the creation to the other (its identity check sees the new product's SKU, or its
    insert meets the new row) applies again, now as an update of that product, instead of
    failing and losing its edit.
    """
    record = clamped(record)
    held = _held(tenant, source, connection_key, record.external_id)
    if held is not None and is_older(record.external_updated_at, held[1]):
        return Applied(Outcome.STALE, held[0])

    def lost_the_creation() -> bool:
        return (
            held is None and _held(tenant, source, connection_key, record.external_id) is not None
        )

    again = {
        "tenant": tenant,
        "source": source,
        "connection_key": connection_key,
        "record": record,
        "default_currency": default_currency,
    }
    try:
        result = upsert_page(
            tenant=tenant,
            source=source,
            connection_key=connection_key,
            records=[record],
            default_currency=default_currency,
        )
    except IntegrityError:
        if lost_the_creation():  # the other delivery's row arrived under our insert
            return apply_record(**again)
        raise
    if result.failed and lost_the_creation():  # the other delivery created it after we looked
        return apply_record(**again)
    if result.failed:
        return Applied(Outcome.FAILED, held[0] if held else None, result.errors[0])
    if result.created or result.updated:
        outcome = Outcome.CREATED if result.created else Outcome.UPDATED
        return Applied(outcome, result.changed_ids[0])
    return Applied(Outcome.UNCHANGED, held[0] if held else None)


def _held(
    tenant: Tenant, source: str, connection_key: str, external_id: str
) -> tuple[int, datetime | None] | None:
    """The stored product for this upstream item: its id and upstream modification time."""
    return (
        Product.objects.filter(
            tenant=tenant,
            external_source=source,
            external_connection=connection_key,
            external_id=external_id,
        )
        .values_list("pk", "external_updated_at")
        .first()
    )


def deactivate_product(
    *,
    tenant: Tenant,
    source: str,
    connection_key: str,
    external_id: str,
    occurred_at: datetime | None,
    confirmed: bool = False,
) -> Applied:
    """Soft delete: inactive products are removed from Meta by the push.

    The hash is cleared so that a restore with the same content counts as a change, and a
    known event time is kept so an older, replayed update cannot bring the product back.
    A delete the store itself `confirmed` (see `confirm.py`) is not judged by time: it
    holds now, and is stamped now so no earlier update can undo it.
    """
    if occurred_at is not None:
        occurred_at = min(occurred_at, timezone.now())
    with transaction.atomic():
        product = (
            Product.objects.select_for_update()
            .filter(
                tenant=tenant,
                external_source=source,
                external_connection=connection_key,
                external_id=external_id,
            )
            .only("pk", "is_active", "external_updated_at")
            .first()
        )
        if product is None:
            return Applied(Outcome.NOT_FOUND)
        if not confirmed and is_older(occurred_at, product.external_updated_at):
            return Applied(Outcome.STALE, product.pk)
        if confirmed:
            occurred_at = max(occurred_at or timezone.now(), product.external_updated_at or EPOCH)
        if not product.is_active:
            if confirmed and occurred_at != product.external_updated_at:
                Product.objects.filter(pk=product.pk).update(external_updated_at=occurred_at)
            return Applied(Outcome.UNCHANGED, product.pk)
        changes: dict[str, object] = {"external_hash": ""}
        if occurred_at is not None:
            changes["external_updated_at"] = occurred_at
        deactivate_products(tenant_id=tenant.pk, product_ids=[product.pk], changes=changes)
    return Applied(Outcome.DEACTIVATED, product.pk)
