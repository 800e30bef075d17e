"""schemathesis over every operation of the OpenAPI schema, with valid credentials.

Any 5xx, an undocumented status code, or a body, content type or header that disagrees
with the schema fails the build. Examples per operation are bounded
(`SCHEMATHESIS_MAX_EXAMPLES`, 10 by default) to keep CI short; set it higher for a deeper run.
"""

import os
from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.checks import (
    content_type_conformance,
    not_a_server_error,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from config.wsgi import application
from integrations.webhooks.tokens import issue_token
from integrations.woocommerce.models import WooCommerceStore
from tenants.models import Tenant
from tenants.scopes import ALL_SCOPES
from tenants.services import issue_api_key

MAX_EXAMPLES = int(os.environ.get("SCHEMATHESIS_MAX_EXAMPLES", "10"))
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
    response_headers_conformance,
]


schema = schemathesis.openapi.from_wsgi("/api/schema/", application)


@pytest.fixture
def credentials(transactional_db: None) -> dict[str, str]:
    """A tenant key with every scope, and a plugin token bound to a store."""
    tenant = Tenant.objects.create(slug="conformance", name="Conformance")
    key = issue_api_key(tenant=tenant, name="schemathesis", scopes=list(ALL_SCOPES))
    store = WooCommerceStore.objects.create(
        tenant=tenant,
        store_url="https://conformance.example.com",
        consumer_key="ck",
        consumer_secret="cs",
        currency="EUR",
    )
    token = issue_token(tenant=tenant, integration_type="woocommerce", name="plugin", store=store)
    return {
        "X-TENANT-ID": str(tenant.pk),
        "X-TENANT-API-KEY": key.plain_key,
        "Authorization": f"Bearer {token.plain_token}",
    }


@pytest.mark.django_db(transaction=True)
@schema.parametrize()
@settings(
    max_examples=MAX_EXAMPLES,
    deadline=None,
    suppress_health_check=list(HealthCheck),
    derandomize=True,
)
def test_api_agrees_with_its_schema(case: Any, credentials: dict[str, str]) -> None:
    case.call_and_validate(headers=credentials, checks=CHECKS)
