"""Plugin events: record once per event id, then apply through the engine in a task."""

from dataclasses import dataclass, field
from functools import cache
from typing import Any

from django.db import connection
from django.db.models import F, Field
from django.utils import timezone
from rest_framework.exceptions import ValidationError

from common.jsonb import storable_json
from integrations.webhooks.apply import (
    Applied,
    Outcome,
    apply_record,
    deactivate_product,
)
from integrations.webhooks.models import IntegrationToken, WooCommerceEventLog, WooEventType
from integrations.webhooks.plugin_mapper import plugin_record
from integrations.webhooks.plugin_serializers import event_to_store, validated_event
from integrations.webhooks.tokens import record_use
from integrations.woocommerce.mapper import MappingError, woo_external_id
from integrations.woocommerce.models import WooCommerceStore
from products_and_services.models import ExternalSource

NOT_BOUND = (
    "This token is not bound to a WooCommerce store. Bind it to the store in the admin "
    "(Integration tokens) or with PATCH /api/v1/integrations/tokens/{id}/, then send again."
)


def record_event(
    *, token: IntegrationToken, data: dict[str, Any], payload: dict[str, Any]
) -> int | None:
    """Store the event and return its pk; None when this tenant already has that event id.

    One statement, `INSERT … ON CONFLICT DO NOTHING RETURNING id`: the unique constraint
    decides, so two concurrent deliveries of one event store one row, and a duplicate costs
    no error, no savepoint inside an outer transaction and no second query. The values are
    prepared by the model's own fields, as `objects.create()` would prepare them.
    """
    event = WooCommerceEventLog(
        tenant_id=token.tenant_id,
        token=token,
        event_id=data["event_id"],
        event_type=data["event_type"],
        woo_product_id=data["product"]["id"],
        occurred_at=data.get("occurred_at"),
        payload=storable_json(payload),
    )
    sql, fields = _insert_statement(connection.vendor)
    params = [
        field.get_db_prep_save(field.pre_save(event, add=True), connection) for field in fields
    ]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        row = cursor.fetchone()
    return row[0] if row else None


@cache
def _insert_statement(vendor: str) -> tuple[str, tuple[Field, ...]]:
    """The event log's INSERT (every column but the id), built once from the model."""
    meta = WooCommerceEventLog._meta
    fields = tuple(field for field in meta.concrete_fields if not field.primary_key)
    quote = connection.ops.quote_name
    key = ", ".join(quote(meta.get_field(name).column) for name in ("tenant", "event_id"))
    sql = (
        f"INSERT INTO {quote(meta.db_table)} "
        f"({', '.join(quote(field.column) for field in fields)}) "
        f"VALUES ({', '.join(['%s'] * len(fields))}) "
        f"ON CONFLICT ({key}) DO NOTHING RETURNING {quote(meta.pk.column)}"
    )
    return sql, fields


@dataclass(frozen=True)
class Received:
    """What the webhook answers for one event: accepted (stored, `event_pk` set), duplicate
    (this event id was already stored) or refused (with the field errors)."""

    event_id: str
    status: str
    event_pk: int | None = None
    errors: dict[str, Any] = field(default_factory=dict)

    def answer(self) -> dict[str, Any]:
        body: dict[str, Any] = {"event_id": self.event_id, "status": self.status}
        if self.errors:
            body["errors"] = self.errors
        return body


def receive_event(*, token: IntegrationToken, payload: Any) -> Received:
    """Validate one event and store it once per event id; nothing is written for a refusal."""
    if not isinstance(payload, dict):
        return Received("", "refused", errors={"detail": ["An event must be a JSON object."]})
    event_id = payload.get("event_id")
    event_id = event_id[:255] if isinstance(event_id, str) else ""
    try:
        data = event_to_store(payload)
    except ValidationError as exc:
        return Received(event_id, "refused", errors=exc.detail)
    event_pk = record_event(token=token, data=data, payload=payload)
    if event_pk is None:
        return Received(event_id, "duplicate")
    return Received(event_id, "accepted", event_pk=event_pk)


def check_product(*, token: IntegrationToken, product: Any) -> dict[str, Any]:
    """Would this product be accepted and mapped? Checked as an update event, storing nothing,
    so the plugin's Test connection can show a misconfiguration before any event is lost."""
    product_id = product.get("id") if isinstance(product, dict) else None
    body = {"event_id": "check", "event_type": WooEventType.UPDATED, "product": product}
    try:
        data = validated_event(body)
    except ValidationError as exc:
        errors = exc.detail
        return {"id": product_id, "valid": False, "errors": errors.get("product", errors)}
    store = token.store  # the view has refused a token without a store
    try:
        plugin_record(data["product"], currency=store.currency, modified_at=None)
    except MappingError as exc:
        return {"id": product_id, "valid": False, "errors": {"detail": [str(exc)]}}
    return {"id": product_id, "valid": True}


def _target_store(event: WooCommerceEventLog) -> WooCommerceStore | None:
    """The store the event's token is bound to now (a rebound token's replays follow it)."""
    if event.token_id is None:
        return None
    return (
        WooCommerceStore.objects.filter(
            integration_tokens=event.token_id, tenant_id=event.tenant_id
        )
        .select_related("tenant")
        .first()
    )


def _apply(event: WooCommerceEventLog) -> Applied:
    try:
        data = validated_event(event.payload)
    except ValidationError as exc:
        return Applied(Outcome.FAILED, error=f"Invalid stored payload: {exc.detail}")
    product = data["product"]
    modified_at = product.get("date_modified_gmt") or data.get("occurred_at")
    store = _target_store(event)
    if store is None:
        return Applied(Outcome.FAILED, error=NOT_BOUND)
    if data["event_type"] == WooEventType.DELETED:
        return deactivate_product(
            tenant=event.tenant,
            source=ExternalSource.WOOCOMMERCE,
            connection_key=store.connection_key,
            external_id=woo_external_id(product["id"]),
            occurred_at=modified_at,
        )
    try:
        record = plugin_record(product, currency=store.currency, modified_at=modified_at)
    except MappingError as exc:
        return Applied(Outcome.FAILED, error=str(exc))
    return apply_record(
        tenant=event.tenant,
        source=ExternalSource.WOOCOMMERCE,
        connection_key=store.connection_key,
        record=record,
        default_currency=store.currency,
    )


def process_event(event_pk: int) -> WooCommerceEventLog:
    """Apply a stored event; safe to run twice (a processed event is left alone)."""
    event = WooCommerceEventLog.objects.select_related("tenant").get(pk=event_pk)
    if event.processed_successfully:
        return event
    if event.attempts == 0 and event.token_id:
        record_use(event.token_id, at=event.received_at)  # once per accepted event
    WooCommerceEventLog.objects.filter(pk=event_pk).update(attempts=F("attempts") + 1)
    applied = _apply(event)
    finish_event(event_pk, applied)
    event.refresh_from_db()
    return event


def finish_event(event_pk: int, applied: Applied) -> None:
    WooCommerceEventLog.objects.filter(pk=event_pk).update(
        processed_at=timezone.now(),
        processed_successfully=applied.outcome != Outcome.FAILED,
        outcome=applied.outcome,
        error=applied.error[:2000],
        product_id=applied.product_id,
    )


def reset_for_replay(events: Any) -> list[int]:
    """Failed events go back to pending so the task applies them again."""
    ids = list(events.filter(processed_successfully=False).values_list("pk", flat=True))
    WooCommerceEventLog.objects.filter(pk__in=ids).update(processed_at=None, outcome="", error="")
    return ids
