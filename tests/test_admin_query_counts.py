"""Every admin list runs the same number of queries for 2 rows as for 20: nothing per row.

Each registered model has a row builder below; a model registered without one fails the test,
so a new admin list is covered from the day it appears.
"""

from collections.abc import Callable
from decimal import Decimal
from typing import Any

import pytest
from django.contrib import admin
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from django_celery_beat.models import (
    ClockedSchedule,
    CrontabSchedule,
    IntervalSchedule,
    PeriodicTask,
    SolarSchedule,
)
from django_celery_results.models import GroupResult, TaskResult

from integrations.models import SyncRun, WebhookLog
from integrations.shopify.models import ShopifyStore
from integrations.woocommerce.models import WooCommerceStore
from integrations.zoho.models import ZohoCredential
from knowledge.models import KnowledgeDocument
from meta_integration.models import MetaAppConfig, MetaDeletion
from products_and_services.models import IdentityClash, Product
from products_and_services.services import create_product
from tenants.models import Tenant
from tenants.scopes import ALL_SCOPES
from tenants.services import create_tenant, issue_api_key, record_audit
from tenants.staff_group import MERCHANT_STAFF
from tests.list_rows import plugin_event, plugin_token

SMALL, LARGE = 2, 20

Builder = Callable[[Tenant, int], object]


def _product(tenant: Tenant, n: int, **fields: Any) -> Product:
    return create_product(
        tenant=tenant,
        fields={"name": f"Item {n}", "sku": f"Q-{n}", "price": Decimal("9.50"), **fields},
        variants=[{"sku": f"Q-{n}-S", "options": {"Size": "S"}}],
        images=[{"url": f"https://img.example.com/q/{n}.jpg"}],
    )


def _own_tenant(tenant: Tenant, n: int) -> Tenant:
    """Models allowing one row per tenant get a tenant of their own per row, with the same
    members as `tenant`."""
    own = create_tenant(name=f"Row tenant {n}", slug=f"row-{n}")
    own.members.add(*tenant.members.all())
    return own


def _zoho(tenant: Tenant, n: int) -> None:
    credential = ZohoCredential.objects.create(
        tenant=_own_tenant(tenant, n),
        client_id="id",
        client_secret="s",
        refresh_token="r",
        organization_id=f"org-{n}",
    )
    _runs(credential.tenant, "zoho", credential.pk)


def _woo(tenant: Tenant, n: int) -> None:
    store = WooCommerceStore.objects.create(
        tenant=tenant,
        name=f"Shop {n}",
        store_url=f"https://shop{n}.example.com",
        consumer_key="ck",
        consumer_secret="cs",
    )
    _runs(tenant, "woocommerce", store.pk)


def _shopify(tenant: Tenant, n: int) -> None:
    store = ShopifyStore.objects.create(
        tenant=tenant, shop_domain=f"shop{n}.myshopify.com", access_token="shpat_x"
    )
    _runs(tenant, "shopify", store.pk)


def _runs(tenant: Tenant, provider: str, connection_id: int) -> None:
    """Two runs per connection, so the list must pick the latest of several."""
    for status in ("failed", "succeeded"):
        SyncRun.objects.create(
            tenant=tenant,
            provider=provider,
            connection_id=connection_id,
            trigger="admin",
            status=status,
        )


def _clash(tenant: Tenant, n: int) -> None:
    product = _product(tenant, n)
    IdentityClash.objects.create(
        tenant=tenant,
        retailer_id=f"Q-{n}",
        product=product,
        variant=product.variants.first(),
        held_by="another item",
    )


def _user(tenant: Tenant, n: int) -> None:
    user = get_user_model().objects.create_user(f"clerk{n}", f"c{n}@example.com", is_staff=True)
    user.groups.add(Group.objects.get(name=MERCHANT_STAFF))
    tenant.members.add(user)


def _periodic_task(tenant: Tenant, n: int) -> None:
    PeriodicTask.objects.create(
        name=f"task {n}",
        task="integrations.tasks.scheduled_sync",
        interval=IntervalSchedule.objects.create(every=n + 1, period=IntervalSchedule.MINUTES),
        crontab=None,
    )


BUILDERS: dict[str, Builder] = {
    "auth.Group": lambda t, n: Group.objects.create(name=f"Group {n}"),
    "auth.User": _user,
    "tenants.Tenant": lambda t, n: _own_tenant(t, n),
    "tenants.TenantApiKey": lambda t, n: issue_api_key(
        tenant=t, name=f"key {n}", scopes=list(ALL_SCOPES)
    ),
    "tenants.AuditLog": lambda t, n: record_audit(
        tenant=t, actor="user:boss", action="product_created", metadata={"n": n}
    ),
    "products_and_services.IdentityClash": _clash,
    "products_and_services.Product": _product,
    "meta_integration.MetaAppConfig": lambda t, n: MetaAppConfig.objects.create(
        tenant=_own_tenant(t, n), catalog_id=f"c{n}", access_token="tok"
    ),
    "meta_integration.MetaDeletion": lambda t, n: MetaDeletion.objects.create(
        tenant=t, retailer_id=f"gone-{n}", product_name=f"Gone {n}"
    ),
    "integrations.SyncRun": lambda t, n: _runs(t, "zoho", n),
    "integrations.ZohoCredential": _zoho,
    "integrations.WooCommerceStore": _woo,
    "integrations.ShopifyStore": _shopify,
    "integrations.IntegrationToken": plugin_token,
    "integrations.WooCommerceEventLog": plugin_event,
    "integrations.WebhookLog": lambda t, n: WebhookLog.objects.create(
        tenant=t, provider="woocommerce", event="product.updated", delivery_id=f"d-{n}"
    ),
    "knowledge.KnowledgeDocument": lambda t, n: KnowledgeDocument.objects.get_or_create(
        tenant=t, product=_product(t, n)
    ),
    "django_celery_beat.PeriodicTask": _periodic_task,
    "django_celery_beat.ClockedSchedule": lambda t, n: ClockedSchedule.objects.create(
        clocked_time=timezone.now()
    ),
    "django_celery_beat.CrontabSchedule": lambda t, n: CrontabSchedule.objects.create(
        minute=str(n % 60)
    ),
    "django_celery_beat.SolarSchedule": lambda t, n: SolarSchedule.objects.create(
        event="sunrise", latitude=Decimal(n % 80), longitude=Decimal(n % 170)
    ),
    "django_celery_beat.IntervalSchedule": lambda t, n: IntervalSchedule.objects.create(
        every=n + 1, period=IntervalSchedule.SECONDS
    ),
    "django_celery_results.TaskResult": lambda t, n: TaskResult.objects.create(
        task_id=f"t-{n}", task_name="integrations.tasks.run_sync", status="SUCCESS"
    ),
    "django_celery_results.GroupResult": lambda t, n: GroupResult.objects.create(group_id=f"g-{n}"),
}


def registered() -> list[str]:
    return sorted(model._meta.label for model in admin.site._registry)


def test_every_registered_admin_model_has_a_row_builder() -> None:
    assert sorted(BUILDERS) == registered()


def _changelist(label: str) -> str:
    app_label, model_name = label.lower().split(".")
    return reverse(f"admin:{app_label}_{model_name}_changelist")


def _count(client: Client, url: str) -> tuple[int, int] | None:
    """(queries run, rows shown) for one list page; None when the user may not open it."""
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    if response.status_code == 403:
        return None
    assert response.status_code == 200, url
    return len(queries), len(response.context["cl"].result_list)


def _clients(tenant: Tenant) -> dict[str, Client]:
    boss = get_user_model().objects.create_superuser("boss", "boss@example.com", "pw-12345678")
    clerk = get_user_model().objects.create_user("staff", password="pw-12345678", is_staff=True)
    clerk.groups.add(Group.objects.get(name=MERCHANT_STAFF))
    for user in (boss, clerk):
        tenant.members.add(user)
    clients = {"superuser": Client(), "merchant staff": Client()}
    clients["superuser"].force_login(boss)
    clients["merchant staff"].force_login(clerk)
    return clients


@pytest.mark.django_db
@pytest.mark.parametrize("label", registered())
def test_admin_list_queries_do_not_grow_with_rows(label: str, tenant: Tenant) -> None:
    build = BUILDERS[label]
    clients = _clients(tenant)
    url = _changelist(label)
    for n in range(SMALL):
        build(tenant, n + 1)
    small = {who: _count(client, url) for who, client in clients.items()}
    for n in range(SMALL, LARGE):
        build(tenant, n + 1)
    large = {who: _count(client, url) for who, client in clients.items()}
    assert small["superuser"] is not None
    for who in clients:
        if small[who] is None:
            assert large[who] is None
            continue  # staff may not open this list (Celery's tables, users, tenants)
        assert large[who][1] >= LARGE, (who, large[who])
        assert large[who][0] == small[who][0], (who, small[who], large[who])


@pytest.mark.django_db
def test_connection_lists_show_each_connections_latest_run(tenant: Tenant) -> None:
    """The annotation that keeps the list constant still names the newest run per row."""
    client = _clients(tenant)["superuser"]
    _woo(tenant, 1)
    idle = WooCommerceStore.objects.create(
        tenant=tenant, name="Idle", store_url="https://idle.example.com", consumer_key="k"
    )
    latest = SyncRun.objects.filter(provider="woocommerce").order_by("-created_at", "-pk")[0]
    assert latest.status == "succeeded"
    page = client.get(_changelist("integrations.WooCommerceStore"))
    rows = {row.pk: row for row in page.context["cl"].result_list}
    admin_view = page.context["cl"].model_admin
    assert admin_view.last_run(rows[latest.connection_id]) == (
        f'<a href="/admin/integrations/syncrun/{latest.pk}/change/">#{latest.pk} Succeeded</a>'
    )
    assert admin_view.last_run(rows[idle.pk]) == "never"
