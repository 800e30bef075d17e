"""Fixtures for webhook tests: tokens, stores with webhook secrets, signed requests."""

import json
from collections.abc import Callable
from typing import Any

import pytest
from rest_framework.test import APIClient

from integrations.shopify.models import ShopifyStore
from integrations.webhooks.signatures import body_signature
from integrations.webhooks.tokens import IssuedToken, issue_token
from integrations.woocommerce.models import WooCommerceStore
from tenants.models import Tenant
from tests.e2e.conftest import e2e_meta_config, meta_sim  # noqa: F401  (shared e2e fixtures)
from tests.knowledge.test_knowledge_e2e import embeddings_sim  # noqa: F401

PLUGIN_WEBHOOK = "/api/integrations/woocommerce/webhook/"
PLUGIN_HEALTH = "/api/integrations/woocommerce/health/"
WOO_SECRET = "woo-webhook-secret"
SHOPIFY_SECRET = "shpss_app-secret"


def plugin_store(tenant: Tenant) -> WooCommerceStore:
    """The tenant's first store (made when it has none): WooCommerce tokens are bound to one."""
    store = WooCommerceStore.objects.filter(tenant=tenant).order_by("pk").first()
    return store or WooCommerceStore.objects.create(
        tenant=tenant,
        name="Plugin store",
        store_url=f"https://{tenant.slug}.example.com",
        consumer_key="ck_plugin",
        consumer_secret="cs_plugin",
        currency="USD",
    )


@pytest.fixture
def make_token(db: None) -> Callable[..., IssuedToken]:
    def _make(tenant: Tenant, integration_type: str = "woocommerce", **options: Any) -> IssuedToken:
        if integration_type == "woocommerce" and "store" not in options:
            options["store"] = plugin_store(tenant)
        return issue_token(
            tenant=tenant, integration_type=integration_type, name="plugin", **options
        )

    return _make


@pytest.fixture
def plugin_client(tenant: Tenant, make_token: Callable[..., IssuedToken]) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {make_token(tenant).plain_token}")
    return client


def plugin_event(
    event_id: str = "evt-1", event_type: str = "product.updated", **product: Any
) -> dict[str, Any]:
    body: dict[str, Any] = {
        "id": 414,
        "sku": "SHOE-1",
        "name": "Trail shoe",
        "short_description": "Light",
        "description": "A trail shoe.",
        "price": "85.00",
        "currency": "EUR",
        "stock_quantity": 12,
        "categories": ["Shoes"],
        "tags": ["sport"],
        "image": "https://shop.example.com/shoe.jpg",
        "permalink": "https://shop.example.com/product/trail-shoe/",
    }
    body.update(product)
    return {"event_id": event_id, "event_type": event_type, "product": body}


@pytest.fixture
def woo_hook_store(tenant: Tenant) -> WooCommerceStore:
    return WooCommerceStore.objects.create(
        tenant=tenant,
        store_url="https://shop.example.com",
        consumer_key="ck_x",
        consumer_secret="cs_x",
        currency="EUR",
        webhook_secret=WOO_SECRET,
    )


@pytest.fixture
def shopify_hook_store(tenant: Tenant) -> ShopifyStore:
    return ShopifyStore.objects.create(
        tenant=tenant,
        shop_domain="acme.myshopify.com",
        access_token="shpat_x",
        currency="USD",
        webhook_secret=SHOPIFY_SECRET,
    )


def woo_product(**fields: Any) -> dict[str, Any]:
    """A WooCommerce REST v3 product, as a native webhook sends it."""
    product: dict[str, Any] = {
        "id": 77,
        "name": "Camp stove",
        "type": "simple",
        "status": "publish",
        "sku": "STOVE-1",
        "price": "45.00",
        "regular_price": "45.00",
        "sale_price": "",
        "description": "<p>Boils water fast.</p>",
        "short_description": "Compact",
        "manage_stock": True,
        "stock_quantity": 5,
        "stock_status": "instock",
        "permalink": "https://shop.example.com/product/camp-stove/",
        "categories": [{"id": 9, "name": "Cooking", "slug": "cooking"}],
        "tags": [{"id": 3, "name": "camp", "slug": "camp"}],
        "images": [{"id": 1, "src": "https://shop.example.com/stove.jpg"}],
        "date_modified_gmt": "2026-11-20T10:00:00",
        "variations": [],
    }
    product.update(fields)
    return product


def shopify_product(**fields: Any) -> dict[str, Any]:
    """A Shopify products/update webhook body (REST shape)."""
    product: dict[str, Any] = {
        "id": 632910392,
        "admin_graphql_api_id": "gid://shopify/Product/632910392",
        "title": "IPod Nano",
        "body_html": "<p>It's the small iPod.</p>",
        "vendor": "Apple",
        "product_type": "Cult Products",
        "handle": "ipod-nano",
        "status": "active",
        "tags": "Emotive, Flash Memory",
        "updated_at": "2026-11-20T10:00:00-05:00",
        "options": [{"name": "Color", "position": 1, "values": ["Pink"]}],
        "variants": [
            {
                "id": 808950810,
                "admin_graphql_api_id": "gid://shopify/ProductVariant/808950810",
                "sku": "IPOD2008PINK",
                "price": "199.00",
                "compare_at_price": None,
                "inventory_quantity": 10,
                "inventory_management": "shopify",
                "inventory_policy": "deny",
                "option1": "Pink",
            }
        ],
        "image": {"src": "https://cdn.shopify.com/ipod-nano.png"},
    }
    product.update(fields)
    return product


def signed_post(
    client: Any,
    url: str,
    body: bytes | dict[str, Any],
    *,
    secret: str,
    signature_header: str,
    headers: dict[str, str],
    signature: str | None = None,
) -> Any:
    raw = body if isinstance(body, bytes) else json.dumps(body).encode()
    meta = {f"HTTP_{k.upper().replace('-', '_')}": v for k, v in headers.items()}
    if signature is None:
        signature = body_signature(secret, raw)
    if signature:
        meta[f"HTTP_{signature_header.upper().replace('-', '_')}"] = signature
    return client.post(url, data=raw, content_type="application/json", **meta)
