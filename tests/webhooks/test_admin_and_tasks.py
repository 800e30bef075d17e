"""Admin (token shown once, secrets write-only, replay) and the task policies (retry, sweep)."""

import re
from datetime import timedelta
from typing import Any

import pytest
from celery.exceptions import Retry
from django.db import OperationalError
from django.test import Client
from django.utils import timezone

from integrations.models import WebhookLog
from integrations.shopify.models import ShopifyStore
from integrations.webhooks import tasks
from integrations.webhooks.models import IntegrationToken, WooCommerceEventLog
from integrations.webhooks.tasks import process_woocommerce_product, requeue_pending
from integrations.woocommerce.models import WooCommerceStore
from tenants.models import Tenant
from tenants.services import hash_key
from tests.webhooks.conftest import WOO_SECRET

pytestmark = pytest.mark.django_db


def test_token_admin_shows_the_token_once(admin_client: Client, tenant: Tenant) -> None:
    response = admin_client.post(
        "/admin/integrations/integrationtoken/add/",
        {
            "tenant": tenant.pk,
            "integration_type": "woocommerce",
            "name": "Shop",
            "environment": "live",
        },
        follow=True,
    )
    html = response.content.decode()
    shown = re.search(
        r"not be shown again: <code id=\"cs-new-token\">(wc_sk_live_[A-Za-z0-9]{40})</code>", html
    )
    assert shown is not None
    token = IntegrationToken.objects.get()
    assert token.token_hash == hash_key(shown.group(1))
    change = admin_client.get(
        f"/admin/integrations/integrationtoken/{token.pk}/change/"
    ).content.decode()
    assert shown.group(1) not in change
    assert token.prefix in change


def test_token_admin_revoke_action(admin_client: Client, tenant: Tenant, make_token: Any) -> None:
    issued = make_token(tenant)
    admin_client.post(
        "/admin/integrations/integrationtoken/",
        {"action": "revoke_tokens", "_selected_action": [issued.token.pk]},
    )
    issued.token.refresh_from_db()
    assert issued.token.is_active is False


def test_store_admins_keep_the_webhook_secret_write_only(
    admin_client: Client, woo_hook_store: WooCommerceStore, shopify_hook_store: ShopifyStore
) -> None:
    woo_page = admin_client.get(
        f"/admin/integrations/woocommercestore/{woo_hook_store.pk}/change/"
    ).content.decode()
    assert 'name="webhook_secret"' in woo_page
    assert WOO_SECRET not in woo_page
    shopify_page = admin_client.get(
        f"/admin/integrations/shopifystore/{shopify_hook_store.pk}/change/"
    ).content.decode()
    assert 'name="webhook_secret"' in shopify_page
    assert "shpss_app-secret" not in shopify_page


def test_woo_store_can_be_created_without_a_webhook_secret(
    admin_client: Client, tenant: Tenant
) -> None:
    response = admin_client.post(
        "/admin/integrations/woocommercestore/add/",
        {
            "tenant": tenant.pk,
            "name": "Shop",
            "store_url": "https://shop.example.com",
            "consumer_key": "ck_1",
            "consumer_secret": "cs_1",
            "currency": "EUR",
            "webhook_secret": "",
            "is_active": "on",
        },
    )
    assert response.status_code == 302
    store = WooCommerceStore.objects.get()
    assert (store.consumer_key, store.webhook_secret) == ("ck_1", "")


def _delivery(tenant: Tenant, status: str, **fields: Any) -> WebhookLog:
    return WebhookLog.objects.create(
        tenant=tenant, provider="shopify", event="products/update", status=status, **fields
    )


def test_delivery_replay_action_requeues_only_failed_ones(
    admin_client: Client, tenant: Tenant, django_capture_on_commit_callbacks: Any
) -> None:
    failed = _delivery(tenant, "error", error="boom", dedupe_key="a")
    done = _delivery(tenant, "success", dedupe_key="b")
    with django_capture_on_commit_callbacks() as callbacks:
        response = admin_client.post(
            "/admin/integrations/webhooklog/",
            {"action": "replay", "_selected_action": [failed.pk, done.pk]},
            follow=True,
        )
    assert "Queued 1 delivery(ies) again. 1 were not failed deliveries" in (
        response.content.decode()
    )
    assert len(callbacks) == 1
    failed.refresh_from_db()
    assert (failed.status, failed.error) == ("queued", "")
    done.refresh_from_db()
    assert done.status == "success"


def test_event_replay_action_requeues_failed_events(
    admin_client: Client, tenant: Tenant, django_capture_on_commit_callbacks: Any
) -> None:
    event = WooCommerceEventLog.objects.create(
        tenant=tenant,
        event_id="e",
        event_type="product.updated",
        woo_product_id=1,
        processed_at=timezone.now(),
        outcome="failed",
        error="boom",
    )
    with django_capture_on_commit_callbacks() as callbacks:
        admin_client.post(
            "/admin/integrations/woocommerceeventlog/",
            {"action": "replay", "_selected_action": [event.pk]},
        )
    assert len(callbacks) == 1
    event.refresh_from_db()
    assert (event.processed_at, event.outcome, event.error) == (None, "", "")


def test_sweep_requeues_only_old_unprocessed_rows(
    tenant: Tenant, django_capture_on_commit_callbacks: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    sent: list[tuple[str, int]] = []
    monkeypatch.setattr(tasks, "_enqueue", lambda task, pk: sent.append((task.name, pk)))
    old = timezone.now() - timedelta(minutes=10)
    lost = WooCommerceEventLog.objects.create(
        tenant=tenant, event_id="lost", event_type="product.updated", woo_product_id=1
    )
    WooCommerceEventLog.objects.create(
        tenant=tenant, event_id="fresh", event_type="product.updated", woo_product_id=2
    )
    WooCommerceEventLog.objects.create(
        tenant=tenant,
        event_id="given-up",
        event_type="product.updated",
        woo_product_id=3,
        attempts=tasks.SWEEP_MAX_ATTEMPTS,
    )
    queued = _delivery(tenant, "queued", dedupe_key="q")
    _delivery(tenant, "success", dedupe_key="s")
    WooCommerceEventLog.objects.exclude(event_id="fresh").update(received_at=old)
    WebhookLog.objects.update(received_at=old)
    with django_capture_on_commit_callbacks(execute=True):
        assert requeue_pending() == 2
    assert sent == [
        ("integrations.webhooks.process_woocommerce_product", lost.pk),
        ("integrations.webhooks.process_store_delivery", queued.pk),
    ]


def test_database_errors_retry_and_mapping_errors_do_not(
    tenant: Tenant, monkeypatch: pytest.MonkeyPatch
) -> None:
    event = WooCommerceEventLog.objects.create(
        tenant=tenant, event_id="e", event_type="product.updated", woo_product_id=1
    )

    def broken(pk: int) -> Any:
        raise OperationalError("connection reset")

    monkeypatch.setattr(tasks, "process_event", broken)
    task = process_woocommerce_product
    assert (task.max_retries, task.default_retry_delay) == (3, 30)
    with pytest.raises(Retry) as raised:
        process_woocommerce_product.apply(args=[event.pk], throw=True)
    assert (raised.value.when, str(raised.value.exc)) == (30, "connection reset")
    event.refresh_from_db()
    assert event.processed_at is None  # left for the retry
    monkeypatch.setattr(tasks, "process_event", lambda pk: (_ for _ in ()).throw(KeyError("id")))
    assert process_woocommerce_product.apply(args=[event.pk]).get() == "failed"
    event.refresh_from_db()
    assert (event.outcome, event.processed_successfully) == ("failed", False)
    assert event.error == "Failed: KeyError: 'id'"
