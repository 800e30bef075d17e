"""What the dashboard shows, per tenant: Meta state, each connection, what needs attention.

Queries only; the admin site renders the result. Every function takes the tenant and a
`now`, so tests can pin the clock.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from django.db.models import Count, Max
from django.db.models.functions import TruncDate
from django.urls import reverse
from django.utils import timezone

from integrations.models import Provider, SyncRun, SyncStatus, WebhookLog
from integrations.providers import PROVIDERS
from integrations.schedule import next_scheduled_sync
from integrations.selectors import with_last_run
from meta_integration.models import MetaAppConfig, MetaConfigStatus, MetaPushDay
from meta_integration.status import STATE_FILTERS, MetaSyncState
from products_and_services.models import IdentityClash, Product
from tenants.models import Tenant

CHART_DAYS = 30
ATTENTION_LIMIT = 10
META_STATES = (
    (MetaSyncState.SYNCED, "Synced"),
    (MetaSyncState.PENDING, "Pending"),
    (MetaSyncState.RETRY, "Retrying"),
    (MetaSyncState.FAILED, "Failed"),
)
FAILED_DELIVERY_STATUSES = (WebhookLog.Status.ERROR, WebhookLog.Status.REJECTED)


@dataclass(frozen=True)
class MetaCount:
    state: str
    label: str
    count: int
    url: str


@dataclass(frozen=True)
class MetaSummary:
    counts: list[MetaCount]
    last_success: datetime | None
    config_state: str
    config_level: str  # ok, warning, error
    config_url: str


@dataclass(frozen=True)
class ConnectionRow:
    provider: str
    provider_label: str
    name: str
    is_active: bool
    admin_url: str
    sync_url: str
    last_run: SyncRun | None
    last_run_url: str
    next_run: datetime | None
    next_mode: str


@dataclass(frozen=True)
class AttentionItem:
    kind: str
    text: str
    detail: str
    url: str
    when: datetime | None


@dataclass
class Dashboard:
    tenant: Tenant
    meta: MetaSummary
    connections: list[ConnectionRow]
    attention: list[AttentionItem]
    charts: dict[str, Any] = field(default_factory=dict)


def product_list_url(*, tenant: Tenant, state: str = "") -> str:
    url = reverse("admin:products_and_services_product_changelist")
    query = f"?tenant__id__exact={tenant.pk}"
    return f"{url}{query}&meta_sync={state}" if state else f"{url}{query}"


def meta_summary(*, tenant: Tenant, now: datetime) -> MetaSummary:
    products = Product.objects.filter(tenant=tenant)
    counts = products.aggregate(
        **{state.value: Count("pk", filter=STATE_FILTERS[state]) for state, _ in META_STATES},
        last_success=Max("meta_sync_last_success"),
    )
    config = MetaAppConfig.objects.filter(tenant=tenant, is_active=True).first()
    state, level = _config_state(config, now)
    config_url = (
        reverse("admin:meta_integration_metaappconfig_change", args=[config.pk])
        if config
        else reverse("admin:meta_integration_metaappconfig_add")
    )
    return MetaSummary(
        counts=[
            MetaCount(
                state.value,
                label,
                counts[state.value],
                product_list_url(tenant=tenant, state=state.value),
            )
            for state, label in META_STATES
        ],
        last_success=counts["last_success"],
        config_state=state,
        config_level=level,
        config_url=config_url,
    )


def _config_state(config: MetaAppConfig | None, now: datetime) -> tuple[str, str]:
    if config is None:
        return "No Meta catalog is set up: products are not pushed.", "warning"
    if config.status == MetaConfigStatus.INVALID_TOKEN:
        return (
            f"Token invalid: {config.status_message or 'Meta refused the access token'}.",
            "error",
        )
    # `unreachable_since` arrives with the Meta outage tracking; older schemas lack it.
    unreachable_since = getattr(config, "unreachable_since", None)
    if unreachable_since is not None:
        return f"Meta unreachable since {unreachable_since:%Y-%m-%d %H:%M} UTC.", "error"
    if config.paused_until is not None and config.paused_until > now:
        return (
            f"Meta is throttling this catalog; pushes wait until {config.paused_until:%H:%M} UTC.",
            "warning",
        )
    return f"Connected to catalog {config.catalog_id}.", "ok"


def connection_rows(*, tenant: Tenant, now: datetime) -> list[ConnectionRow]:
    rows: list[ConnectionRow] = []
    for provider in (Provider.ZOHO, Provider.WOOCOMMERCE, Provider.SHOPIFY):
        spec = PROVIDERS[provider]
        model = spec.connection_model
        info = model._meta
        upcoming = next_scheduled_sync(provider=provider, now=now)
        connections = list(
            with_last_run(model.objects.filter(tenant=tenant), provider=provider).order_by("pk")
        )
        # Two queries a provider whatever the number of connections: the list, then its runs.
        runs = SyncRun.objects.in_bulk([c.last_run_pk for c in connections if c.last_run_pk])
        for connection in connections:
            run = runs.get(connection.last_run_pk)
            active = bool(connection.is_active)
            rows.append(
                ConnectionRow(
                    provider=provider,
                    provider_label=spec.label,
                    name=str(connection),
                    is_active=active,
                    admin_url=reverse(
                        f"admin:{info.app_label}_{info.model_name}_change", args=[connection.pk]
                    ),
                    sync_url=reverse(
                        f"admin:{info.app_label}_{info.model_name}_sync_now", args=[connection.pk]
                    ),
                    last_run=run,
                    last_run_url=reverse("admin:integrations_syncrun_change", args=[run.pk])
                    if run
                    else "",
                    next_run=upcoming[0] if upcoming and active else None,
                    next_mode=upcoming[1] if upcoming and active else "",
                )
            )
    return rows


_RETAILER_PREFIX = re.compile(r"^[^:;]{1,80}: ")


def failure_reason(error: str) -> str:
    """A product's error without the retailer id in front, so equal reasons group together."""
    first = error.split("; ")[0]
    return _RETAILER_PREFIX.sub("", first, count=1).strip()[:120] or "Unknown error"


def attention_items(*, tenant: Tenant, now: datetime) -> list[AttentionItem]:
    items: list[AttentionItem] = []
    failed = (
        Product.objects.filter(tenant=tenant)
        .filter(STATE_FILTERS[MetaSyncState.FAILED])
        .order_by("-meta_sync_last_attempt")[:ATTENTION_LIMIT]
    )
    for product in failed:
        items.append(
            AttentionItem(
                "Meta push failed",
                product.name,
                failure_reason(product.meta_sync_last_error),
                reverse("admin:products_and_services_product_change", args=[product.pk]),
                product.meta_sync_last_attempt,
            )
        )
    # Held back from Meta (no currency mapping, no image, …): a reason, no attempt spent.
    held = (
        Product.objects.filter(
            tenant=tenant, meta_sync_attempts=0, meta_sync_next_attempt__isnull=True
        )
        .exclude(meta_sync_last_error="")
        .order_by("-updated_at")[:ATTENTION_LIMIT]
    )
    for product in held:
        items.append(
            AttentionItem(
                "Held back from Meta",
                product.name,
                product.meta_sync_last_error[:200],
                reverse("admin:products_and_services_product_change", args=[product.pk]),
                product.meta_sync_last_attempt,
            )
        )
    # One product may clash on several ids (its SKU and a variant's): people fix products.
    clashing = IdentityClash.objects.filter(tenant=tenant).values("product_id").distinct().count()
    if clashing:
        text = (
            "1 product shares a retailer id with another item and is not pushed"
            if clashing == 1
            else f"{clashing} products share a retailer id with other items and are not pushed"
        )
        items.append(
            AttentionItem(
                "Identity clash",
                text,
                "Give each one its own SKU.",
                reverse("admin:products_and_services_identityclash_changelist")
                + f"?tenant__id__exact={tenant.pk}",
                None,
            )
        )
    since = now - timedelta(days=7)
    runs = SyncRun.objects.filter(
        tenant=tenant, status=SyncStatus.FAILED, created_at__gte=since
    ).order_by("-created_at")[:ATTENTION_LIMIT]
    for run in runs:
        items.append(
            AttentionItem(
                "Sync run failed",
                str(run),
                run.message[:200],
                reverse("admin:integrations_syncrun_change", args=[run.pk]),
                run.finished_at or run.created_at,
            )
        )
    deliveries = (
        WebhookLog.objects.filter(
            tenant=tenant, status__in=FAILED_DELIVERY_STATUSES, received_at__gte=since
        )
        .exclude(event="product_sync")
        .order_by("-received_at")[:ATTENTION_LIMIT]
    )
    for delivery in deliveries:
        items.append(
            AttentionItem(
                "Webhook delivery failed",
                f"{delivery.get_provider_display()} {delivery.event}",
                delivery.error[:200],
                reverse("admin:integrations_webhooklog_change", args=[delivery.pk]),
                delivery.received_at,
            )
        )
    return items


def chart_data(*, tenant: Tenant, now: datetime) -> dict[str, Any]:
    """Per-day series over the last 30 days, and failing items by reason, for Chart.js."""
    start = timezone.localdate(now) - timedelta(days=CHART_DAYS - 1)
    days = [start + timedelta(days=n) for n in range(CHART_DAYS)]
    # Counted when each batch's result is recorded: a product pushed on three days counts on
    # each of them, which its own latest-push time cannot tell.
    pushed = dict(
        MetaPushDay.objects.filter(tenant=tenant, day__gte=start).values_list("day", "products")
    )
    runs: dict[str, dict[Any, int]] = {"ok": {}, "failed": {}}
    for day, status, n in (
        SyncRun.objects.filter(tenant=tenant, created_at__date__gte=start)
        .annotate(day=TruncDate("created_at"))
        .values_list("day", "status")
        .annotate(n=Count("pk"))
        .values_list("day", "status", "n")
    ):
        bucket = "failed" if status == SyncStatus.FAILED else "ok"
        runs[bucket][day] = runs[bucket].get(day, 0) + n
    reasons: dict[str, int] = {}
    # Failed and retrying pushes, and items held back from Meta (their reason, no attempt).
    failing = Product.objects.filter(tenant=tenant).exclude(meta_sync_last_error="")
    for error in failing.values_list("meta_sync_last_error", flat=True).iterator():
        reason = failure_reason(error)
        reasons[reason] = reasons.get(reason, 0) + 1
    top = sorted(reasons.items(), key=lambda item: (-item[1], item[0]))[:8]
    return {
        "days": [f"{day:%b %d}" for day in days],
        "pushed": [pushed.get(day, 0) for day in days],
        "runs_ok": [runs["ok"].get(day, 0) for day in days],
        "runs_failed": [runs["failed"].get(day, 0) for day in days],
        "reasons": [reason for reason, _ in top],
        "reason_counts": [n for _, n in top],
    }


def build_dashboard(*, tenant: Tenant, now: datetime) -> Dashboard:
    return Dashboard(
        tenant=tenant,
        meta=meta_summary(tenant=tenant, now=now),
        connections=connection_rows(tenant=tenant, now=now),
        attention=attention_items(tenant=tenant, now=now),
        charts=chart_data(tenant=tenant, now=now),
    )
