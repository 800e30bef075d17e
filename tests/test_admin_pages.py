"""Every admin page a merchant can reach renders: each registered model's list, add and change
pages, with at least one row of the models the integrations create."""

from typing import Any

import pytest
from django.contrib import admin
from django.contrib.auth import get_user_model
from django.test import Client
from django.urls import NoReverseMatch, reverse

from integrations.models import SyncRun, WebhookLog
from integrations.shopify.models import ShopifyStore
from integrations.webhooks.models import WooCommerceEventLog
from integrations.webhooks.tokens import issue_token
from integrations.woocommerce.models import WooCommerceStore
from integrations.zoho.models import ZohoCredential
from knowledge.models import KnowledgeDocument
from meta_integration.models import MetaAppConfig
from tenants.models import Tenant


@pytest.fixture
def staff(db: None, tenant: Tenant, make_product: Any) -> Client:
    user = get_user_model().objects.create_superuser("boss", "boss@example.com", "pw-12345678")
    tenant.members.add(user)
    product = make_product(tenant, name="Lamp", sku="L-1")
    MetaAppConfig.objects.create(tenant=tenant, catalog_id="c1", access_token="tok")
    ZohoCredential.objects.create(
        tenant=tenant, client_id="id", client_secret="s", refresh_token="r", organization_id="o"
    )
    WooCommerceStore.objects.create(
        tenant=tenant, store_url="https://shop.example.com", consumer_key="ck", consumer_secret="cs"
    )
    ShopifyStore.objects.create(
        tenant=tenant, shop_domain="acme.myshopify.com", access_token="shpat_x"
    )
    SyncRun.objects.create(tenant=tenant, provider="zoho", connection_id=1, trigger="admin")
    WebhookLog.objects.create(tenant=tenant, provider="woocommerce", event="product.updated")
    issued = issue_token(tenant=tenant, integration_type="woocommerce", name="Plugin")
    WooCommerceEventLog.objects.create(
        tenant=tenant,
        token=issued.token,
        event_id="e-1",
        event_type="product.updated",
        woo_product_id=1,
        payload={"event_id": "e-1"},
    )
    KnowledgeDocument.objects.create(tenant=tenant, product=product)
    client = Client()
    client.force_login(user)
    return client


def page_urls() -> list[str]:
    """List, add and (for the first row) change page of every registered model."""
    urls = []
    for model in admin.site._registry:
        prefix = f"admin:{model._meta.app_label}_{model._meta.model_name}"
        first = model._default_manager.order_by("pk").first()
        for name, args in (
            ("changelist", []),
            ("add", []),
            ("change", [first.pk] if first else None),
        ):
            if args is None:
                continue
            try:
                urls.append(reverse(f"{prefix}_{name}", args=args))
            except NoReverseMatch:
                continue  # the admin removed that view
    return urls


def test_every_admin_page_renders(staff: Client) -> None:
    urls = page_urls()
    answers = {url: staff.get(url).status_code for url in urls}
    broken = {url: code for url, code in answers.items() if code not in (200, 403)}
    assert broken == {}
    # Logs, runs and tombstones are written by the system, never added by hand.
    assert sorted(url for url, code in answers.items() if code == 403) == [
        "/admin/integrations/syncrun/add/",
        "/admin/integrations/webhooklog/add/",
        "/admin/integrations/woocommerceeventlog/add/",
        "/admin/knowledge/knowledgedocument/add/",
        "/admin/meta_integration/metadeletion/add/",
        "/admin/products_and_services/identityclash/add/",
        "/admin/tenants/auditlog/add/",
    ]
    assert len(answers) == 62  # with the "Merchant staff" group's change page
