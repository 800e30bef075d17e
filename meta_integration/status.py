"""The Meta sync state of a product, as staff see it in the admin and API."""

from django.db.models import Q, TextChoices

from meta_integration.backoff import MAX_ATTEMPTS
from products_and_services.models import Product


class MetaSyncState(TextChoices):
    SYNCED = "synced", "✓ Synced"
    PENDING = "pending", "⟳ Push pending"
    RETRY = "retry", "⚠ Retry pending"
    FAILED = "failed", "✗ Failed (max attempts)"
    HELD = "held", "⏸ Held back"
    NOT_SYNCED = "not_synced", "○ Not synced"
    NOT_ELIGIBLE = "not_eligible", "— Not pushed"


STATE_COLOURS = {
    MetaSyncState.SYNCED: "#2e7d32",
    MetaSyncState.PENDING: "#1565c0",
    MetaSyncState.RETRY: "#ef6c00",
    MetaSyncState.FAILED: "#c62828",
    MetaSyncState.HELD: "#6a1b9a",
    MetaSyncState.NOT_SYNCED: "#757575",
    MetaSyncState.NOT_ELIGIBLE: "#9e9e9e",
}

_ELIGIBLE = Q(is_active=True) & ~Q(sku="")
_QUIET = Q(meta_sync_attempts=0, meta_sync_next_attempt__isnull=True) & Q(meta_sync_last_error="")
_HELD = Q(meta_sync_attempts=0, meta_sync_next_attempt__isnull=True) & ~Q(meta_sync_last_error="")
STATE_FILTERS: dict[str, Q] = {
    MetaSyncState.FAILED: Q(meta_sync_attempts__gte=MAX_ATTEMPTS),
    MetaSyncState.RETRY: Q(meta_sync_attempts__gt=0, meta_sync_attempts__lt=MAX_ATTEMPTS),
    MetaSyncState.PENDING: Q(meta_sync_attempts=0, meta_sync_next_attempt__isnull=False),
    MetaSyncState.HELD: _HELD,
    MetaSyncState.SYNCED: _QUIET & _ELIGIBLE & Q(meta_sync_last_success__isnull=False),
    MetaSyncState.NOT_SYNCED: _QUIET & _ELIGIBLE & Q(meta_sync_last_success__isnull=True),
    MetaSyncState.NOT_ELIGIBLE: _QUIET & ~_ELIGIBLE,
}


def sync_state(product: Product) -> MetaSyncState:
    if product.meta_sync_attempts >= MAX_ATTEMPTS:
        return MetaSyncState.FAILED
    if product.meta_sync_attempts > 0:
        return MetaSyncState.RETRY
    if product.meta_sync_next_attempt is not None:
        return MetaSyncState.PENDING
    if product.meta_sync_last_error:
        return MetaSyncState.HELD
    if not product.is_active or not product.sku:
        return MetaSyncState.NOT_ELIGIBLE
    if product.meta_sync_last_success is not None:
        return MetaSyncState.SYNCED
    return MetaSyncState.NOT_SYNCED


def state_label(product: Product) -> str:
    state = sync_state(product)
    if state == MetaSyncState.RETRY:
        return f"{state.label} ({product.meta_sync_attempts}/{MAX_ATTEMPTS})"
    if state == MetaSyncState.NOT_ELIGIBLE:
        reason = "inactive" if not product.is_active else "no SKU"
        return f"{state.label} ({reason})"
    return str(state.label)
