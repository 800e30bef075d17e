"""A WooCommerce token is bound to one store: refusal without one, rebinding in API and admin."""

from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client
from rest_framework.test import APIClient

from integrations.webhooks.models import IntegrationToken, WooCommerceEventLog
from integrations.webhooks.plugin_events import process_event
from integrations.webhooks.tokens import IssuedToken, issue_token
from integrations.woocommerce.models import WooCommerceStore
from products_and_services.models import Product
from tenants.models import AuditLog, Tenant
from tests.webhooks.conftest import PLUGIN_HEALTH, PLUGIN_WEBHOOK, plugin_event, plugin_store

pytestmark = pytest.mark.django_db
TOKENS = "/api/v1/integrations/tokens/"
NOT_BOUND = (
    "This token is not bound to a WooCommerce store. Bind it to the store in the admin "
    "(Integration tokens) or with PATCH /api/v1/integrations/tokens/{id}/, then send again."
)


def bearer(token: IssuedToken) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {token.plain_token}")
    return client


def test_a_token_without_a_store_is_refused_with_409_and_nothing_is_stored(
    tenant: Tenant,
) -> None:
    token = issue_token(tenant=tenant, integration_type="woocommerce", name="early")
    assert token.token.store_id is None  # the tenant had no store yet
    client = bearer(token)
    response = client.post(PLUGIN_WEBHOOK, plugin_event(), format="json")
    assert (response.status_code, response.json()) == (409, {"detail": NOT_BOUND})
    assert WooCommerceEventLog.objects.count() == 0
    assert Product.objects.count() == 0
    health = client.get(PLUGIN_HEALTH)
    assert (health.status_code, health.json()) == (409, {"detail": NOT_BOUND})


def test_deleting_the_store_unbinds_its_tokens_and_a_stored_event_fails_with_the_reason(
    tenant: Tenant, make_token: Callable[..., IssuedToken]
) -> None:
    token = make_token(tenant)
    client = bearer(token)
    assert client.post(PLUGIN_WEBHOOK, plugin_event(), format="json").status_code == 202
    WooCommerceStore.objects.get(pk=token.token.store_id).delete()
    event = process_event(WooCommerceEventLog.objects.get().pk)
    assert (event.processed_successfully, event.outcome, event.error) == (
        False,
        "failed",
        NOT_BOUND,
    )
    assert Product.objects.count() == 0
    response = client.post(PLUGIN_WEBHOOK, plugin_event("evt-2"), format="json")
    assert response.status_code == 409


def test_the_api_rebinds_a_token_within_the_tenant_only(
    tenant: Tenant,
    other_tenant: Tenant,
    client_for: Callable[..., APIClient],
    make_token: Callable[..., IssuedToken],
) -> None:
    token = make_token(tenant)
    second = WooCommerceStore.objects.create(
        tenant=tenant, store_url="https://b.example.com", consumer_key="k", consumer_secret="s"
    )
    foreign = plugin_store(other_tenant)
    api = client_for(tenant)
    url = f"{TOKENS}{token.token.pk}/"

    refused = api.patch(url, {"store": foreign.pk}, format="json")
    assert refused.status_code == 400
    assert refused.json() == {"store": [f'Invalid pk "{foreign.pk}" - object does not exist.']}
    assert IntegrationToken.objects.get().store_id != foreign.pk

    moved = api.patch(url, {"store": second.pk}, format="json")
    assert (moved.status_code, moved.json()["store"]) == (200, second.pk)
    assert IntegrationToken.objects.get().store_id == second.pk
    audit = AuditLog.objects.get(action="integration_token_rebound")
    assert audit.metadata == {
        "prefix": token.token.prefix,
        "from_store_id": plugin_store(tenant).pk,
        "to_store_id": second.pk,
    }
    assert api.patch(url, {"store": "x"}, format="json").status_code == 400
    assert api.patch(url, ["not", "an", "object"], format="json").status_code == 400
    other_token = make_token(other_tenant)
    assert api.patch(f"{TOKENS}{other_token.token.pk}/", {"store": second.pk}).status_code == 404


def test_generate_binds_to_a_named_store_and_refuses_one_for_a_shopify_token(
    tenant: Tenant, client_for: Callable[..., APIClient]
) -> None:
    store = plugin_store(tenant)
    api = client_for(tenant)
    body = {"integration_type": "woocommerce", "name": "x", "store": store.pk}
    made = api.post(f"{TOKENS}generate/", body, format="json")
    assert (made.status_code, made.json()["store"]) == (201, store.pk)
    shopify = api.post(f"{TOKENS}generate/", {**body, "integration_type": "shopify"}, format="json")
    assert (shopify.status_code, shopify.json()) == (
        400,
        {"store": ["Only WooCommerce tokens are bound to a store."]},
    )
    assert IntegrationToken.objects.count() == 1


def test_admin_rebinds_a_token_and_refuses_another_tenants_store(
    admin_client: Client,
    tenant: Tenant,
    other_tenant: Tenant,
    make_token: Callable[..., IssuedToken],
) -> None:
    token = make_token(tenant)
    second = WooCommerceStore.objects.create(
        tenant=tenant, store_url="https://b.example.com", consumer_key="k", consumer_secret="s"
    )
    foreign = plugin_store(other_tenant)
    url = f"/admin/integrations/integrationtoken/{token.token.pk}/change/"
    page: Any = admin_client.post(url, {"name": "plugin", "store": foreign.pk})
    assert page.status_code == 200
    assert "That store belongs to another tenant." in page.content.decode()
    assert IntegrationToken.objects.get().store_id == plugin_store(tenant).pk

    saved = admin_client.post(url, {"name": "renamed", "store": second.pk})
    assert saved.status_code == 302
    assert IntegrationToken.objects.values_list("name", "store_id").get() == (
        "renamed",
        second.pk,
    )
    assert AuditLog.objects.filter(action="integration_token_rebound").count() == 1
