"""Per-tenant Meta catalog settings and the outbox of pending deletions."""

from django.conf import settings
from django.db import models
from django.db.models import Q

from common.encryption import EncryptedTextField
from products_and_services.currencies import (
    CODE_MAX_LENGTH,
    validate_currency,
    validate_currency_mapping,
)
from tenants.models import Tenant

DEFAULT_GRAPH_API_VERSION = "v21.0"


def default_include_images() -> bool:
    return settings.META_CATALOG_INCLUDE_IMAGES


def default_currency_mapping() -> dict[str, dict[str, str]]:
    """Shop currencies Meta does not take, sent as the ISO currency they count in.

    One toman is ten rials; Persian WooCommerce shops also price in thousands of each.
    """
    return {
        "IRT": {"currency": "IRR", "rate": "10"},
        "IRHT": {"currency": "IRR", "rate": "10000"},
        "IRHR": {"currency": "IRR", "rate": "1000"},
    }


class MetaConfigStatus(models.TextChoices):
    OK = "ok", "OK"
    INVALID_TOKEN = "invalid_token", "Token rejected by Meta"


class MetaAppConfig(models.Model):
    """Where and how a tenant's products are pushed. One active config per tenant."""

    tenant = models.ForeignKey(Tenant, on_delete=models.CASCADE, related_name="meta_configs")
    name = models.CharField(max_length=100, default="Main catalog")
    access_token = EncryptedTextField(help_text="System-user token with catalog_management.")
    catalog_id = models.CharField(max_length=64)
    api_version = models.CharField(max_length=10, default=DEFAULT_GRAPH_API_VERSION)
    currency = models.CharField(
        max_length=CODE_MAX_LENGTH, default="USD", validators=[validate_currency]
    )
    currency_mapping = models.JSONField(
        default=default_currency_mapping,
        blank=True,
        validators=[validate_currency_mapping],
        help_text=(
            'How shop currencies go to Meta: {"IRT": {"currency": "IRR", "rate": "10"}} sends '
            "a price in tomans as ten times as many rials. A product in a currency Meta does "
            "not take, with no entry here, is held back with its reason."
        ),
    )
    default_product_url = models.URLField(
        max_length=1000, help_text="Used as `link` for products without a website URL."
    )
    include_images = models.BooleanField(default=default_include_images)
    is_active = models.BooleanField(default=True)
    status = models.CharField(
        max_length=20, choices=MetaConfigStatus.choices, default=MetaConfigStatus.OK
    )
    status_message = models.TextField(blank=True, default="")
    status_changed_at = models.DateTimeField(null=True, blank=True)
    paused_until = models.DateTimeField(
        null=True, blank=True, help_text="Meta throttled this catalog; pushes wait until then."
    )
    unreachable_since = models.DateTimeField(
        null=True,
        blank=True,
        help_text="Meta has answered with outages (5xx, time-outs, no connection) since then; "
        "pushes resume by themselves, no product spends an attempt.",
    )
    outage_message = models.TextField(blank=True, default="")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = "Meta app config"
        constraints = [
            models.UniqueConstraint(
                fields=["tenant"], condition=Q(is_active=True), name="one_active_meta_config"
            )
        ]

    def __str__(self) -> str:
        return f"{self.tenant} → catalog {self.catalog_id}"

    @property
    def can_push(self) -> bool:
        return self.is_active and self.status == MetaConfigStatus.OK


class MetaDeletion(models.Model):
    """A tombstone: a retailer id Meta must forget, written when its product is deleted."""

    tenant = models.ForeignKey(Tenant, on_delete=models.CASCADE, related_name="meta_deletions")
    retailer_id = models.CharField(max_length=100)
    product_name = models.CharField(max_length=500, blank=True, default="")
    attempts = models.PositiveSmallIntegerField(default=0)
    last_error = models.TextField(blank=True, default="")
    next_attempt = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        indexes = [models.Index(fields=["tenant", "next_attempt"], name="meta_deletion_due")]

    def __str__(self) -> str:
        return f"delete {self.retailer_id}"


class MetaPushDay(models.Model):
    """How many products Meta accepted for a tenant on one day (UTC): the dashboard's chart.

    A product's own fields keep only its latest push, so a count taken from them loses every
    earlier day it was pushed on. Each batch's result recording adds to this row with one
    upsert, whatever the batch size.
    """

    tenant = models.ForeignKey(Tenant, on_delete=models.CASCADE, related_name="meta_push_days")
    day = models.DateField()
    products = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["tenant", "day"], name="one_meta_push_day_per_tenant")
        ]

    def __str__(self) -> str:
        return f"{self.tenant} {self.day}: {self.products} pushed"


class MetaParkedRound(models.Model):
    """A round whose batch Meta was still processing when the worker's short wait ran out.

    Its plans and Meta's answers so far are kept here, and a delayed task polls the batch again
    (`meta_integration.parking`), so no worker sleeps for minutes on a slow batch. Its rows hold
    `lease` until it is settled; the tenant's next flush waits for it.
    """

    tenant = models.ForeignKey(Tenant, on_delete=models.CASCADE, related_name="+")
    lease = models.DateTimeField(help_text="The lease the round's products and tombstones hold.")
    deadline = models.DateTimeField(help_text="After this, Meta is treated as unreachable.")
    next_poll_at = models.DateTimeField()
    polls = models.PositiveIntegerField(default=0)
    state = models.JSONField(help_text="Plans, calls still processing and the outcome so far.")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        indexes = [models.Index(fields=["next_poll_at"], name="meta_parked_round_due")]

    def __str__(self) -> str:
        return f"parked Meta round #{self.pk} of {self.tenant_id}"
