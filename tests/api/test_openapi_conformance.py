"""schemathesis over every operation of the OpenAPI schema, with valid credentials.

Every check schemathesis has runs: any 5xx, an undocumented status code, a body, content type
or header that disagrees with the schema, a request the schema calls invalid that the API
accepts, or one it calls valid that the API refuses, fails the build. Examples per operation
are bounded (`SCHEMATHESIS_MAX_EXAMPLES`, 10 by default) to keep CI short; set it higher for a
deeper run.

One exception, and only it: a valid-looking request the API refuses (400) for a rule that
OpenAPI 3.0 cannot state: one that depends on stored data or on two fields together
(`STATE_RULES`), a link that is not a web link, and a time-zone offset past ±14:00 (see
`_rules_for`). Any other refusal of schema-valid data still fails.
"""

import os
from typing import Any
from urllib.parse import urlsplit

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.checks import CHECKS as REGISTERED_CHECKS
from schemathesis.checks import CheckContext, load_all_checks, positive_data_acceptance

from config.wsgi import application
from integrations.shopify.models import ShopifyStore
from integrations.webhooks.tokens import issue_token
from integrations.woocommerce.models import WooCommerceStore
from products_and_services.rules import SALE_ABOVE_PRICE
from tenants.models import Tenant
from tenants.scopes import ALL_SCOPES
from tenants.services import issue_api_key
from tests.integrations.conftest import make_credential

MAX_EXAMPLES = int(os.environ.get("SCHEMATHESIS_MAX_EXAMPLES", "10"))

# Refusals of schema-valid requests that depend on stored data or on two fields together:
# a referenced store, variant or image that does not exist, a SKU another product holds, a
# sale price above the price, a sale that ends before it starts, a new image with no URL.
STATE_RULES = (
    "object does not exist.",
    "does not belong to this product.",
    "is already used by",
    "Another product already uses this SKU or external id.",
    SALE_ABOVE_PRICE,
    "The sale must end after it starts.",
    "An image needs a URL.",
)


# `format: uri` (RFC 3986) takes any scheme ("admin:index") and any host length; a product's
# links must be web links (Django's URLValidator: http, https, ftp, ftps, a host DNS allows).
BAD_URL = "Enter a valid URL."
WEB_SCHEMES = {"http", "https", "ftp", "ftps"}
MAX_HOST = 253
# `format: date-time` (RFC 3339) allows offsets to ±23:59; no time zone is past ±14:00, and
# PostgreSQL refuses past ±15:59 (that was a 500), so `updated_since` refuses them.
BAD_OFFSET = "The time-zone offset must be between -14:00 and +14:00."


def _strings(body: Any) -> list[str]:
    if isinstance(body, dict):
        return [s for value in body.values() for s in _strings(value)]
    if isinstance(body, list):
        return [s for value in body for s in _strings(value)]
    return [body] if isinstance(body, str) else []


def _not_a_web_url(text: str) -> bool:
    parts = urlsplit(text)
    return ":" in text and (
        parts.scheme.lower() not in WEB_SCHEMES or len(parts.hostname or "") > MAX_HOST
    )


def _rules_for(case: Any) -> tuple[str, ...]:
    """STATE_RULES, plus the URL and offset refusals when the request holds such a value."""
    rules = STATE_RULES
    if any(_not_a_web_url(s) for s in _strings(case.body)):
        rules += (BAD_URL,)
    if case.query and "updated_since" in case.query:
        rules += (BAD_OFFSET,)
    return rules


def positive_data_acceptance_but_state_rules(ctx: CheckContext, response: Any, case: Any) -> Any:
    """positive_data_acceptance, except a 400 whose every message is one of `_rules_for`."""
    if response.status_code == 400:
        rules = _rules_for(case)
        messages = _strings(response.json())
        if messages and all(any(rule in m for rule in rules) for m in messages):
            return None
    return positive_data_acceptance(ctx, response, case)


load_all_checks()
CHECKS = [
    check if check is not positive_data_acceptance else positive_data_acceptance_but_state_rules
    for check in REGISTERED_CHECKS.get_all()
]


schema = schemathesis.openapi.from_wsgi("/api/schema/", application)


@pytest.fixture
def credentials(transactional_db: None) -> dict[str, str]:
    """A tenant key with every scope, a plugin token bound to a store, and one connection per
    provider, so every sync trigger can start a run."""
    tenant = Tenant.objects.create(slug="conformance", name="Conformance")
    key = issue_api_key(tenant=tenant, name="schemathesis", scopes=list(ALL_SCOPES))
    store = WooCommerceStore.objects.create(
        tenant=tenant,
        store_url="https://conformance.example.com",
        consumer_key="ck",
        consumer_secret="cs",
        currency="EUR",
    )
    make_credential(tenant, base_url="https://zoho.conformance.example.com")
    ShopifyStore.objects.create(
        tenant=tenant, shop_domain="conformance.myshopify.com", access_token="shpat_x"
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
