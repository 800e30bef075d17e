"""Meta status in the product admin, the actions, and the config admin."""

from collections.abc import Callable
from datetime import UTC, datetime, timedelta

import pytest
import responses
import time_machine
from django.test import Client
from django.utils import timezone

from meta_integration.models import MetaAppConfig, MetaParkedRound
from products_and_services.models import Product
from tenants.models import Tenant

pytestmark = pytest.mark.django_db
CHANGELIST = "/admin/products_and_services/product/"


@pytest.fixture
def staff(admin_client: Client) -> Client:
    return admin_client


def set_state(product: Product, **fields: object) -> None:
    Product.objects.filter(pk=product.pk).update(**fields)


def test_status_column_labels(
    staff: Client, tenant: Tenant, make_product: Callable[..., Product]
) -> None:
    now = timezone.now()
    synced = make_product(tenant, name="Synced one")
    retry = make_product(tenant, name="Retry one")
    failed = make_product(tenant, name="Failed one")
    make_product(tenant, name="No sku one", sku="")
    set_state(synced, meta_sync_next_attempt=None, meta_sync_last_success=now)
    set_state(retry, meta_sync_attempts=2, meta_sync_last_error="Invalid price format")
    set_state(failed, meta_sync_attempts=5, meta_sync_next_attempt=None)
    Product.objects.filter(name="No sku one").update(meta_sync_next_attempt=None)
    html = staff.get(CHANGELIST).content.decode()
    assert "✓ Synced" in html
    assert "⚠ Retry pending (2/5)" in html
    assert 'title="Invalid price format"' in html
    assert "✗ Failed (max attempts)" in html
    assert "— Not pushed (no SKU)" in html


def test_status_filter(staff: Client, tenant: Tenant, make_product: Callable[..., Product]) -> None:
    failed = make_product(tenant, name="Broken tent")
    make_product(tenant, name="Fine tent")
    set_state(failed, meta_sync_attempts=5, meta_sync_next_attempt=None)
    html = staff.get(CHANGELIST, {"meta_sync": "failed"}).content.decode()
    assert "Broken tent" in html
    assert "Fine tent" not in html


def test_reset_action(staff: Client, tenant: Tenant, make_product: Callable[..., Product]) -> None:
    product = make_product(tenant)
    set_state(product, meta_sync_attempts=5, meta_sync_last_error="x", meta_sync_next_attempt=None)
    response = staff.post(
        CHANGELIST, {"action": "reset_meta_attempts", "_selected_action": [product.pk]}, follow=True
    )
    assert "Reset 1 product(s)" in response.content.decode()
    row = Product.objects.get(pk=product.pk)
    assert (row.meta_sync_attempts, row.meta_sync_last_error) == (0, "")
    assert row.meta_sync_next_attempt is not None


def test_push_now_forces_resend(
    staff: Client, tenant: Tenant, make_product: Callable[..., Product]
) -> None:
    product = make_product(tenant)
    set_state(product, meta_payload_hash="abc", meta_sync_next_attempt=None)
    staff.post(CHANGELIST, {"action": "push_to_meta_now", "_selected_action": [product.pk]})
    row = Product.objects.get(pk=product.pk)
    assert row.meta_payload_hash == ""
    assert row.meta_sync_next_attempt is not None


def test_product_page_has_sync_fieldset(
    staff: Client, tenant: Tenant, make_product: Callable[..., Product]
) -> None:
    product = make_product(tenant)
    set_state(product, meta_sync_attempts=1, meta_sync_last_error="Bad availability")
    html = staff.get(f"{CHANGELIST}{product.pk}/change/").content.decode()
    assert "Meta Catalog Sync Status" in html
    assert "Bad availability" in html


def test_config_admin_masks_token_and_shows_invalid_reason(
    staff: Client, meta_config: MetaAppConfig
) -> None:
    MetaAppConfig.objects.filter(pk=meta_config.pk).update(
        status="invalid_token", status_message="Meta API error 190: Session has expired"
    )
    html = staff.get(
        f"/admin/meta_integration/metaappconfig/{meta_config.pk}/change/"
    ).content.decode()
    assert "test-token-123456" not in html
    assert "••••••••3456" in html
    assert "Meta API error 190: Session has expired" in html
    listing = staff.get("/admin/meta_integration/metaappconfig/").content.decode()
    assert "Token rejected by Meta" in listing


def test_saving_a_new_token_lifts_the_stop(
    staff: Client, meta_config: MetaAppConfig, tenant: Tenant
) -> None:
    MetaAppConfig.objects.filter(pk=meta_config.pk).update(
        status="invalid_token", status_message="190"
    )
    url = f"/admin/meta_integration/metaappconfig/{meta_config.pk}/change/"
    form = {
        "tenant": tenant.pk,
        "name": "Main catalog",
        "catalog_id": "900100",
        "access_token": "new-token-999",
        "api_version": "v21.0",
        "currency": "USD",
        "default_product_url": "https://shop.example.com/",
        "is_active": "on",
    }
    response = staff.post(url, form)
    assert response.status_code == 302
    config = MetaAppConfig.objects.get(pk=meta_config.pk)
    assert (config.status, config.status_message, config.access_token) == (
        "ok",
        "",
        "new-token-999",
    )


def test_empty_token_field_keeps_the_stored_token(
    staff: Client, meta_config: MetaAppConfig, tenant: Tenant
) -> None:
    url = f"/admin/meta_integration/metaappconfig/{meta_config.pk}/change/"
    form = {
        "tenant": tenant.pk,
        "name": "Renamed",
        "catalog_id": "900100",
        "access_token": "",
        "api_version": "v21.0",
        "currency": "USD",
        "default_product_url": "https://shop.example.com/",
        "is_active": "on",
    }
    assert staff.post(url, form).status_code == 302
    config = MetaAppConfig.objects.get(pk=meta_config.pk)
    assert (config.name, config.access_token) == ("Renamed", "test-token-123456")


@responses.activate
def test_connection_action(staff: Client, meta_config: MetaAppConfig, settings: object) -> None:
    responses.get("http://meta.invalid/v21.0/900100", json={"id": "900100", "name": "Acme shop"})
    response = staff.post(
        "/admin/meta_integration/metaappconfig/",
        {"action": "run_connection_test", "_selected_action": [meta_config.pk]},
        follow=True,
    )
    assert "Connected to catalog &#x27;Acme shop&#x27; (900100)." in response.content.decode()
    responses.replace(
        responses.GET,
        "http://meta.invalid/v21.0/900100",
        status=400,
        json={"error": {"code": 190, "message": "Session has expired", "type": "OAuthException"}},
    )
    response = staff.post(
        "/admin/meta_integration/metaappconfig/",
        {"action": "run_connection_test", "_selected_action": [meta_config.pk]},
        follow=True,
    )
    assert "Meta API error 190: Session has expired" in response.content.decode()
    assert MetaAppConfig.objects.get(pk=meta_config.pk).status == "invalid_token"


def test_the_config_page_shows_batches_meta_is_still_processing(
    staff: Client, tenant: Tenant, meta_config: MetaAppConfig
) -> None:
    page = f"/admin/meta_integration/metaappconfig/{meta_config.pk}/change/"
    assert "Batches Meta is still processing" in staff.get(page).content.decode()
    when = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)
    with time_machine.travel(when, tick=False):
        MetaParkedRound.objects.create(
            tenant=tenant,
            lease=when + timedelta(minutes=7),
            deadline=when + timedelta(minutes=5),
            next_poll_at=when + timedelta(seconds=5),
            state={"plans": [{"pk": 1}, {"pk": 2}], "calls": []},
        )
    html = staff.get(page).content.decode()
    assert (
        "1 batch(es) with 2 product(s), sent 2026-12-01 09:00:00 UTC; checked again from "
        "09:00:05 UTC; treated as an outage after 09:05:00 UTC." in html
    )
