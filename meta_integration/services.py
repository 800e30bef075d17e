"""Admin-facing rules for Meta configs: token changes and the connection test."""

from dataclasses import dataclass

from django.utils import timezone

from meta_integration.client import MetaError, MetaTokenInvalid
from meta_integration.models import MetaAppConfig, MetaConfigStatus
from meta_integration.outbox import schedule_flush
from meta_integration.push import client_for


@dataclass(frozen=True)
class ConnectionResult:
    ok: bool
    message: str


def config_saved(config: MetaAppConfig, *, token_changed: bool) -> None:
    """A new token lifts an 'invalid token' stop; pending pushes resume right away."""
    if token_changed and config.status != MetaConfigStatus.OK:
        MetaAppConfig.objects.filter(pk=config.pk).update(
            status=MetaConfigStatus.OK, status_message="", status_changed_at=timezone.now()
        )
        config.refresh_from_db()
    if config.can_push:
        schedule_flush(config.tenant_id)


def test_connection(config: MetaAppConfig) -> ConnectionResult:
    """Read the catalog with the stored token; a 190 marks the config invalid, as a push would."""
    try:
        catalog = client_for(config).get_catalog(config.catalog_id)
    except MetaTokenInvalid as exc:
        MetaAppConfig.objects.filter(pk=config.pk).update(
            status=MetaConfigStatus.INVALID_TOKEN,
            status_message=exc.message,
            status_changed_at=timezone.now(),
        )
        return ConnectionResult(False, exc.message)
    except MetaError as exc:
        return ConnectionResult(False, exc.message)
    name = catalog.get("name") or catalog.get("id") or config.catalog_id
    return ConnectionResult(True, f"Connected to catalog '{name}' ({config.catalog_id}).")
