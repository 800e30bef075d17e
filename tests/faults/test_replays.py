"""Replayed and forged deletes for both native webhooks deactivate no live product.

The stores are the simulators over real HTTP: a delete is applied only when the store,
asked at the moment of applying, no longer lists the product as live.

Before: a WooCommerce delete body sent again with a new delivery id deactivated a product
restored since; a Shopify delete with a forged, unsigned `X-Shopify-Triggered-At: 2030`
deactivated a live product and stamped it 2030, so every genuine update after was "stale".
"""

from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest
import requests
from django.utils import timezone
from rest_framework.test import APIClient

from integrations.models import WebhookLog
from integrations.shopify.models import ShopifyStore
from integrations.webhooks.native import process_delivery
from integrations.woocommerce.models import WooCommerceStore
from products_and_services.models import Product
from tenants.models import Tenant
from tests.webhooks.conftest import SHOPIFY_SECRET, WOO_SECRET, shopify_product, signed_post

pytestmark = [pytest.mark.services, pytest.mark.django_db]
STATUS = WebhookLog.Status


@pytest.fixture
def woo(tenant: Tenant) -> Iterator[tuple[str, WooCommerceStore]]:
    from simulators.base import SimulatorServer
    from simulators.woocommerce import WooCommerceSimulator

    with SimulatorServer(WooCommerceSimulator(products=3, variable_every=0)) as server:
        store = WooCommerceStore.objects.create(
            tenant=tenant,
            store_url=server.url,
            consumer_key="ck_sim",
            consumer_secret="cs_sim",
            currency="EUR",
            webhook_secret=WOO_SECRET,
        )
        yield server.url, store


@pytest.fixture
def shop(tenant: Tenant) -> Iterator[tuple[str, ShopifyStore]]:
    from simulators.base import SimulatorServer
    from simulators.shopify import ShopifySimulator

    with SimulatorServer(ShopifySimulator(products=3)) as server:
        store = ShopifyStore.objects.create(
            tenant=tenant,
            shop_domain=server.url,
            access_token="shpat_sim",
            currency="USD",
            webhook_secret=SHOPIFY_SECRET,
        )
        yield server.url, store


def woo_delivery(store: WooCommerceStore, body: dict[str, Any], topic: str, delivery: str) -> Any:
    response = signed_post(
        APIClient(),
        f"/api/integrations/woocommerce/stores/{store.pk}/webhook/",
        body,
        secret=WOO_SECRET,
        signature_header="X-WC-Webhook-Signature",
        headers={
            "X-WC-Webhook-Topic": topic,
            "X-WC-Webhook-ID": "12",
            "X-WC-Webhook-Delivery-ID": delivery,
        },
    )
    assert response.status_code == 202, response.json()
    return process_delivery(response.json()["delivery"])


def shopify_delivery(
    store: ShopifyStore, body: dict[str, Any], topic: str, webhook_id: str, triggered_at: str
) -> Any:
    response = signed_post(
        APIClient(),
        f"/api/integrations/shopify/stores/{store.pk}/webhook/",
        body,
        secret=SHOPIFY_SECRET,
        signature_header="X-Shopify-Hmac-Sha256",
        headers={
            "X-Shopify-Topic": topic,
            "X-Shopify-Webhook-Id": webhook_id,
            "X-Shopify-Triggered-At": triggered_at,
        },
    )
    assert response.status_code == 202, response.json()
    return process_delivery(response.json()["delivery"])


def test_woo_replayed_delete_leaves_a_restored_product_live(
    woo: tuple[str, WooCommerceStore],
) -> None:
    url, store = woo
    product = requests.get(f"{url}/_sim/products", timeout=5).json()["products"][0]
    pid = product["id"]
    woo_delivery(store, product, "product.updated", "1")
    # Taken off sale in the store, then deleted: the store confirms, the product goes.
    requests.post(f"{url}/_sim/products/{pid}", json={"status": "trash"}, timeout=5)
    deleted = woo_delivery(store, {"id": pid}, "product.deleted", "2")
    assert (deleted.status, deleted.outcome) == (STATUS.SUCCESS, "deactivated")
    # Restored in the store; its restore delivery brings it back.
    restored = requests.post(
        f"{url}/_sim/products/{pid}", json={"status": "publish"}, timeout=5
    ).json()
    woo_delivery(store, restored, "product.restored", "3")
    assert Product.objects.get().is_active is True

    # The same signed delete body, replayed under new delivery ids.
    for delivery in ("4", "5"):
        replay = woo_delivery(store, {"id": pid}, "product.deleted", delivery)
        assert (replay.status, replay.outcome) == (STATUS.STALE, "stale")
    assert Product.objects.get().is_active is True


def test_shopify_forged_or_replayed_delete_leaves_a_live_product_live(
    shop: tuple[str, ShopifyStore],
) -> None:
    url, store = shop
    node = requests.get(f"{url}/_sim/products", timeout=5).json()["products"][0]
    number = int(node["legacyResourceId"])
    body = shopify_product(
        id=number,
        admin_graphql_api_id=node["id"],
        updated_at=(timezone.now() - timedelta(minutes=5)).isoformat(),
    )
    shopify_delivery(store, body, "products/update", "u-1", "2026-11-20T15:00:00Z")
    held = Product.objects.get()

    for webhook_id, header in (("d-1", "2030-01-01T00:00:00Z"), ("d-2", "2026-11-30T00:00:00Z")):
        forged = shopify_delivery(store, {"id": number}, "products/delete", webhook_id, header)
        assert (forged.status, forged.outcome) == (STATUS.STALE, "stale")
    product = Product.objects.get()
    assert (product.is_active, product.external_updated_at) == (True, held.external_updated_at)

    # A genuine delete: gone from the store, the product is deactivated.
    requests.delete(f"{url}/_sim/products/{number}", timeout=5)
    deleted = shopify_delivery(store, {"id": number}, "products/delete", "d-3", "")
    assert (deleted.status, deleted.outcome) == (STATUS.SUCCESS, "deactivated")
    assert Product.objects.get().is_active is False
