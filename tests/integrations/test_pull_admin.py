"""The pull admin: 'Sync Zoho' page, selective sync action, runs list, connection admin."""

from collections.abc import Callable

import pytest
from django.test import Client

from integrations.models import SyncRun
from integrations.zoho.models import ZohoCredential
from products_and_services.models import Product
from tenants.models import AuditLog, Tenant

pytestmark = pytest.mark.django_db


def test_sync_zoho_page_starts_one_full_run(
    admin_client: Client, zoho_credential: ZohoCredential
) -> None:
    page = admin_client.get("/admin/integrations/syncrun/sync-zoho/")
    assert page.status_code == 200
    assert "Sync Zoho Inventory now" in page.content.decode()
    response = admin_client.post(
        "/admin/integrations/syncrun/sync-zoho/", {"connection": zoho_credential.pk}
    )
    run = SyncRun.objects.get()
    assert response.status_code == 302
    assert response["Location"] == f"/admin/integrations/syncrun/{run.pk}/change/"
    assert (run.provider, run.mode, run.trigger, run.status) == ("zoho", "full", "admin", "queued")
    followed = admin_client.get(response["Location"]).content.decode()
    assert "Started Zoho Inventory sync run" in followed
    assert run.task_id in followed
    assert 'http-equiv="refresh"' in followed  # the run page refreshes itself while queued
    admin_client.post("/admin/integrations/syncrun/sync-zoho/", {"connection": zoho_credential.pk})
    assert SyncRun.objects.count() == 1
    assert AuditLog.objects.filter(action="zoho_sync_triggered").count() == 2


def test_sync_zoho_page_refuses_an_unknown_connection(
    admin_client: Client, zoho_credential: ZohoCredential
) -> None:
    response = admin_client.post(
        "/admin/integrations/syncrun/sync-zoho/", {"connection": "999"}, follow=True
    )
    assert "Choose one of your tenants" in response.content.decode()
    assert SyncRun.objects.count() == 0


def test_sync_zoho_page_without_a_credential_explains(admin_client: Client, tenant: Tenant) -> None:
    page = admin_client.get("/admin/integrations/syncrun/sync-zoho/").content.decode()
    assert "No active Zoho Inventory connection is set up" in page


def test_selected_items_action_queues_a_selected_run(
    admin_client: Client,
    zoho_credential: ZohoCredential,
    tenant: Tenant,
    make_product: Callable[..., Product],
) -> None:
    zoho = [
        make_product(
            tenant,
            external_source="zoho",
            external_connection=zoho_credential.connection_key,
            external_id=str(n),
        )
        for n in (11, 12)
    ]
    manual = make_product(tenant)
    response = admin_client.post(
        "/admin/products_and_services/product/",
        {"action": "sync_selected_from_zoho", "_selected_action": [p.pk for p in [*zoho, manual]]},
        follow=True,
    )
    run = SyncRun.objects.get()
    assert (run.mode, sorted(run.selected_ids)) == ("selected", ["11", "12"])
    assert (
        "1 selected product(s) did not come from Zoho and were skipped."
        in response.content.decode()
    )


def test_runs_list_shows_progress(
    admin_client: Client, zoho_credential: ZohoCredential, tenant: Tenant
) -> None:
    SyncRun.objects.create(
        tenant=tenant,
        provider="zoho",
        connection_id=zoho_credential.pk,
        trigger="api",
        status="running",
        total=200,
        processed=50,
    )
    html = admin_client.get("/admin/integrations/syncrun/").content.decode()
    assert "50/200 (25%)" in html
    assert 'http-equiv="refresh"' in html


def test_a_run_between_chunks_shows_as_running_in_turn(
    admin_client: Client, zoho_credential: ZohoCredential, tenant: Tenant
) -> None:
    SyncRun.objects.create(
        tenant=tenant,
        provider="zoho",
        connection_id=zoho_credential.pk,
        trigger="api",
        status="queued",
        chunks=3,
        total=200,
        processed=120,
    )
    html = admin_client.get("/admin/integrations/syncrun/").content.decode()
    assert '<b style="color:#1565c0">Running (in turn)</b>' in html
    assert "120/200 (60%)" in html


def test_credential_admin_masks_secrets(
    admin_client: Client, zoho_credential: ZohoCredential
) -> None:
    html = admin_client.get(
        f"/admin/integrations/zohocredential/{zoho_credential.pk}/change/"
    ).content.decode()
    assert "sim-secret" not in html
    assert "1000.sim-refresh" not in html
    assert "Valid" in html
