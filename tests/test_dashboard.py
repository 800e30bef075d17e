"""The admin home page answers "is my shop in sync?" for one tenant at a time."""

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
from django.contrib.auth import get_user_model
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from dashboard.services import build_dashboard, connection_rows, failure_reason
from integrations.models import SyncRun, WebhookLog
from integrations.schedule import next_scheduled_sync
from integrations.woocommerce.models import WooCommerceStore
from integrations.zoho.models import ZohoCredential
from meta_integration.backoff import MAX_ATTEMPTS
from meta_integration.models import MetaAppConfig, MetaPushDay
from products_and_services.identity import sync_identities
from products_and_services.models import IdentityClash, Product, ProductVariant
from tenants.models import Tenant

pytestmark = pytest.mark.django_db
NOW = datetime(2026, 11, 20, 10, 7, tzinfo=UTC)


@pytest.fixture
def shop(tenant: Tenant, make_product: Callable[..., Product]) -> dict[str, object]:
    synced = [make_product(tenant, name=f"Synced {n}") for n in range(3)]
    Product.objects.filter(pk__in=[p.pk for p in synced]).update(
        meta_sync_last_success=NOW - timedelta(days=1), meta_sync_next_attempt=None
    )
    MetaPushDay.objects.create(tenant=tenant, day=(NOW - timedelta(days=1)).date(), products=3)
    pending = make_product(tenant, name="Pending")
    Product.objects.filter(pk=pending.pk).update(meta_sync_next_attempt=NOW)
    retry = make_product(tenant, name="Retrying")
    Product.objects.filter(pk=retry.pk).update(
        meta_sync_attempts=2,
        meta_sync_last_error="SKU-R: price missing",
        meta_sync_next_attempt=NOW,
    )
    failed = make_product(tenant, name="Broken boots")
    Product.objects.filter(pk=failed.pk).update(
        meta_sync_attempts=MAX_ATTEMPTS,
        meta_sync_last_error="SKU-F: price missing",
        meta_sync_next_attempt=None,
        meta_sync_last_attempt=NOW - timedelta(hours=1),
    )
    MetaAppConfig.objects.create(
        tenant=tenant, catalog_id="cat-1", access_token="t", default_product_url="https://x.test"
    )
    zoho = ZohoCredential.objects.create(
        tenant=tenant, client_id="i", client_secret="s", refresh_token="r", organization_id="o"
    )
    store = WooCommerceStore.objects.create(
        tenant=tenant,
        name="Main shop",
        store_url="https://shop.test",
        consumer_key="k",
        consumer_secret="s",
    )
    run = SyncRun.objects.create(
        tenant=tenant,
        provider="zoho",
        connection_id=zoho.pk,
        trigger="admin",
        status="failed",
        message="HTTP 401 from https://zoho.test: unauthorized",
        processed=40,
        total=100,
    )
    SyncRun.objects.filter(pk=run.pk).update(created_at=NOW - timedelta(hours=2))
    delivery = WebhookLog.objects.create(
        tenant=tenant,
        provider="woocommerce",
        connection_id=store.pk,
        event="product.updated",
        status="rejected",
        error="Signature mismatch",
    )
    WebhookLog.objects.filter(pk=delivery.pk).update(received_at=NOW - timedelta(hours=3))
    return {"zoho": zoho, "store": store, "run": run, "failed": failed}


def test_meta_counts_config_and_last_push(tenant: Tenant, shop: dict[str, object]) -> None:
    board = build_dashboard(tenant=tenant, now=NOW)
    assert [(c.state, c.count) for c in board.meta.counts] == [
        ("synced", 3),
        ("pending", 1),
        ("retry", 1),
        ("failed", 1),
    ]
    assert board.meta.counts[3].url == (
        f"/admin/products_and_services/product/?tenant__id__exact={tenant.pk}&meta_sync=failed"
    )
    assert board.meta.last_success == NOW - timedelta(days=1)
    assert (board.meta.config_state, board.meta.config_level) == (
        "Connected to catalog cat-1.",
        "ok",
    )


def test_meta_unreachable_and_invalid_token_are_said(
    tenant: Tenant, shop: dict[str, object]
) -> None:
    config = MetaAppConfig.objects.get()
    if hasattr(config, "unreachable_since"):
        config.unreachable_since = NOW - timedelta(minutes=30)
        config.save()
        state = build_dashboard(tenant=tenant, now=NOW).meta
        assert (state.config_state, state.config_level) == (
            "Meta unreachable since 2026-11-20 09:37 UTC.",
            "error",
        )
        config.unreachable_since = None
    config.status, config.status_message = "invalid_token", "Session has expired"
    config.save()
    state = build_dashboard(tenant=tenant, now=NOW).meta
    assert (state.config_state, state.config_level) == (
        "Token invalid: Session has expired.",
        "error",
    )


def test_each_connection_with_last_run_and_next_schedule(
    tenant: Tenant, shop: dict[str, object]
) -> None:
    rows = build_dashboard(tenant=tenant, now=NOW).connections
    assert [(r.provider, r.name, r.last_run, r.next_run, r.next_mode) for r in rows] == [
        ("zoho", str(shop["zoho"]), shop["run"], NOW.replace(minute=15), "incremental"),
        (
            "woocommerce",
            "Main shop (https://shop.test)",
            None,
            NOW.replace(minute=30),
            "incremental",
        ),
    ]
    assert rows[1].sync_url == f"/admin/integrations/woocommercestore/{shop['store'].pk}/sync-now/"


def test_connection_rows_take_the_same_queries_for_one_or_many_connections(
    tenant: Tenant, shop: dict[str, object]
) -> None:
    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            connection_rows(tenant=tenant, now=NOW)
        return len(captured)

    def add_store_with_a_run(n: int) -> None:
        store = WooCommerceStore.objects.create(
            tenant=tenant,
            name=f"Shop {n}",
            store_url=f"https://shop{n}.test",
            consumer_key="k",
            consumer_secret="s",
        )
        SyncRun.objects.create(
            tenant=tenant, provider="woocommerce", connection_id=store.pk, trigger="api"
        )

    add_store_with_a_run(0)
    few = queries()
    for n in range(1, 10):
        add_store_with_a_run(n)
    rows = connection_rows(tenant=tenant, now=NOW)
    assert len(rows) == 12
    assert sum(1 for r in rows if r.last_run is not None) == 11
    assert queries() == few


def test_attention_lists_failed_items_runs_and_deliveries(
    tenant: Tenant, shop: dict[str, object]
) -> None:
    items = build_dashboard(tenant=tenant, now=NOW).attention
    assert [(i.kind, i.text, i.detail) for i in items] == [
        ("Meta push failed", "Broken boots", "price missing"),
        ("Sync run failed", str(shop["run"]), "HTTP 401 from https://zoho.test: unauthorized"),
        ("Webhook delivery failed", "WooCommerce product.updated", "Signature mismatch"),
    ]


def test_charts_count_per_day_and_reasons(tenant: Tenant, shop: dict[str, object]) -> None:
    charts = build_dashboard(tenant=tenant, now=NOW).charts
    assert len(charts["days"]) == 30 and charts["days"][-1] == "Nov 20"
    assert charts["pushed"][-2:] == [3, 0] and sum(charts["pushed"]) == 3
    assert (sum(charts["runs_ok"]), charts["runs_failed"][-1]) == (0, 1)
    assert (charts["reasons"], charts["reason_counts"]) == (["price missing"], [2])


def test_failure_reason_drops_the_retailer_id() -> None:
    assert failure_reason("SKU-1: Invalid image; SKU-1-B: other") == "Invalid image"
    assert failure_reason("") == "Unknown error"


def test_next_scheduled_sync_reads_the_beat_schedule() -> None:
    assert next_scheduled_sync(provider="shopify", now=NOW) == (
        NOW.replace(minute=35),
        "incremental",
    )
    late = NOW.replace(hour=23, minute=50)
    assert next_scheduled_sync(provider="zoho", now=late) == (
        late.replace(minute=15) + timedelta(hours=1),
        "incremental",
    )
    assert next_scheduled_sync(provider="nope", now=NOW) is None


def test_the_admin_home_page_is_the_dashboard(tenant: Tenant, shop: dict[str, object]) -> None:
    boss = get_user_model().objects.create_superuser("boss", "b@example.com", "pw-12345678")
    Tenant.objects.create(name="Zeta Goods", slug="zeta")
    client = Client()
    client.force_login(boss)
    page = client.get("/admin/").content.decode()
    assert "Is my shop in sync?" in page
    assert "Meta catalog · Acme Outdoor" in page
    assert "Broken boots" in page and "Main shop" in page
    assert "/static/dashboard/vendor/chart.umd.min.js" in page and "cdn" not in page.lower()
    assert '<option value="zeta"' in page
    chosen = client.get("/admin/?tenant=zeta").content.decode()
    assert "Meta catalog · Zeta Goods" in chosen and "Broken boots" not in chosen


def test_staff_see_only_their_own_tenant(tenant: Tenant, shop: dict[str, object]) -> None:
    other = Tenant.objects.create(name="Zeta Goods", slug="zeta")
    clerk = get_user_model().objects.create_user("clerk", password="pw-12345678", is_staff=True)
    other.members.add(clerk)
    client = Client()
    client.force_login(clerk)
    page = client.get(f"/admin/?tenant={tenant.slug}").content.decode()
    assert "Meta catalog · Zeta Goods" in page
    assert "Broken boots" not in page and "Acme Outdoor" not in page


def test_identity_clashes_are_one_attention_line_counting_products(
    tenant: Tenant, shop: dict[str, object]
) -> None:
    """Data from before the identity rule: three clashing ids on two products, one line."""

    def product(owner: Tenant, name: str, sku: str, variants: tuple[str, ...] = ()) -> Product:
        item = Product.objects.create(tenant=owner, name=name, sku=sku, price=Decimal("1"))
        for variant_sku in variants:
            ProductVariant.objects.create(product=item, sku=variant_sku)
        sync_identities(tenant_id=owner.pk, product_ids=[item.pk], strict=False)
        return item

    product(tenant, "Lamp", "LAMP")
    product(tenant, "Desk", "DESK")
    product(tenant, "Knock", "KNOCK", variants=("LAMP", "DESK"))  # two clashes, one product
    product(tenant, "Mirror", "MIRROR", variants=("LAMP",))
    other = Tenant.objects.create(name="Zeta Goods", slug="zeta")
    product(other, "Zeta lamp", "ZL")
    product(other, "Zeta copy", "ZC", variants=("ZL",))
    assert IdentityClash.objects.filter(tenant=tenant).count() == 3
    clash_lines = [
        i for i in build_dashboard(tenant=tenant, now=NOW).attention if i.kind == "Identity clash"
    ]
    assert [(i.text, i.detail, i.url) for i in clash_lines] == [
        (
            "2 products share a retailer id with other items and are not pushed",
            "Give each one its own SKU.",
            f"/admin/products_and_services/identityclash/?tenant__id__exact={tenant.pk}",
        )
    ]
    other_lines = [i.text for i in build_dashboard(tenant=other, now=NOW).attention]
    assert other_lines == ["1 product shares a retailer id with another item and is not pushed"]
