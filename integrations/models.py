"""Pull-side models: sync runs and the per-run seen set. Provider models live in their packages."""

from django.db import models
from django.db.models import Q

from tenants.models import Tenant

ERROR_CAP = 100


class Provider(models.TextChoices):
    ZOHO = "zoho", "Zoho Inventory"
    WOOCOMMERCE = "woocommerce", "WooCommerce"
    SHOPIFY = "shopify", "Shopify"


class SyncTrigger(models.TextChoices):
    ADMIN = "admin", "Admin"
    API = "api", "API"
    SCHEDULE = "schedule", "Schedule"
    WEBHOOK = "webhook", "Webhook"


class SyncMode(models.TextChoices):
    FULL = "full", "Full"
    INCREMENTAL = "incremental", "Incremental"
    SELECTED = "selected", "Selected items"


class SyncStatus(models.TextChoices):
    QUEUED = "queued", "Queued"
    RUNNING = "running", "Running"
    SUCCEEDED = "succeeded", "Succeeded"
    FAILED = "failed", "Failed"
    PARTIAL = "partial", "Partial (some items failed)"
    CANCELLED = "cancelled", "Cancelled"


ACTIVE_STATUSES = (SyncStatus.QUEUED, SyncStatus.RUNNING)


class SyncRun(models.Model):
    """One pull from one connection; the database allows one queued or running run each."""

    tenant = models.ForeignKey(Tenant, on_delete=models.CASCADE, related_name="sync_runs")
    provider = models.CharField(max_length=20, choices=Provider.choices)
    connection_id = models.PositiveBigIntegerField()
    trigger = models.CharField(max_length=20, choices=SyncTrigger.choices)
    mode = models.CharField(max_length=20, choices=SyncMode.choices, default=SyncMode.FULL)
    status = models.CharField(max_length=20, choices=SyncStatus.choices, default=SyncStatus.QUEUED)
    task_id = models.CharField(max_length=255, blank=True, default="")
    created_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    heartbeat_at = models.DateTimeField(
        null=True, blank=True, help_text="Last sign of life from the worker."
    )
    not_before = models.DateTimeField(
        null=True,
        blank=True,
        help_text="A queued run starts no earlier (a retry's delay); beat sends it again after.",
    )
    total = models.PositiveIntegerField(
        default=0, help_text="Items expected, when the provider says."
    )
    processed = models.PositiveIntegerField(default=0)
    created = models.PositiveIntegerField(default=0)
    updated = models.PositiveIntegerField(default=0)
    unchanged = models.PositiveIntegerField(default=0)
    deactivated = models.PositiveIntegerField(default=0)
    failed = models.PositiveIntegerField(default=0)
    errors = models.JSONField(default=list, blank=True, help_text=f"The first {ERROR_CAP} errors.")
    error_count = models.PositiveIntegerField(default=0)
    message = models.TextField(blank=True, default="", help_text="Why the run failed, if it did.")
    bookmark = models.CharField(
        max_length=64,
        blank=True,
        default="",
        help_text="Upstream modification time reached (ISO 8601).",
    )
    selected_ids = models.JSONField(default=list, blank=True)
    cursor = models.JSONField(
        default=dict,
        blank=True,
        help_text="Where the next chunk resumes (the provider's page, cursor or export).",
    )
    chunks = models.PositiveIntegerField(
        default=0, help_text="Tasks the run has taken so far: a long pull works in slices."
    )

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["provider", "connection_id"],
                condition=Q(status__in=["queued", "running"]),
                name="one_active_run_per_connection",
            )
        ]
        indexes = [
            models.Index(fields=["tenant", "-created_at"], name="syncrun_tenant_recent"),
            models.Index(fields=["provider", "connection_id", "status"], name="syncrun_connection"),
        ]

    def __str__(self) -> str:
        return f"{self.get_provider_display()} {self.get_mode_display().lower()} sync #{self.pk}"

    @property
    def is_active(self) -> bool:
        return self.status in ACTIVE_STATUSES

    @property
    def progress_percent(self) -> int:
        """Done of expected; a run that stopped early never claims 100 %."""
        if self.total:
            return min(100, round(100 * self.processed / self.total))
        return 100 if self.status in (SyncStatus.SUCCEEDED, SyncStatus.PARTIAL) else 0


class SyncSeen(models.Model):
    """External ids one page of a full run saw, so the run can deactivate the rest at its end
    without holding ids in memory (across chunks and workers).

    One row a page, not a row an item: a page's ids are written in one small INSERT and the
    end of the run reads them back as a set in the database.
    """

    run = models.ForeignKey(SyncRun, on_delete=models.CASCADE, related_name="seen")
    external_ids = models.JSONField(default=list)

    def __str__(self) -> str:
        return f"{len(self.external_ids)} ids seen by run {self.run_id}"


class WebhookLog(models.Model):
    """One record per inbound delivery or sync operation, for troubleshooting in the admin.

    Native webhook deliveries are deduplicated by `dedupe_key` (unique per connection), and
    processed from the stored payload, so a failed one can be replayed from the admin.
    """

    class Status(models.TextChoices):
        QUEUED = "queued", "Queued"
        SUCCESS = "success", "Success"
        ERROR = "error", "Error"
        REJECTED = "rejected", "Rejected"
        DUPLICATE = "duplicate", "Duplicate"
        STALE = "stale", "Stale (older than what we hold)"
        IGNORED = "ignored", "Ignored (topic not handled)"

    tenant = models.ForeignKey(
        Tenant, null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    provider = models.CharField(max_length=20, choices=Provider.choices)
    connection_id = models.PositiveBigIntegerField(
        null=True, blank=True, help_text="The store the delivery was addressed to."
    )
    event = models.CharField(max_length=100, help_text="e.g. product_sync, products/update")
    webhook_id = models.CharField(
        max_length=255, blank=True, default="", help_text="The store's webhook (subscription) id."
    )
    delivery_id = models.CharField(max_length=255, blank=True, default="")
    dedupe_key = models.CharField(
        max_length=64,
        blank=True,
        default="",
        help_text="What makes a delivery the same delivery; empty for rejected and duplicates.",
    )
    payload_hash = models.CharField(max_length=64, blank=True, default="")
    status = models.CharField(max_length=20, choices=Status.choices)
    payload = models.JSONField(default=dict, blank=True)
    error = models.TextField(blank=True, default="")
    outcome = models.CharField(
        max_length=20, blank=True, default="", help_text="created, updated, unchanged, …"
    )
    attempts = models.PositiveSmallIntegerField(default=0)
    triggered_at = models.DateTimeField(
        null=True, blank=True, help_text="When the store says the event happened."
    )
    processing_ms = models.PositiveIntegerField(null=True, blank=True)
    received_at = models.DateTimeField(auto_now_add=True, db_index=True)
    processed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-received_at"]
        indexes = [
            models.Index(fields=["provider", "event", "-received_at"], name="webhooklog_recent"),
            models.Index(fields=["status", "received_at"], name="webhooklog_status"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["provider", "connection_id", "dedupe_key"],
                condition=~Q(dedupe_key=""),
                name="uniq_webhook_delivery",
            )
        ]

    def __str__(self) -> str:
        return f"{self.provider} {self.event} ({self.status})"


# Provider connection models live in their packages; Django finds them through this module.
from integrations.shopify.models import ShopifyStore  # noqa: E402
from integrations.webhooks.models import IntegrationToken, WooCommerceEventLog  # noqa: E402
from integrations.woocommerce.models import WooCommerceStore  # noqa: E402
from integrations.zoho.models import ZohoCredential  # noqa: E402

__all__ = [
    "IntegrationToken",
    "Provider",
    "ShopifyStore",
    "SyncMode",
    "SyncRun",
    "SyncSeen",
    "SyncStatus",
    "SyncTrigger",
    "WebhookLog",
    "WooCommerceEventLog",
    "WooCommerceStore",
    "ZohoCredential",
]
