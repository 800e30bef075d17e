"""Fixtures for pull tests."""

from datetime import timedelta

import pytest
from django.utils import timezone

from integrations.models import SyncRun
from integrations.zoho.models import ZohoCredential
from tenants.models import Tenant


def make_credential(
    tenant: Tenant, base_url: str = "https://zoho.test", **fields: object
) -> ZohoCredential:
    values: dict[str, object] = {
        "client_id": "sim-client",
        "client_secret": "sim-secret",
        "refresh_token": "1000.sim-refresh",
        "organization_id": "sim-org",
        "api_domain": base_url,
        "accounts_url": base_url,
        "currency": "USD",
    }
    values.update(fields)
    return ZohoCredential.objects.create(tenant=tenant, **values)


def other_run(**fields: object) -> SyncRun:
    """Another tenant's Zoho run, queued, then with the fields given (timestamps, chunks, a
    status): the run a chunk may give way to (see `integrations.engine.turns`)."""
    from integrations.engine.runs import start_run

    slug = f"other-{SyncRun.objects.count()}"
    credential = make_credential(Tenant.objects.create(name="Other", slug=slug))
    run, _ = start_run(
        tenant=credential.tenant, provider="zoho", connection_id=credential.pk, trigger="api"
    )
    SyncRun.objects.filter(pk=run.pk).update(**fields)
    run.refresh_from_db()
    return run


@pytest.fixture
def zoho_credential(tenant: Tenant) -> ZohoCredential:
    return make_credential(
        tenant, access_token="tok", expires_at=timezone.now() + timedelta(hours=1)
    )
