"""Tenants, their API keys and their audit trail."""

import uuid

from django.conf import settings
from django.db import models

from tenants.scopes import SCOPE_CHOICES


class Tenant(models.Model):
    """A merchant; every other row in the system belongs to exactly one."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    name = models.CharField(max_length=200)
    slug = models.SlugField(max_length=100, unique=True)
    is_active = models.BooleanField(default=True)
    members = models.ManyToManyField(
        settings.AUTH_USER_MODEL,
        blank=True,
        related_name="tenants",
        help_text="Staff users who may work on this tenant in the admin and through the API.",
    )
    repair_double_encoded_text = models.BooleanField(
        default=False,
        db_default=False,  # rows written by code (or migrations) that predate the option
        help_text="Repair product text that arrives double-encoded (UTF-8 read as Latin-1, as "
        "from a WordPress database with latin1 tables). Off: such text is only flagged.",
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class TenantApiKey(models.Model):
    """A scoped API key. Only its prefix and SHA-256 hash are stored."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    tenant = models.ForeignKey(Tenant, on_delete=models.CASCADE, related_name="api_keys")
    name = models.CharField(max_length=100)
    prefix = models.CharField(max_length=16, unique=True, editable=False)
    key_hash = models.CharField(max_length=64, editable=False)
    scopes = models.JSONField(
        default=list, help_text="Any of: " + ", ".join(c for c, _ in SCOPE_CHOICES)
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = "API key"

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"

    @property
    def is_revoked(self) -> bool:
        return self.revoked_at is not None


class AuditLog(models.Model):
    """Who did what, for actions that change data or start work."""

    tenant = models.ForeignKey(Tenant, on_delete=models.CASCADE, related_name="audit_logs")
    actor = models.CharField(max_length=200, help_text="user:<username> or api_key:<prefix>")
    action = models.CharField(max_length=100, db_index=True)
    metadata = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["tenant", "-created_at"])]

    def __str__(self) -> str:
        return f"{self.action} by {self.actor}"


class UserPreferences(models.Model):
    """A staff user's own settings for the admin (today: its language)."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="preferences"
    )
    language = models.CharField(
        max_length=10,
        choices=settings.LANGUAGES,
        default="en",
        help_text="The admin's language; Persian (fa) is right to left.",
    )

    class Meta:
        verbose_name = "user preferences"
        verbose_name_plural = "user preferences"

    def __str__(self) -> str:
        return f"{self.user}: {self.language}"
