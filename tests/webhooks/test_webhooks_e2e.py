"""End to end on PostgreSQL + Redis with a real worker: webhook → task → upsert → Meta simulator."""

from collections.abc import Callable
from decimal import Decimal
from typing import Any

import pytest
from rest_framework.test import APIClient

from integrations.models import WebhookLog
from integrations.shopify.models import ShopifyStore
from integrations.webhooks.models import WooCommerceEventLog
from integrations.webhooks.tokens import IssuedToken
from integrations.woocommerce.models import WooCommerceStore
from knowledge.models import DocumentStatus, KnowledgeDocument
from meta_integration.models import MetaAppConfig
from products_and_services.models import Product
from tenants.models import Tenant
from tests.e2e.conftest import MetaHandle, SimulatorHandle, wait_until
from tests.knowledge.test_knowledge_e2e import embedding_calls
from tests.webhooks.conftest import (
    PLUGIN_WEBHOOK,
    SHOPIFY_SECRET,
    WOO_SECRET,
    plugin_event,
    shopify_product,
    signed_post,
    woo_product,
)

pytestmark = [pytest.mark.e2e, pytest.mark.services]


def processed(event_id: str) -> WooCommerceEventLog | None:
    return WooCommerceEventLog.objects.filter(event_id=event_id, processed_at__isnull=False).first()


def finished(log_pk: int) -> WebhookLog | None:
    return WebhookLog.objects.exclude(status=WebhookLog.Status.QUEUED).filter(pk=log_pk).first()


@pytest.fixture
def plugin(tenant: Tenant, make_token: Callable[..., IssuedToken]) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {make_token(tenant).plain_token}")
    return client


def test_plugin_events_reach_meta_once_and_a_delete_removes_the_item(
    celery_worker: Any,
    tenant: Tenant,
    e2e_meta_config: MetaAppConfig,
    meta_sim: MetaHandle,
    plugin: APIClient,
) -> None:
    created = plugin.post(PLUGIN_WEBHOOK, plugin_event("e1", currency="USD"), format="json")
    assert created.status_code == 202
    item = wait_until(lambda: meta_sim.items().get("SHOE-1"))
    assert (item["title"], item["price"], item["availability"]) == (
        "Trail shoe",
        "85.00 USD",
        "in stock",
    )
    assert wait_until(lambda: processed("e1")).outcome == "created"

    updated = plugin.post(
        PLUGIN_WEBHOOK, plugin_event("e2", currency="USD", price="70.00"), format="json"
    )
    assert updated.status_code == 202
    wait_until(lambda: meta_sim.items()["SHOE-1"]["price"] == "70.00 USD")

    duplicate = plugin.post(
        PLUGIN_WEBHOOK, plugin_event("e2", currency="USD", price="10.00"), format="json"
    )
    assert (duplicate.status_code, duplicate.json()["status"]) == (200, "duplicate")
    assert WooCommerceEventLog.objects.filter(event_id="e2").get().attempts == 1
    assert Product.objects.get().price == Decimal("70.00")

    deleted = plugin.post(
        PLUGIN_WEBHOOK,
        {"event_id": "e3", "event_type": "product.deleted", "product": {"id": 414}},
        format="json",
    )
    assert deleted.status_code == 202
    wait_until(lambda: "SHOE-1" not in meta_sim.items())
    assert wait_until(lambda: processed("e3")).outcome == "deactivated"
    assert Product.objects.get().is_active is False
    assert meta_sim.items() == {}


def test_native_woo_delivery_is_applied_and_a_bad_signature_writes_nothing(
    celery_worker: Any,
    tenant: Tenant,
    e2e_meta_config: MetaAppConfig,
    meta_sim: MetaHandle,
) -> None:
    store = WooCommerceStore.objects.create(
        tenant=tenant,
        store_url="https://shop.example.com",
        consumer_key="ck",
        consumer_secret="cs",
        currency="USD",
        webhook_secret=WOO_SECRET,
    )
    url = f"/api/integrations/woocommerce/stores/{store.pk}/webhook/"
    headers = {"X-WC-Webhook-Topic": "product.updated", "X-WC-Webhook-ID": "3"}
    bad = signed_post(
        APIClient(),
        url,
        woo_product(),
        secret="guess",
        signature_header="X-WC-Webhook-Signature",
        headers={**headers, "X-WC-Webhook-Delivery-ID": "1"},
    )
    assert bad.status_code == 401
    good = signed_post(
        APIClient(),
        url,
        woo_product(),
        secret=WOO_SECRET,
        signature_header="X-WC-Webhook-Signature",
        headers={**headers, "X-WC-Webhook-Delivery-ID": "2"},
    )
    assert good.status_code == 202
    item = wait_until(lambda: meta_sim.items().get("STOVE-1"))
    assert item["price"] == "45.00 USD"
    log = wait_until(lambda: finished(good.json()["delivery"]))
    assert (log.status, log.outcome) == (WebhookLog.Status.SUCCESS, "created")
    assert list(WebhookLog.objects.order_by("pk").values_list("status", flat=True)) == [
        WebhookLog.Status.REJECTED,
        WebhookLog.Status.SUCCESS,
    ]
    assert Product.objects.count() == 1


def test_shopify_hmac_is_checked_and_a_stale_replay_is_ignored(
    celery_worker: Any,
    tenant: Tenant,
    e2e_meta_config: MetaAppConfig,
    meta_sim: MetaHandle,
) -> None:
    store = ShopifyStore.objects.create(
        tenant=tenant,
        shop_domain="acme.myshopify.com",
        access_token="shpat_x",
        currency="USD",
        webhook_secret=SHOPIFY_SECRET,
    )
    url = f"/api/integrations/shopify/stores/{store.pk}/webhook/"

    def deliver(body: dict[str, Any], webhook_id: str, secret: str = SHOPIFY_SECRET) -> Any:
        return signed_post(
            APIClient(),
            url,
            body,
            secret=secret,
            signature_header="X-Shopify-Hmac-Sha256",
            headers={"X-Shopify-Topic": "products/update", "X-Shopify-Webhook-Id": webhook_id},
        )

    assert deliver(shopify_product(), "w0", secret="wrong").status_code == 401
    assert Product.objects.count() == 0
    newer = shopify_product(updated_at="2026-11-20T12:00:00-05:00")
    newer["variants"][0]["price"] = "149.00"
    first = deliver(newer, "w1")
    assert first.status_code == 202
    wait_until(lambda: meta_sim.items().get("IPOD2008PINK", {}).get("price") == "149.00 USD")
    # Shopify retries with the original (older) payload after we already hold a newer one.
    replay = deliver(shopify_product(updated_at="2026-11-20T10:00:00-05:00"), "w-old")
    assert replay.status_code == 202
    log = wait_until(lambda: finished(replay.json()["delivery"]))
    assert (log.status, log.outcome) == (WebhookLog.Status.STALE, "stale")
    assert Product.objects.get().price == Decimal("149.00")
    assert meta_sim.items()["IPOD2008PINK"]["price"] == "149.00 USD"


def test_plugin_price_change_re_embeds_nothing_and_description_change_once(
    celery_worker: Any, tenant: Tenant, embeddings_sim: SimulatorHandle, plugin: APIClient
) -> None:
    def indexed_hash() -> str | None:
        doc = KnowledgeDocument.objects.filter(product__external_id="woo_414").first()
        return doc.indexed_content_hash if doc and doc.status == DocumentStatus.INDEXED else None

    assert plugin.post(PLUGIN_WEBHOOK, plugin_event("k1"), format="json").status_code == 202
    wait_until(indexed_hash)
    assert embedding_calls(embeddings_sim) == 1

    price_only = plugin_event("k2", price="60.00", stock_quantity=3, sale_price="55.00")
    assert plugin.post(PLUGIN_WEBHOOK, price_only, format="json").status_code == 202
    wait_until(
        lambda: (
            KnowledgeDocument.objects.get(product__external_id="woo_414").metadata.get("price")
            == "60.00"
        )
    )
    assert wait_until(lambda: processed("k2")).outcome == "updated"
    assert embedding_calls(embeddings_sim) == 1

    described = plugin_event("k3", price="60.00", description="Now with a waterproof upper.")
    assert plugin.post(PLUGIN_WEBHOOK, described, format="json").status_code == 202
    assert wait_until(lambda: processed("k3")).outcome == "updated"
    wait_until(lambda: indexed_hash() == Product.objects.get().content_hash)
    assert embedding_calls(embeddings_sim) == 2
