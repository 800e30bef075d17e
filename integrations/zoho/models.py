"""The Zoho OAuth credential: one per tenant, secrets encrypted, refreshed under a row lock."""

from datetime import datetime, timedelta

from django.db import models
from django.utils import timezone

from common.encryption import EncryptedTextField
from products_and_services.currencies import CODE_MAX_LENGTH, validate_currency
from tenants.models import Tenant

EXPIRY_BUFFER = timedelta(minutes=5)


class ZohoDataCentre(models.TextChoices):
    COM = "com", "United States (.com)"
    EU = "eu", "Europe (.eu)"
    IN = "in", "India (.in)"
    AU = "com.au", "Australia (.com.au)"
    JP = "jp", "Japan (.jp)"
    CA = "ca", "Canada (.ca)"
    CN = "com.cn", "China (.com.cn)"
    SA = "sa", "Saudi Arabia (.sa)"


class CredentialStatus(models.TextChoices):
    OK = "ok", "OK"
    NEEDS_ATTENTION = "needs_attention", "Needs attention"


class ZohoCredential(models.Model):
    tenant = models.OneToOneField(Tenant, on_delete=models.CASCADE, related_name="zoho_credential")
    client_id = models.CharField(max_length=200)
    client_secret = EncryptedTextField()
    refresh_token = EncryptedTextField()
    access_token = EncryptedTextField(blank=True, default="")
    expires_at = models.DateTimeField(null=True, blank=True)
    scope = models.CharField(max_length=200, default="ZohoInventory.items.READ")
    organization_id = models.CharField(max_length=50)
    data_centre = models.CharField(
        max_length=10, choices=ZohoDataCentre.choices, default=ZohoDataCentre.COM
    )
    api_domain = models.URLField(
        blank=True, default="", help_text="Empty: derived from the data centre."
    )
    accounts_url = models.URLField(
        blank=True, default="", help_text="Empty: derived from the data centre."
    )
    currency = models.CharField(
        max_length=CODE_MAX_LENGTH,
        default="USD",
        validators=[validate_currency],
        help_text="The organisation's currency.",
    )
    is_active = models.BooleanField(default=True)
    status = models.CharField(
        max_length=20, choices=CredentialStatus.choices, default=CredentialStatus.OK
    )
    status_message = models.TextField(blank=True, default="")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = "Zoho credential"

    def __str__(self) -> str:
        return f"Zoho Inventory for {self.tenant} (org {self.organization_id})"

    def is_expired(self, now: datetime | None = None) -> bool:
        """True when there is no token or it expires within five minutes."""
        if not self.access_token or self.expires_at is None:
            return True
        return self.expires_at - EXPIRY_BUFFER <= (now or timezone.now())

    @property
    def token_status(self) -> str:
        if not self.access_token:
            return "No token"
        return "Expired" if self.is_expired() else "Valid"

    @property
    def api_base(self) -> str:
        domain = self.api_domain or f"https://www.zohoapis.{self.data_centre}"
        return f"{domain.rstrip('/')}/inventory/v1"

    @property
    def token_url(self) -> str:
        accounts = self.accounts_url or f"https://accounts.zoho.{self.data_centre}"
        return f"{accounts.rstrip('/')}/oauth/v2/token"

    @property
    def connection_key(self) -> str:
        return f"zoho:{self.pk}"
