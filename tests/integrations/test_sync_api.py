"""Sync trigger and sync-run endpoints: shape, one run per connection, auth, isolation, audit."""

from collections.abc import Callable
from typing import Any

import pytest
from rest_framework.test import APIClient

from integrations.models import SyncRun
from integrations.zoho.models import ZohoCredential
from tenants.models import AuditLog, Tenant
from tenants.scopes import CATALOG_READ, INTEGRATIONS_MANAGE
from tests.integrations.conftest import make_credential

pytestmark = pytest.mark.django_db
URL = "/v1/catalog/sync/zoho"


def test_trigger_answers_202_with_the_run(
    api: APIClient, zoho_credential: ZohoCredential, tenant: Tenant
) -> None:
    response = api.post(URL, {"mode": "full"}, format="json")
    assert response.status_code == 202
    body = response.json()
    run = SyncRun.objects.get()
    assert body == {
        "status": "accepted",
        "message": "Zoho Inventory sync has been scheduled",
        "task_id": run.task_id,
        "sync_run_id": run.pk,
        "organization_id": "sim-org",
    }
    assert (run.provider, run.connection_id, run.trigger, run.mode, run.status) == (
        "zoho",
        zoho_credential.pk,
        "api",
        "full",
        "queued",
    )
    audit = AuditLog.objects.get(action="zoho_sync_triggered")
    assert audit.tenant == tenant
    assert audit.actor.startswith("api_key:")
    assert audit.metadata["task_id"] == run.task_id
    assert audit.metadata["organization_id"] == "sim-org"


@pytest.mark.parametrize("provider", ["zoho", "woocommerce", "shopify"])
def test_second_trigger_answers_409_with_the_run_in_progress(
    api: APIClient, tenant: Tenant, provider: str
) -> None:
    from integrations.shopify.models import ShopifyStore
    from integrations.woocommerce.models import WooCommerceStore

    connection: Any
    if provider == "zoho":
        connection, identity = make_credential(tenant), {"organization_id": "sim-org"}
    elif provider == "woocommerce":
        connection = WooCommerceStore.objects.create(
            tenant=tenant, store_url="https://w.example.com", consumer_key="k", consumer_secret="s"
        )
        identity = {"store_url": "https://w.example.com"}
    else:
        connection = ShopifyStore.objects.create(
            tenant=tenant, shop_domain="acme.myshopify.com", access_token="shpat_x"
        )
        identity = {"shop_domain": "acme.myshopify.com"}
    url = f"/v1/catalog/sync/{provider}"
    first = api.post(url, format="json")
    assert first.status_code == 202
    second = api.post(url, {"mode": "incremental"}, format="json")
    run = SyncRun.objects.get()
    assert run.task_id != ""
    label = {"zoho": "Zoho Inventory", "woocommerce": "WooCommerce", "shopify": "Shopify"}
    assert (second.status_code, second.json()) == (
        409,
        {
            "status": "already_running",
            "message": f"A {label[provider]} sync is already in progress",
            "task_id": run.task_id,
            "sync_run_id": run.pk,
            **identity,
        },
    )
    assert run.connection_id == connection.pk


def test_no_integration_is_400(api: APIClient) -> None:
    response = api.post(URL, format="json")
    assert response.status_code == 400
    assert response.json() == {
        "detail": "No Zoho Inventory integration is configured for this tenant."
    }
    assert SyncRun.objects.count() == 0


def test_bad_mode_is_400(api: APIClient, zoho_credential: ZohoCredential) -> None:
    response = api.post(URL, {"mode": "everything"}, format="json")
    assert response.status_code == 400
    assert "mode" in response.json()
    assert SyncRun.objects.count() == 0


def test_auth_and_scope(
    client_for: Callable[..., APIClient], tenant: Tenant, zoho_credential: ZohoCredential
) -> None:
    assert APIClient().post(URL).status_code == 401
    bad = APIClient()
    bad.credentials(HTTP_X_TENANT_ID="acme", HTTP_X_TENANT_API_KEY="csk_wrong")
    assert bad.post(URL).status_code == 401
    reader = client_for(tenant, (CATALOG_READ,))
    response = reader.post(URL)
    assert response.status_code == 403
    assert response.json() == {"detail": "This endpoint needs the 'integrations:manage' scope."}
    assert SyncRun.objects.count() == 0
    assert AuditLog.objects.filter(action="zoho_sync_triggered").count() == 0


def test_other_tenants_connection_is_404(
    client_for: Callable[..., APIClient], tenant: Tenant, other_tenant: Tenant
) -> None:
    foreign = make_credential(other_tenant)
    manager = client_for(tenant, (INTEGRATIONS_MANAGE,))
    response = manager.post(URL, {"connection_id": foreign.pk}, format="json")
    assert response.status_code == 404
    assert SyncRun.objects.count() == 0


def test_sync_runs_are_tenant_scoped(
    api: APIClient,
    client_for: Callable[..., APIClient],
    other_tenant: Tenant,
    zoho_credential: ZohoCredential,
) -> None:
    run_id = api.post(URL, format="json").json()["sync_run_id"]
    listing = api.get("/v1/catalog/sync-runs/").json()
    assert [r["id"] for r in listing["results"]] == [run_id]
    detail = api.get(f"/v1/catalog/sync-runs/{run_id}/").json()
    assert (detail["status"], detail["progress_percent"], detail["provider"]) == (
        "queued",
        0,
        "zoho",
    )
    outsider = client_for(other_tenant)
    assert outsider.get(f"/v1/catalog/sync-runs/{run_id}/").status_code == 404
    assert outsider.get("/v1/catalog/sync-runs/").json()["count"] == 0


def test_store_triggers_name_their_store(api: APIClient, tenant: Tenant) -> None:
    from integrations.shopify.models import ShopifyStore
    from integrations.woocommerce.models import WooCommerceStore

    woo = WooCommerceStore.objects.create(
        tenant=tenant, store_url="https://shop.example.com", consumer_key="ck", consumer_secret="cs"
    )
    shop = ShopifyStore.objects.create(
        tenant=tenant, shop_domain="acme.myshopify.com", access_token="shpat_x"
    )
    woo_body = api.post("/v1/catalog/sync/woocommerce", format="json").json()
    assert (woo_body["store_url"], woo_body["message"]) == (
        woo.store_url,
        "WooCommerce sync has been scheduled",
    )
    shop_body = api.post("/v1/catalog/sync/shopify", {"mode": "incremental"}, format="json").json()
    assert (shop_body["shop_domain"], shop_body["status"]) == ("acme.myshopify.com", "accepted")
    assert SyncRun.objects.get(provider="shopify").connection_id == shop.pk
    assert SyncRun.objects.get(provider="shopify").mode == "incremental"
    assert set(AuditLog.objects.values_list("action", flat=True)) == {
        "woocommerce_sync_triggered",
        "shopify_sync_triggered",
        "api_key_created",
    }


def test_several_stores_need_a_connection_id(api: APIClient, tenant: Tenant) -> None:
    from integrations.woocommerce.models import WooCommerceStore

    for n in (1, 2):
        WooCommerceStore.objects.create(
            tenant=tenant,
            store_url=f"https://s{n}.example.com",
            consumer_key="k",
            consumer_secret="s",
        )
    response = api.post("/v1/catalog/sync/woocommerce", format="json")
    assert response.status_code == 400
    assert response.json() == {"connection_id": ["Several connections exist; choose one."]}
    assert SyncRun.objects.count() == 0
