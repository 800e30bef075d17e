"""Fixtures for pull tests."""

from datetime import timedelta

import pytest
from django.utils import timezone

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


@pytest.fixture
def zoho_credential(tenant: Tenant) -> ZohoCredential:
    return make_credential(
        tenant, access_token="tok", expires_at=timezone.now() + timedelta(hours=1)
    )
