"""Native WooCommerce and Shopify receivers: signature first, dedupe, stale replays, bad input."""

import json
from datetime import timedelta
from decimal import Decimal
from typing import Any

import pytest
import responses
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from rest_framework.test import APIClient

from integrations.models import WebhookLog
from integrations.shopify.models import ShopifyStore
from integrations.webhooks.native import process_delivery
from integrations.woocommerce.models import WooCommerceStore
from products_and_services.models import ExternalSource, Product
from tenants.models import Tenant
from tests.webhooks.conftest import (
    SHOPIFY_SECRET,
    WOO_SECRET,
    shopify_product,
    signed_post,
    woo_product,
)

pytestmark = pytest.mark.django_db

STATUS = WebhookLog.Status


def woo_url(store: WooCommerceStore | int) -> str:
    return f"/api/integrations/woocommerce/stores/{getattr(store, 'pk', store)}/webhook/"


def shopify_url(store: ShopifyStore | int) -> str:
    return f"/api/integrations/shopify/stores/{getattr(store, 'pk', store)}/webhook/"


def post_woo(
    store: WooCommerceStore | int,
    body: bytes | dict[str, Any],
    *,
    topic: str = "product.updated",
    delivery: str = "5001",
    signature: str | None = None,
    secret: str = WOO_SECRET,
) -> Any:
    return signed_post(
        APIClient(),
        woo_url(store),
        body,
        secret=secret,
        signature_header="X-WC-Webhook-Signature",
        signature=signature,
        headers={
            "X-WC-Webhook-Topic": topic,
            "X-WC-Webhook-ID": "12",
            "X-WC-Webhook-Delivery-ID": delivery,
            "X-WC-Webhook-Source": "https://shop.example.com/",
        },
    )


def post_shopify(
    store: ShopifyStore | int,
    body: bytes | dict[str, Any],
    *,
    topic: str = "products/update",
    webhook_id: str = "b54557e4-bdd9-4b37-8a5f-bf7d70bcd043",
    triggered_at: str = "2026-11-20T15:00:00.000Z",
    signature: str | None = None,
    secret: str = SHOPIFY_SECRET,
) -> Any:
    return signed_post(
        APIClient(),
        shopify_url(store),
        body,
        secret=secret,
        signature_header="X-Shopify-Hmac-Sha256",
        signature=signature,
        headers={
            "X-Shopify-Topic": topic,
            "X-Shopify-Webhook-Id": webhook_id,
            "X-Shopify-Triggered-At": triggered_at,
            "X-Shopify-Shop-Domain": "acme.myshopify.com",
        },
    )


def accepted_log(response: Any) -> WebhookLog:
    assert response.status_code == 202, response.json()
    body = response.json()
    assert body["status"] == "accepted"
    return process_delivery(body["delivery"])


def assert_only_rejected(reason: str) -> None:
    """A rejected delivery leaves one log row, without its body, and no product."""
    log = WebhookLog.objects.get()
    assert (log.status, log.error, log.payload, log.dedupe_key) == (STATUS.REJECTED, reason, {}, "")
    assert Product.objects.count() == 0


# --- WooCommerce ---


def test_woo_signed_delivery_is_applied(tenant: Tenant, woo_hook_store: WooCommerceStore) -> None:
    log = accepted_log(post_woo(woo_hook_store, woo_product()))
    assert (log.status, log.outcome, log.event, log.webhook_id, log.delivery_id) == (
        STATUS.SUCCESS,
        "created",
        "product.updated",
        "12",
        "5001",
    )
    assert (log.tenant_id, log.connection_id, log.attempts) == (tenant.pk, woo_hook_store.pk, 1)
    product = Product.objects.get()
    assert (product.external_source, product.external_id, product.external_connection) == (
        ExternalSource.WOOCOMMERCE,
        "woo_77",
        woo_hook_store.connection_key,
    )
    assert (product.name, product.sku, product.price, product.stock_quantity) == (
        "Camp stove",
        "STOVE-1",
        Decimal("45.00"),
        5,
    )
    assert product.currency == "EUR"
    assert product.meta_sync_next_attempt is not None


def test_woo_receiver_does_a_fixed_small_amount_of_work(woo_hook_store: WooCommerceStore) -> None:
    with CaptureQueriesContext(connection) as queries:
        response = post_woo(woo_hook_store, woo_product())
    assert response.status_code == 202
    # the store, then savepoint + insert + release of the log row; mapping waits for the task
    assert len(queries) == 4
    assert Product.objects.count() == 0


def test_woo_bad_signature_gets_401_and_writes_nothing(woo_hook_store: WooCommerceStore) -> None:
    response = post_woo(woo_hook_store, woo_product(), secret="not-the-secret")
    assert response.status_code == 401
    assert response.json() == {"detail": "Invalid or missing webhook signature."}
    assert_only_rejected("Signature does not match.")


def test_woo_missing_signature_gets_401(woo_hook_store: WooCommerceStore) -> None:
    response = post_woo(woo_hook_store, woo_product(), signature="")
    assert response.status_code == 401
    assert_only_rejected("No signature header.")


def test_store_without_secret_rejects_and_says_why(woo_hook_store: WooCommerceStore) -> None:
    WooCommerceStore.objects.filter(pk=woo_hook_store.pk).update(webhook_secret="")
    response = post_woo(woo_hook_store, woo_product(), secret="")
    assert response.status_code == 401
    assert_only_rejected("The store has no webhook secret; set it in the admin.")


def test_woo_activation_ping_gets_200_and_writes_nothing(woo_hook_store: WooCommerceStore) -> None:
    response = APIClient().post(
        woo_url(woo_hook_store),
        data="webhook_id=12",
        content_type="application/x-www-form-urlencoded",
    )
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}
    assert WebhookLog.objects.count() == 0


def test_unknown_or_inactive_store_gets_404_and_writes_nothing(
    woo_hook_store: WooCommerceStore, shopify_hook_store: ShopifyStore
) -> None:
    missing = post_woo(woo_hook_store.pk + 100, woo_product())
    assert missing.status_code == 404
    assert missing.json() == {"detail": "No webhook endpoint here."}
    # A Shopify store's id is not a WooCommerce store.
    assert post_woo(shopify_hook_store.pk + 100, woo_product()).status_code == 404
    assert post_shopify(shopify_hook_store.pk + 100, shopify_product()).status_code == 404
    WooCommerceStore.objects.filter(pk=woo_hook_store.pk).update(is_active=False)
    assert post_woo(woo_hook_store, woo_product()).status_code == 404
    assert WebhookLog.objects.count() == 0
    assert Product.objects.count() == 0


def test_woo_duplicate_delivery_is_processed_once(woo_hook_store: WooCommerceStore) -> None:
    first = post_woo(woo_hook_store, woo_product())
    assert first.status_code == 202
    again = post_woo(woo_hook_store, woo_product())
    assert again.status_code == 200
    assert again.json() == {"status": "duplicate"}
    # The same delivery id with another body is another delivery (ids repeat within a second).
    other = post_woo(woo_hook_store, woo_product(name="Camp stove XL"))
    assert other.status_code == 202
    assert list(WebhookLog.objects.order_by("pk").values_list("status", flat=True)) == [
        STATUS.QUEUED,
        STATUS.DUPLICATE,
        STATUS.QUEUED,
    ]


WOO_PRODUCT_77 = "https://shop.example.com/wp-json/wc/v3/products/77"


def just_after_now() -> str:
    """A modification time a moment from now (clamped to now when stored)."""
    return (timezone.now() + timedelta(seconds=5)).strftime("%Y-%m-%dT%H:%M:%S")


@responses.activate
def test_woo_delete_deactivates_when_the_store_confirms_and_restore_brings_back(
    woo_hook_store: WooCommerceStore,
) -> None:
    responses.get(WOO_PRODUCT_77, status=404, json={"code": "woocommerce_rest_product_invalid_id"})
    accepted_log(post_woo(woo_hook_store, woo_product(), delivery="1"))
    deleted = accepted_log(
        post_woo(woo_hook_store, {"id": 77}, topic="product.deleted", delivery="2")
    )
    assert (deleted.status, deleted.outcome) == (STATUS.SUCCESS, "deactivated")
    assert Product.objects.get().is_active is False
    restored = accepted_log(
        post_woo(
            woo_hook_store,
            woo_product(date_modified_gmt=just_after_now()),
            topic="product.restored",
            delivery="3",
        )
    )
    assert (restored.status, restored.outcome) == (STATUS.SUCCESS, "updated")
    assert Product.objects.get().is_active is True


@responses.activate
def test_woo_replayed_delete_of_a_live_product_changes_nothing(
    woo_hook_store: WooCommerceStore,
) -> None:
    responses.get(WOO_PRODUCT_77, json=woo_product())  # the store still has it, published
    accepted_log(post_woo(woo_hook_store, woo_product(), delivery="1"))
    held = Product.objects.get()
    replay = accepted_log(
        post_woo(woo_hook_store, {"id": 77}, topic="product.deleted", delivery="9")
    )
    assert (replay.status, replay.outcome) == (STATUS.STALE, "stale")
    product = Product.objects.get()
    assert (product.is_active, product.external_updated_at) == (True, held.external_updated_at)
    assert len(responses.calls) == 1


def test_woo_older_delivery_is_marked_stale(woo_hook_store: WooCommerceStore) -> None:
    accepted_log(post_woo(woo_hook_store, woo_product(price="50.00", regular_price="50.00")))
    old = accepted_log(
        post_woo(
            woo_hook_store,
            woo_product(
                price="40.00", regular_price="40.00", date_modified_gmt="2026-11-19T10:00:00"
            ),
            delivery="5002",
        )
    )
    assert (old.status, old.outcome) == (STATUS.STALE, "stale")
    assert Product.objects.get().price == Decimal("50.00")


@responses.activate
def test_woo_variable_product_fetches_its_variations(woo_hook_store: WooCommerceStore) -> None:
    responses.get(
        "https://shop.example.com/wp-json/wc/v3/products/77/variations",
        json=[
            {
                "id": 78,
                "sku": "STOVE-1-S",
                "regular_price": "40.00",
                "sale_price": "",
                "manage_stock": True,
                "stock_quantity": 2,
                "attributes": [{"name": "Size", "option": "S"}],
                "status": "publish",
            }
        ],
        headers={"X-WP-TotalPages": "1", "X-WP-Total": "1"},
    )
    log = accepted_log(post_woo(woo_hook_store, woo_product(type="variable", variations=[78])))
    assert log.status == STATUS.SUCCESS
    variant = Product.objects.get().variants.get()
    assert (variant.external_id, variant.sku, variant.price, variant.options) == (
        "78",
        "STOVE-1-S",
        Decimal("40.00"),
        {"Size": "S"},
    )
    assert len(responses.calls) == 1


def test_unhandled_topic_is_logged_as_ignored(woo_hook_store: WooCommerceStore) -> None:
    response = post_woo(woo_hook_store, {"id": 5}, topic="order.created")
    assert response.status_code == 200
    assert response.json() == {"status": "ignored"}
    log = WebhookLog.objects.get()
    assert (log.status, log.event, log.payload) == (STATUS.IGNORED, "order.created", {})


@pytest.mark.parametrize(
    ("body", "status", "answer"),
    [
        (b'{"id": 77,', 400, {"detail"}),
        (b"[1, 2]", 400, {"detail"}),
        (json.dumps({"name": "no id"}).encode(), 400, {"id"}),
        (json.dumps(woo_product(id="seventy")).encode(), 400, {"id"}),
        (json.dumps(woo_product(regular_price="cheap")).encode(), 400, {"regular_price"}),
        (json.dumps({"id": 77}).encode(), 400, {"name"}),
    ],
    ids=["malformed", "not-object", "missing-id", "id-wrong-type", "price-wrong-type", "no-name"],
)
def test_woo_bad_payload_gets_400_and_writes_only_a_rejected_row(
    woo_hook_store: WooCommerceStore, body: bytes, status: int, answer: set[str]
) -> None:
    response = post_woo(woo_hook_store, body)
    assert response.status_code == status
    assert set(response.json()) == answer
    log = WebhookLog.objects.get()
    assert (log.status, log.payload) == (STATUS.REJECTED, {})
    assert Product.objects.count() == 0


def test_oversized_delivery_gets_413_and_stores_no_body(woo_hook_store: WooCommerceStore) -> None:
    response = post_woo(woo_hook_store, woo_product(description="x" * (1024 * 1024)))
    assert response.status_code == 413
    assert response.json() == {"detail": "Request body is too large.", "max_bytes": 1048576}
    assert WebhookLog.objects.count() == 0
    assert Product.objects.count() == 0


# --- Shopify ---


def test_shopify_signed_delivery_is_applied(
    tenant: Tenant, shopify_hook_store: ShopifyStore
) -> None:
    log = accepted_log(post_shopify(shopify_hook_store, shopify_product()))
    assert (log.status, log.outcome, log.event) == (STATUS.SUCCESS, "created", "products/update")
    product = Product.objects.get()
    assert (product.external_source, product.external_id) == (
        ExternalSource.SHOPIFY,
        "gid://shopify/Product/632910392",
    )
    assert (product.name, product.sku, product.price, product.stock_quantity) == (
        "IPod Nano",
        "IPOD2008PINK",
        Decimal("199.00"),
        10,
    )
    assert (product.brand, product.tags, product.is_active) == (
        "Apple",
        ["Emotive", "Flash Memory"],
        True,
    )
    assert product.description == "It's the small iPod."


def test_shopify_bad_hmac_gets_401_and_writes_nothing(shopify_hook_store: ShopifyStore) -> None:
    response = post_shopify(shopify_hook_store, shopify_product(), secret="wrong")
    assert response.status_code == 401
    assert_only_rejected("Signature does not match.")


def test_shopify_duplicate_webhook_id_is_processed_once(shopify_hook_store: ShopifyStore) -> None:
    assert post_shopify(shopify_hook_store, shopify_product()).status_code == 202
    again = post_shopify(shopify_hook_store, shopify_product(title="Changed"))
    assert (again.status_code, again.json()) == (200, {"status": "duplicate"})
    assert WebhookLog.objects.filter(status=STATUS.QUEUED).count() == 1


def test_shopify_stale_replay_is_ignored(shopify_hook_store: ShopifyStore) -> None:
    accepted_log(
        post_shopify(
            shopify_hook_store,
            shopify_product(title="New title", updated_at="2026-11-20T12:00:00-05:00"),
            webhook_id="new",
        )
    )
    replay = accepted_log(
        post_shopify(
            shopify_hook_store,
            shopify_product(title="Old title", updated_at="2026-11-20T10:00:00-05:00"),
            webhook_id="old",
        )
    )
    assert (replay.status, replay.outcome) == (STATUS.STALE, "stale")
    assert Product.objects.get().name == "New title"


def test_shopify_keeps_the_storefront_url_from_the_pull(shopify_hook_store: ShopifyStore) -> None:
    accepted_log(post_shopify(shopify_hook_store, shopify_product(), webhook_id="1"))
    Product.objects.update(website_url="https://acme.example/products/ipod-nano")
    log = accepted_log(
        post_shopify(
            shopify_hook_store,
            shopify_product(title="IPod Nano 2", updated_at="2026-11-20T11:00:00-05:00"),
            webhook_id="2",
        )
    )
    assert log.outcome == "updated"
    assert Product.objects.get().website_url == "https://acme.example/products/ipod-nano"


def shopify_says(store: ShopifyStore, product: dict[str, Any] | None) -> None:
    responses.post(store.graphql_url, json={"data": {"product": product}})


@responses.activate
def test_shopify_delete_with_a_forged_header_deactivates_nothing(
    shopify_hook_store: ShopifyStore,
) -> None:
    accepted_log(post_shopify(shopify_hook_store, shopify_product(), webhook_id="1"))
    held = Product.objects.get()
    shopify_says(shopify_hook_store, {"id": "gid://shopify/Product/632910392", "status": "ACTIVE"})
    forged = accepted_log(
        post_shopify(
            shopify_hook_store,
            {"id": 632910392},
            topic="products/delete",
            webhook_id="2",
            triggered_at="2030-01-01T00:00:00Z",  # not signed: never believed
        )
    )
    assert (forged.status, forged.outcome) == (STATUS.STALE, "stale")
    product = Product.objects.get()
    assert (product.is_active, product.external_updated_at) == (True, held.external_updated_at)


@responses.activate
def test_shopify_delete_deactivates_when_the_store_confirms(
    shopify_hook_store: ShopifyStore,
) -> None:
    accepted_log(post_shopify(shopify_hook_store, shopify_product(), webhook_id="1"))
    shopify_says(shopify_hook_store, None)
    deleted = accepted_log(
        post_shopify(shopify_hook_store, {"id": 632910392}, topic="products/delete", webhook_id="3")
    )
    assert (deleted.status, deleted.outcome) == (STATUS.SUCCESS, "deactivated")
    product = Product.objects.get()
    assert product.is_active is False
    assert product.external_updated_at <= timezone.now()


def test_future_modification_time_is_stored_as_now(shopify_hook_store: ShopifyStore) -> None:
    before = timezone.now()
    accepted_log(
        post_shopify(shopify_hook_store, shopify_product(updated_at="2030-01-01T00:00:00Z"))
    )
    stamp = Product.objects.get().external_updated_at
    assert before <= stamp <= timezone.now()


def test_old_unpublishing_update_is_refused(shopify_hook_store: ShopifyStore) -> None:
    accepted_log(post_shopify(shopify_hook_store, shopify_product(), webhook_id="1"))
    old = timezone.now() - timedelta(days=4)
    response = post_shopify(
        shopify_hook_store,
        shopify_product(status="draft", updated_at=old.isoformat()),
        webhook_id="2",
    )
    assert response.status_code == 400
    assert "replay" in response.json()["detail"]
    assert Product.objects.get().is_active is True


def test_rejected_rows_are_capped_per_store_and_minute(
    woo_hook_store: WooCommerceStore, settings: Any
) -> None:
    settings.WEBHOOK_REJECTED_LOG_PER_MINUTE = 5
    answers = {
        post_woo(woo_hook_store, woo_product(), signature="forged").status_code for _ in range(12)
    }
    assert answers == {401}
    assert WebhookLog.objects.filter(status=STATUS.REJECTED).count() == 5


@pytest.mark.parametrize(
    ("body", "answer"),
    [
        (b"not json", {"detail"}),
        (json.dumps({"title": "x"}).encode(), {"id"}),
        (json.dumps(shopify_product(id=[1])).encode(), {"id"}),
        (json.dumps(shopify_product(variants=[{"id": 1, "price": "abc"}])).encode(), {"variants"}),
        (json.dumps({"id": 5}).encode(), {"title", "updated_at"}),
    ],
    ids=["malformed", "missing-id", "id-wrong-type", "variant-price", "update-without-fields"],
)
def test_shopify_bad_payload_gets_400(
    shopify_hook_store: ShopifyStore, body: bytes, answer: set[str]
) -> None:
    response = post_shopify(shopify_hook_store, body)
    assert response.status_code == 400
    assert set(response.json()) == answer
    assert WebhookLog.objects.get().status == STATUS.REJECTED
    assert Product.objects.count() == 0


def test_failed_delivery_can_be_replayed(
    tenant: Tenant, shopify_hook_store: ShopifyStore, make_product: Any
) -> None:
    from integrations.webhooks.native import reset_for_replay

    blocker = make_product(tenant, sku="IPOD2008PINK", external_source="zoho", external_id="z1")
    failed = accepted_log(post_shopify(shopify_hook_store, shopify_product()))
    assert failed.status == STATUS.ERROR
    assert "SKU 'IPOD2008PINK' is already used by product" in failed.error
    blocker.delete()
    assert reset_for_replay(WebhookLog.objects.all()) == [failed.pk]
    replayed = process_delivery(failed.pk)
    assert (replayed.status, replayed.outcome, replayed.attempts, replayed.error) == (
        STATUS.SUCCESS,
        "created",
        2,
        "",
    )
    assert Product.objects.get().external_id == "gid://shopify/Product/632910392"
