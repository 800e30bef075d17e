"""Native store webhooks: log every delivery, deduplicate, and apply stored payloads.

A delivery is recorded before any work (status `queued`), so it can be replayed from the
admin; a rejected one keeps no body at all, only why it was rejected.
"""

import hashlib
import time
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone

from common.jsonb import storable_json
from integrations.models import Provider, WebhookLog
from integrations.shopify.mapper import MappingError as ShopifyMappingError
from integrations.shopify.models import ShopifyStore
from integrations.webhooks.apply import Applied, Outcome, apply_record, deactivate_product
from integrations.webhooks.confirm import shopify_product_live, woo_product_live
from integrations.webhooks.shopify_payload import product_gid, shopify_record
from integrations.woocommerce.client import WooClient
from integrations.woocommerce.mapper import MappingError as WooMappingError
from integrations.woocommerce.mapper import modified_at, transform_product, woo_external_id
from integrations.woocommerce.models import WooCommerceStore
from products_and_services.models import ExternalSource, Product

WOO_TOPICS = ("product.created", "product.updated", "product.deleted", "product.restored")
SHOPIFY_TOPICS = ("products/create", "products/update", "products/delete")
DELETE_TOPICS = ("product.deleted", "products/delete")
REFUTED_DELETE = (
    "The store still lists this product as live: a replayed or out-of-order delete; "
    "nothing was changed."
)
STORE_MODELS: dict[str, type[WooCommerceStore] | type[ShopifyStore]] = {
    Provider.WOOCOMMERCE: WooCommerceStore,
    Provider.SHOPIFY: ShopifyStore,
}
Store = WooCommerceStore | ShopifyStore


@dataclass(frozen=True)
class Delivery:
    """What a receiver learnt from the request's headers and body."""

    provider: str
    store: Store
    topic: str
    webhook_id: str = ""
    delivery_id: str = ""
    body_sha256: str = ""
    triggered_at: datetime | None = None

    @property
    def dedupe_key(self) -> str:
        """Shopify: its webhook id names one event. WooCommerce reuses delivery ids within a
        second, so its key also holds the webhook id and the body's hash."""
        if self.provider == Provider.SHOPIFY and self.delivery_id:
            parts = ("shopify", self.delivery_id)
        else:
            parts = (self.provider, self.webhook_id, self.delivery_id, self.body_sha256)
        return hashlib.sha256("\x1f".join(parts).encode()).hexdigest()


def body_hash(body: bytes) -> str:
    return hashlib.sha256(body).hexdigest()


def _log_fields(delivery: Delivery) -> dict[str, Any]:
    return {
        "tenant_id": delivery.store.tenant_id,
        "provider": delivery.provider,
        "connection_id": delivery.store.pk,
        "event": delivery.topic[:100],
        "webhook_id": delivery.webhook_id[:255],
        "delivery_id": delivery.delivery_id[:255],
        "payload_hash": delivery.body_sha256,
        "triggered_at": delivery.triggered_at,
    }


def reject(delivery: Delivery, reason: str) -> WebhookLog | None:
    """The only row a rejected delivery leaves: no body, just why.

    At most `WEBHOOK_REJECTED_LOG_PER_MINUTE` rows per store a minute: a flood of unsigned
    requests cannot fill the database; the first ones say what is wrong.
    """
    recent = WebhookLog.objects.filter(
        provider=delivery.provider,
        connection_id=delivery.store.pk,
        status=WebhookLog.Status.REJECTED,
        received_at__gte=timezone.now() - timedelta(minutes=1),
    )
    cap = settings.WEBHOOK_REJECTED_LOG_PER_MINUTE
    if recent[:cap].count() >= cap:
        return None
    return WebhookLog.objects.create(
        **_log_fields(delivery), status=WebhookLog.Status.REJECTED, error=reason
    )


def signed_time(provider: str, payload: dict[str, Any]) -> datetime | None:
    """The modification time inside the signed body (never a header)."""
    if provider == Provider.WOOCOMMERCE:
        return modified_at(payload)
    value = payload.get("updated_at")
    if not isinstance(value, str):
        return None
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    return parsed if parsed.tzinfo else None


def unpublishes(provider: str, payload: dict[str, Any]) -> bool:
    """An update that takes the product off sale (draft, private, archived, ...)."""
    status = payload.get("status")
    if status is None:
        return False
    if provider == Provider.WOOCOMMERCE:
        return str(status) != "publish"
    return str(status).upper() != "ACTIVE"


def too_old(delivery: Delivery, payload: dict[str, Any]) -> str:
    """Why a destructive delivery is refused for its age ("" when it is not).

    Deletes carry no time; the store confirms them when they are applied (`confirm.py`).
    An unpublishing update whose signed time is older than the window is a replay: the
    providers stop retrying long before it closes.
    """
    if delivery.topic in DELETE_TOPICS or not unpublishes(delivery.provider, payload):
        return ""
    stamp = signed_time(delivery.provider, payload)
    window = timedelta(seconds=settings.WEBHOOK_MAX_AGE_SECONDS)
    if stamp is not None and stamp < timezone.now() - window:
        return (
            f"Refused: this delivery takes the product off sale but was signed for "
            f"{stamp.isoformat()}, older than the {window} window (a replay)."
        )
    return ""


def ignore(delivery: Delivery) -> WebhookLog:
    return WebhookLog.objects.create(
        **_log_fields(delivery),
        status=WebhookLog.Status.IGNORED,
        error=f"Topic {delivery.topic!r} is not handled; remove it from the store's webhooks.",
    )


def accept(delivery: Delivery, payload: dict[str, Any]) -> WebhookLog | None:
    """Store a verified delivery as queued; None (and a `duplicate` row) if already seen."""
    try:
        with transaction.atomic():
            return WebhookLog.objects.create(
                **_log_fields(delivery),
                dedupe_key=delivery.dedupe_key,
                status=WebhookLog.Status.QUEUED,
                payload=storable_json(payload),
            )
    except IntegrityError:
        WebhookLog.objects.create(**_log_fields(delivery), status=WebhookLog.Status.DUPLICATE)
        return None


def _apply_woo(store: WooCommerceStore, log: WebhookLog) -> Applied:
    payload = log.payload
    external_id = woo_external_id(payload["id"])
    if log.event == "product.deleted":
        if woo_product_live(store, payload["id"]):
            return Applied(Outcome.STALE, error=REFUTED_DELETE)
        return deactivate_product(
            tenant=store.tenant,
            source=ExternalSource.WOOCOMMERCE,
            connection_key=store.connection_key,
            external_id=external_id,
            occurred_at=timezone.now(),
            confirmed=True,
        )
    # The webhook lists variation ids only; their prices and stock come from the store's API.
    is_variable = payload.get("type") == "variable"
    variations = WooClient(store).fetch_variations(payload["id"]) if is_variable else []
    try:
        record = transform_product(
            payload, variations, external_id=external_id, currency=store.currency
        )
    except WooMappingError as exc:
        return Applied(Outcome.FAILED, error=str(exc))
    return apply_record(
        tenant=store.tenant,
        source=ExternalSource.WOOCOMMERCE,
        connection_key=store.connection_key,
        record=record,
        default_currency=store.currency,
    )


def _apply_shopify(store: ShopifyStore, log: WebhookLog) -> Applied:
    payload = log.payload
    external_id = product_gid(payload)
    if log.event == "products/delete":
        # Never `log.triggered_at`: X-Shopify-Triggered-At is not covered by the signature.
        if shopify_product_live(store, external_id):
            return Applied(Outcome.STALE, error=REFUTED_DELETE)
        return deactivate_product(
            tenant=store.tenant,
            source=ExternalSource.SHOPIFY,
            connection_key=store.connection_key,
            external_id=external_id,
            occurred_at=timezone.now(),
            confirmed=True,
        )
    held_url = (
        Product.objects.filter(
            tenant=store.tenant,
            external_source=ExternalSource.SHOPIFY,
            external_connection=store.connection_key,
            external_id=external_id,
        )
        .values_list("website_url", flat=True)
        .first()
    )
    try:
        record = shopify_record(payload, currency=store.currency, online_store_url=held_url or "")
    except (ShopifyMappingError, ValueError, TypeError) as exc:
        return Applied(Outcome.FAILED, error=f"Cannot map the product: {exc}")
    return apply_record(
        tenant=store.tenant,
        source=ExternalSource.SHOPIFY,
        connection_key=store.connection_key,
        record=record,
        default_currency=store.currency,
    )


APPLIERS = {Provider.WOOCOMMERCE: _apply_woo, Provider.SHOPIFY: _apply_shopify}
PROCESSABLE = (WebhookLog.Status.QUEUED, WebhookLog.Status.ERROR)


def process_delivery(log_pk: int) -> WebhookLog:
    """Apply a queued delivery; safe to run twice (a finished one is left alone)."""
    log = WebhookLog.objects.get(pk=log_pk)
    if log.status not in PROCESSABLE:
        return log
    WebhookLog.objects.filter(pk=log_pk).update(attempts=F("attempts") + 1)
    started = time.perf_counter()
    store = (
        STORE_MODELS[log.provider]
        .objects.select_related("tenant")
        .filter(pk=log.connection_id)
        .first()
    )
    if store is None:
        applied = Applied(Outcome.FAILED, error="The store was deleted.")
    else:
        applied = APPLIERS[log.provider](store, log)
    finish_delivery(log_pk, applied, elapsed_ms=round((time.perf_counter() - started) * 1000))
    log.refresh_from_db()
    return log


STATUS_FOR_OUTCOME = {
    Outcome.STALE: WebhookLog.Status.STALE,
    Outcome.FAILED: WebhookLog.Status.ERROR,
}


def finish_delivery(log_pk: int, applied: Applied, *, elapsed_ms: int | None = None) -> None:
    WebhookLog.objects.filter(pk=log_pk).update(
        status=STATUS_FOR_OUTCOME.get(applied.outcome, WebhookLog.Status.SUCCESS),
        outcome=applied.outcome,
        error=applied.error[:2000],
        processed_at=timezone.now(),
        processing_ms=elapsed_ms,
    )


def reset_for_replay(logs: Any) -> list[int]:
    """Failed deliveries go back to queued so the task applies their stored payload again."""
    ids = list(logs.filter(status=WebhookLog.Status.ERROR).values_list("pk", flat=True))
    WebhookLog.objects.filter(pk__in=ids).update(
        status=WebhookLog.Status.QUEUED, outcome="", error="", processed_at=None
    )
    return ids
