"""The plugin webhook: 202 at once, once per event id, bad input refused with nothing written;
processing goes through the engine's upsert."""

import json
import time
from collections.abc import Callable
from decimal import Decimal
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from rest_framework.test import APIClient

from integrations.models import WebhookLog
from integrations.webhooks.models import IntegrationToken, WooCommerceEventLog
from integrations.webhooks.plugin_events import process_event
from integrations.webhooks.tokens import IssuedToken, revoke_token
from integrations.woocommerce.models import WooCommerceStore
from products_and_services.models import ExternalSource, Product
from tenants.models import Tenant
from tests.webhooks.conftest import PLUGIN_HEALTH, PLUGIN_WEBHOOK, plugin_event

pytestmark = pytest.mark.django_db


def post_event(client: APIClient, body: Any) -> Any:
    return client.post(PLUGIN_WEBHOOK, body, format="json")


def assert_nothing_written() -> None:
    assert WooCommerceEventLog.objects.count() == 0
    assert Product.objects.count() == 0
    assert IntegrationToken.objects.filter(usage_count__gt=0).count() == 0
    assert WebhookLog.objects.count() == 0


def accept_and_process(client: APIClient, body: dict[str, Any]) -> WooCommerceEventLog:
    response = post_event(client, body)
    assert response.status_code == 202, response.json()
    return process_event(WooCommerceEventLog.objects.get(event_id=body["event_id"]).pk)


def test_event_is_accepted_with_202_and_stored_once(
    tenant: Tenant, plugin_client: APIClient
) -> None:
    body = plugin_event()
    with CaptureQueriesContext(connection) as queries:
        response = post_event(plugin_client, body)
    assert response.status_code == 202
    assert response.json() == {"status": "accepted", "event_id": "evt-1"}
    # The token lookup and one INSERT … ON CONFLICT DO NOTHING: no savepoint even inside the
    # test's transaction, no SELECT before or after it.
    statements = [query["sql"] for query in queries]
    assert [sql.split()[0] for sql in statements] == ["SELECT", "INSERT"], statements
    assert "ON CONFLICT" in statements[1]
    event = WooCommerceEventLog.objects.get()
    assert (event.tenant_id, event.event_type, event.woo_product_id) == (
        tenant.pk,
        "product.updated",
        414,
    )
    assert event.payload == body
    assert (event.processed_at, event.processed_successfully) == (None, False)
    assert Product.objects.count() == 0  # the work is the task's
    token = IntegrationToken.objects.get()
    assert (token.usage_count, token.last_used_at) == (0, None)  # counted by the task
    process_event(event.pk)
    process_event(event.pk)  # a redelivered task counts nothing more
    token.refresh_from_db()
    assert (token.usage_count, token.last_used_at) == (1, event.received_at)


def test_repeated_event_id_answers_duplicate_and_changes_nothing(
    tenant: Tenant, plugin_client: APIClient, settings: Any
) -> None:
    settings.INTEGRATION_TOKEN_CACHE_SECONDS = 0  # each request looks the token up
    accept_and_process(plugin_client, plugin_event())
    before = Product.objects.get()
    with CaptureQueriesContext(connection) as queries:
        response = post_event(plugin_client, plugin_event(name="Changed name"))
    assert response.status_code == 200
    assert len(queries) == 2  # the token lookup and the INSERT that met the stored event
    assert response.json() == {"status": "duplicate", "event_id": "evt-1"}
    assert WooCommerceEventLog.objects.count() == 1
    after = Product.objects.get()
    assert (after.name, after.updated_at) == (before.name, before.updated_at)


def test_same_event_id_in_another_tenant_is_a_different_event(
    tenant: Tenant, other_tenant: Tenant, plugin_client: APIClient, make_token: Any
) -> None:
    post_event(plugin_client, plugin_event())
    other = APIClient()
    other.credentials(HTTP_AUTHORIZATION=f"Bearer {make_token(other_tenant).plain_token}")
    response = post_event(other, plugin_event())
    assert response.status_code == 202
    assert sorted(WooCommerceEventLog.objects.values_list("tenant__slug", flat=True)) == [
        "acme",
        "globex",
    ]


@pytest.mark.django_db(transaction=True)
def test_with_tasks_run_eagerly_each_event_is_applied_as_its_own_task(
    tenant: Tenant, plugin_client: APIClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    """No Redis list then (nor with the demo's filesystem broker): one task per event."""
    from config.celery import app

    monkeypatch.setitem(app.conf, "task_always_eager", True)
    assert post_event(plugin_client, plugin_event()).status_code == 202
    event = WooCommerceEventLog.objects.get()
    assert (event.outcome, event.attempts) == ("created", 1)


def test_processing_creates_the_product_through_the_engine(
    tenant: Tenant, plugin_client: APIClient
) -> None:
    event = accept_and_process(
        plugin_client, plugin_event(sale_price=79.5, images=["https://shop.example.com/2.jpg"])
    )
    assert (event.processed_successfully, event.outcome, event.error) == (True, "created", "")
    product = Product.objects.get()
    assert event.product_id == product.pk
    assert (product.external_source, product.external_id) == (ExternalSource.WOOCOMMERCE, "woo_414")
    assert (product.name, product.sku, product.price, product.sale_price) == (
        "Trail shoe",
        "SHOE-1",
        Decimal("85.00"),
        Decimal("79.50"),
    )
    assert (product.currency, product.stock_quantity, product.is_active) == ("EUR", 12, True)
    assert (product.categories, product.tags) == (["Shoes"], ["sport"])
    assert product.website_url == "https://shop.example.com/product/trail-shoe/"
    assert [i.url for i in product.images.order_by("position")] == [
        "https://shop.example.com/shoe.jpg",
        "https://shop.example.com/2.jpg",
    ]
    assert product.meta_sync_next_attempt is not None  # marked for the Meta push
    assert product.content_hash != ""


def test_update_lands_in_the_tokens_store_and_adopts_a_manual_sku(
    tenant: Tenant,
    make_token: Callable[..., IssuedToken],
    make_product: Callable[..., Product],
) -> None:
    store = WooCommerceStore.objects.create(
        tenant=tenant,
        store_url="https://shop.example.com",
        consumer_key="ck",
        consumer_secret="cs",
        currency="GBP",
    )
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {make_token(tenant, store=store).plain_token}")
    manual = make_product(tenant, name="Old shoe", sku="SHOE-1")
    event = accept_and_process(client, plugin_event(currency=""))
    assert (event.outcome, event.product_id) == ("updated", manual.pk)
    manual.refresh_from_db()
    assert (manual.name, manual.external_id, manual.external_connection, manual.currency) == (
        "Trail shoe",
        "woo_414",
        store.connection_key,
        "GBP",
    )
    assert Product.objects.count() == 1


def test_older_event_never_overwrites_newer_data(tenant: Tenant, plugin_client: APIClient) -> None:
    accept_and_process(
        plugin_client, plugin_event("new", price="90.00", date_modified_gmt="2026-11-20T10:00:00")
    )
    late = accept_and_process(
        plugin_client, plugin_event("old", price="70.00", date_modified_gmt="2026-11-20T09:00:00")
    )
    assert (late.processed_successfully, late.outcome) == (True, "stale")
    assert Product.objects.get().price == Decimal("90.00")
    newer = accept_and_process(
        plugin_client, plugin_event("newer", price="95.00", occurred_at="2026-11-20T11:00:00Z")
    )
    assert newer.outcome == "updated"
    assert Product.objects.get().price == Decimal("95.00")


def test_delete_deactivates_and_a_restore_reactivates(
    tenant: Tenant, plugin_client: APIClient
) -> None:
    accept_and_process(plugin_client, plugin_event("c"))
    deleted = accept_and_process(
        plugin_client, {"event_id": "d", "event_type": "product.deleted", "product": {"id": 414}}
    )
    assert (deleted.outcome, deleted.processed_successfully) == ("deactivated", True)
    product = Product.objects.get()
    assert (product.is_active, product.external_hash) == (False, "")
    again = accept_and_process(plugin_client, plugin_event("r"))
    assert again.outcome == "updated"
    assert Product.objects.get().is_active is True


def test_delete_of_an_unknown_product_is_recorded_as_such(plugin_client: APIClient) -> None:
    event = accept_and_process(
        plugin_client, {"event_id": "d", "event_type": "product.deleted", "product": {"id": 9}}
    )
    assert (event.outcome, event.processed_successfully) == ("not_found", True)


def test_processing_twice_does_nothing_more(tenant: Tenant, plugin_client: APIClient) -> None:
    event = accept_and_process(plugin_client, plugin_event())
    again = process_event(event.pk)
    assert (again.attempts, again.outcome) == (1, "created")


def test_sku_conflict_fails_the_event_with_a_reason(
    tenant: Tenant, plugin_client: APIClient, make_product: Callable[..., Product]
) -> None:
    make_product(tenant, sku="SHOE-1", external_source="zoho", external_id="z1")
    event = accept_and_process(plugin_client, plugin_event())
    assert (event.processed_successfully, event.outcome) == (False, "failed")
    assert "SKU 'SHOE-1' is already used by product" in event.error


def test_a_variant_holding_the_sku_fails_the_event_with_its_name(
    tenant: Tenant, plugin_client: APIClient, make_product: Callable[..., Product]
) -> None:
    """Issue 10, finding 1: a variant's SKU is an identity too."""
    boots = make_product(tenant, sku="BOOT", name="Boots", variants=[{"sku": "SHOE-1"}])
    event = accept_and_process(plugin_client, plugin_event())
    assert (event.processed_successfully, event.outcome) == (False, "failed")
    assert (
        event.error
        == f"woo_414: SKU 'SHOE-1' is already used by a variant of product #{boots.pk} 'Boots'."
    )
    assert Product.objects.filter(tenant=tenant).count() == 1


# --- bad input: the right status, nothing written ---


@pytest.mark.parametrize(
    ("body", "errors"),
    [
        ({"event_type": "product.updated", "product": {"id": 1, "name": "x"}}, {"event_id"}),
        ({"event_id": "e", "event_type": "product.updated", "product": {"name": "x"}}, {"product"}),
        (plugin_event(id="abc"), {"product"}),
        (plugin_event(price="cheap"), {"product"}),
        (plugin_event(stock_quantity="many"), {"product"}),
        (plugin_event(categories="Shoes"), {"product"}),
        (plugin_event(image=["not", "a string"]), {"product"}),
        (plugin_event(currency="US dollar"), {"product"}),
        (plugin_event(name=""), {"product"}),
        (plugin_event(event_type="product.exploded"), {"event_type"}),
        ({"event_id": "e", "event_type": "product.updated", "product": "414"}, {"product"}),
    ],
    ids=[
        "missing-event-id",
        "missing-product-id",
        "id-not-int",
        "price-not-number",
        "stock-not-int",
        "categories-not-list",
        "image-not-a-string",
        "currency-not-a-code",
        "name-missing-for-update",
        "unknown-event-type",
        "product-not-object",
    ],
)
def test_bad_payload_gets_400_with_field_errors(
    plugin_client: APIClient, body: dict[str, Any], errors: set[str]
) -> None:
    response = post_event(plugin_client, body)
    assert response.status_code == 400
    assert set(response.json()) == errors
    assert_nothing_written()


def test_field_errors_name_the_field(plugin_client: APIClient) -> None:
    response = post_event(plugin_client, plugin_event(id="abc", price="cheap"))
    assert response.json() == {
        "product": {
            "id": ["A valid integer is required."],
            "price": ["Enter a price as a number or a numeric string."],
        }
    }


def test_malformed_json_gets_400(plugin_client: APIClient) -> None:
    response = plugin_client.post(
        PLUGIN_WEBHOOK, data=b'{"event_id": "e",', content_type="application/json"
    )
    assert response.status_code == 400
    assert response.json()["detail"].startswith("JSON parse error")
    not_object = plugin_client.post(PLUGIN_WEBHOOK, data=b"[1]", content_type="application/json")
    assert not_object.status_code == 400
    assert not_object.json() == {"detail": "The body must be a JSON object."}
    assert_nothing_written()


def test_oversized_body_gets_413(plugin_client: APIClient) -> None:
    body = plugin_event(description="x" * (1024 * 1024))
    response = plugin_client.post(
        PLUGIN_WEBHOOK, data=json.dumps(body), content_type="application/json"
    )
    assert response.status_code == 413
    assert response.json() == {"detail": "Request body is too large.", "max_bytes": 1048576}
    assert_nothing_written()


@pytest.mark.parametrize(
    "authorization",
    [
        None,
        "Bearer",
        "Token wc_sk_live_" + "a" * 40,
        "Bearer wc_sk_live_" + "a" * 40,
        "Bearer wc_sk_live_short",
        "Bearer csk_abcdefghij." + "a" * 40,
    ],
    ids=["missing", "empty", "wrong-scheme", "unknown", "malformed", "api-key"],
)
def test_missing_or_bad_token_gets_401(tenant: Tenant, authorization: str | None) -> None:
    client = APIClient()
    if authorization is not None:
        client.credentials(HTTP_AUTHORIZATION=authorization)
    response = post_event(client, plugin_event())
    assert response.status_code == 401
    assert response["WWW-Authenticate"] == 'Bearer realm="catalog-sync"'
    assert set(response.json()) == {"detail"}
    assert client.get(PLUGIN_HEALTH).status_code == 401
    assert_nothing_written()


def test_revoked_token_gets_401(tenant: Tenant, make_token: Callable[..., IssuedToken]) -> None:
    issued = make_token(tenant)
    revoke_token(token=issued.token, actor="test")
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {issued.plain_token}")
    response = post_event(client, plugin_event())
    assert response.status_code == 401
    assert response.json() == {"detail": "Invalid or revoked integration token."}
    assert_nothing_written()


def test_inactive_tenant_token_gets_401(tenant: Tenant, plugin_client: APIClient) -> None:
    Tenant.objects.filter(pk=tenant.pk).update(is_active=False)
    assert post_event(plugin_client, plugin_event()).status_code == 401
    assert_nothing_written()


def test_a_shopify_token_cannot_post_woocommerce_events(
    tenant: Tenant, make_token: Callable[..., IssuedToken]
) -> None:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {make_token(tenant, 'shopify').plain_token}")
    response = post_event(client, plugin_event())
    assert response.status_code == 403
    assert response.json() == {"detail": "This token is not a woocommerce token."}
    assert_nothing_written()


def test_another_tenants_token_writes_only_to_that_tenant(
    tenant: Tenant,
    other_tenant: Tenant,
    make_token: Callable[..., IssuedToken],
    make_product: Callable[..., Product],
) -> None:
    mine = make_product(tenant, sku="SHOE-1", name="Mine")
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {make_token(other_tenant).plain_token}")
    response = post_event(client, plugin_event())
    assert response.status_code == 202
    process_event(WooCommerceEventLog.objects.get().pk)
    mine.refresh_from_db()
    assert (mine.name, mine.external_id) == ("Mine", "")
    assert Product.objects.filter(tenant=other_tenant).get().name == "Trail shoe"
    assert WooCommerceEventLog.objects.filter(tenant=tenant).count() == 0


def test_health_names_the_tenant(tenant: Tenant, plugin_client: APIClient) -> None:
    response = plugin_client.get(PLUGIN_HEALTH)
    assert response.status_code == 200
    assert response.json() == {
        "status": "ok",
        "tenant": "Acme Outdoor",
        "integration_type": "woocommerce",
        "store": "Plugin store (https://acme.example.com)",
    }


def test_a_token_verified_a_moment_ago_costs_no_query(
    tenant: Tenant, plugin_client: APIClient
) -> None:
    assert post_event(plugin_client, plugin_event("evt-a")).status_code == 202
    with CaptureQueriesContext(connection) as queries:
        assert post_event(plugin_client, plugin_event("evt-b")).status_code == 202
    assert len(queries) == 1  # the insert; the token was not looked up


def test_revoking_a_token_in_use_takes_effect_at_once(
    tenant: Tenant, make_token: Callable[..., IssuedToken]
) -> None:
    issued = make_token(tenant)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {issued.plain_token}")
    assert post_event(client, plugin_event("evt-a")).status_code == 202
    revoke_token(token=issued.token, actor="test")
    assert post_event(client, plugin_event("evt-b")).status_code == 401
    assert list(WooCommerceEventLog.objects.values_list("event_id", flat=True)) == ["evt-a"]


@pytest.mark.parametrize(("seconds", "pause", "queries"), [(0, 0, 2), (0.05, 0.1, 2)])
def test_the_token_is_looked_up_again_when_caching_is_off_or_expired(
    tenant: Tenant,
    plugin_client: APIClient,
    settings: Any,
    seconds: float,
    pause: float,
    queries: int,
) -> None:
    settings.INTEGRATION_TOKEN_CACHE_SECONDS = seconds
    assert post_event(plugin_client, plugin_event("evt-a")).status_code == 202
    time.sleep(pause)
    with CaptureQueriesContext(connection) as captured:
        assert post_event(plugin_client, plugin_event("evt-b")).status_code == 202
    assert len(captured) == queries
