"""Run controls: Cancel stops a run at its next page and deactivates nothing; Retry starts the
same sync again; store pages start syncs and test the connection; hints explain failures."""

from collections.abc import Iterator
from datetime import UTC, datetime
from decimal import Decimal

import pytest
from django.test import Client

from integrations.engine.records import ProductRecord
from integrations.engine.runs import Page, cancel_run, execute_run
from integrations.models import SyncRun, WebhookLog
from integrations.run_hints import hint_for
from integrations.triggers import trigger_sync
from integrations.woocommerce.models import WooCommerceStore
from integrations.zoho.models import ZohoCredential
from products_and_services.models import Product
from tenants.models import AuditLog, Tenant

pytestmark = pytest.mark.django_db
T0 = datetime(2026, 1, 1, tzinfo=UTC)


def rec(n: int) -> ProductRecord:
    return ProductRecord(
        external_id=str(n),
        name=f"Item {n}",
        sku=f"Z-{n}",
        price=Decimal("10.00"),
        stock_quantity=5,
        external_updated_at=T0,
    )


class PagedSource:
    """A provider of three pages; `on_page` runs before each page is handed over."""

    provider = "zoho"
    default_currency = "USD"

    def __init__(self, credential: ZohoCredential, on_page: object = None) -> None:
        self.tenant = credential.tenant
        self.connection_id = credential.pk
        self.on_page = on_page
        self.pages_given = 0

    @property
    def connection_key(self) -> str:
        return f"zoho:{self.connection_id}"

    def pages(
        self, mode: str, since: object, selected: list[str], cursor: object = None
    ) -> Iterator[Page]:
        for number in range(3):
            if callable(self.on_page):
                self.on_page(number)
            self.pages_given += 1
            yield Page(records=[rec(number * 10 + n) for n in range(10)], total=30)


def queued(credential: ZohoCredential, mode: str = "full") -> SyncRun:
    return trigger_sync(
        tenant=credential.tenant,
        provider="zoho",
        connection_id=credential.pk,
        trigger="admin",
        mode=mode,
    ).run


def test_a_cancelled_run_stops_at_the_next_page_and_deactivates_nothing(
    zoho_credential: ZohoCredential, tenant: Tenant
) -> None:
    for n in (100, 101):  # from an earlier full run; a finished full run would deactivate them
        Product.objects.create(
            tenant=tenant,
            name=f"Old {n}",
            sku=f"OLD-{n}",
            price=Decimal("1.00"),
            external_source="zoho",
            external_id=str(n),
            external_connection=f"zoho:{zoho_credential.pk}",
        )
    run = queued(zoho_credential)

    def cancel_after_first(number: int) -> None:
        if number == 1:
            assert cancel_run(run, reason="Cancelled by boss.")

    source = PagedSource(zoho_credential, on_page=cancel_after_first)
    finished = execute_run(run, source)
    assert (finished.status, finished.processed, finished.total, finished.deactivated) == (
        "cancelled",
        10,
        30,
        0,
    )
    assert finished.message == "Cancelled by boss."
    assert Product.objects.filter(tenant=tenant, is_active=True).count() == 12
    assert WebhookLog.objects.get(delivery_id=f"sync-run-{run.pk}").status == "error"
    assert cancel_run(finished, reason="again") is False


def test_a_run_cancelled_while_queued_never_starts(zoho_credential: ZohoCredential) -> None:
    run = queued(zoho_credential)
    cancel_run(run, reason="No.")
    source = PagedSource(zoho_credential)
    assert execute_run(run, source).status == "cancelled"
    assert source.pages_given == 0


def test_cancel_and_retry_buttons(admin_client: Client, zoho_credential: ZohoCredential) -> None:
    run = queued(zoho_credential, mode="incremental")
    page = admin_client.get(f"/admin/integrations/syncrun/{run.pk}/change/").content.decode()
    assert 'id="cs-cancel-run"' in page and 'id="cs-retry-run"' not in page
    assert "total not known yet" in page  # an indeterminate bar while the total is unknown
    response = admin_client.post(f"/admin/integrations/syncrun/{run.pk}/cancel/")
    assert response["Location"] == f"/admin/integrations/syncrun/{run.pk}/change/"
    run.refresh_from_db()
    assert (run.status, run.message) == ("cancelled", "Cancelled by admin.")
    page = admin_client.get(response["Location"]).content.decode()
    assert 'id="cs-retry-run"' in page and 'id="cs-cancel-run"' not in page
    assert "Cancelled after 0 items" in page and "none were deactivated" in page
    response = admin_client.post(f"/admin/integrations/syncrun/{run.pk}/retry/")
    again = SyncRun.objects.exclude(pk=run.pk).get()
    assert response["Location"] == f"/admin/integrations/syncrun/{again.pk}/change/"
    assert (again.status, again.mode, again.trigger) == ("queued", "incremental", "admin")
    assert AuditLog.objects.filter(action="zoho_sync_cancelled").count() == 1
    assert AuditLog.objects.get(action="zoho_sync_triggered").metadata["retry_of"] == run.pk
    assert admin_client.get(f"/admin/integrations/syncrun/{run.pk}/retry/").status_code == 405


def test_a_failed_run_shows_how_far_it_got_and_what_to_do(
    admin_client: Client, zoho_credential: ZohoCredential, tenant: Tenant
) -> None:
    run = SyncRun.objects.create(
        tenant=tenant,
        provider="zoho",
        connection_id=zoho_credential.pk,
        trigger="admin",
        status="failed",
        processed=600,
        total=1000,
        message="HTTP 429 Too Many Requests",
    )
    page = admin_client.get(f"/admin/integrations/syncrun/{run.pk}/change/").content.decode()
    assert "Failed after 600 of 1000 items (60%)" in page
    assert "The store limited how fast we may call it" in page
    assert "(100%)" not in page
    nothing = SyncRun.objects.create(
        tenant=tenant,
        provider="zoho",
        connection_id=zoho_credential.pk,
        trigger="admin",
        status="failed",
        message="database is locked",
    )
    assert nothing.progress_percent == 0
    page = admin_client.get(f"/admin/integrations/syncrun/{nothing.pk}/change/").content.decode()
    assert "Failed after 0 items" in page and "The database was busy" in page


def test_other_tenants_runs_cannot_be_cancelled(
    client: Client, zoho_credential: ZohoCredential
) -> None:
    from django.contrib.auth import get_user_model
    from django.contrib.auth.models import Permission

    outsider = Tenant.objects.create(name="Other", slug="other")
    clerk = get_user_model().objects.create_user("clerk", password="pw-12345678", is_staff=True)
    clerk.user_permissions.set(
        Permission.objects.filter(codename__in=["view_syncrun", "change_zohocredential"])
    )
    outsider.members.add(clerk)
    run = queued(zoho_credential)
    client.force_login(clerk)
    assert client.post(f"/admin/integrations/syncrun/{run.pk}/cancel/").status_code == 404
    run.refresh_from_db()
    assert run.status == "queued"


def test_store_page_has_sync_now_test_connection_and_webhook_url(
    admin_client: Client, tenant: Tenant
) -> None:
    store = WooCommerceStore.objects.create(
        tenant=tenant, store_url="https://shop.test", consumer_key="ck", consumer_secret="cs"
    )
    base = f"/admin/integrations/woocommercestore/{store.pk}"
    page = admin_client.get(f"{base}/change/").content.decode()
    assert f"http://testserver/api/integrations/woocommerce/stores/{store.pk}/webhook/" in page
    assert 'data-copy-target="cs-webhook-url"' in page
    assert 'value="incremental"' in page and "Next scheduled sync:" in page
    response = admin_client.post(f"{base}/sync-now/", {"mode": "incremental"})
    run = SyncRun.objects.get()
    assert response["Location"] == f"/admin/integrations/syncrun/{run.pk}/change/"
    assert (run.provider, run.connection_id, run.mode) == ("woocommerce", store.pk, "incremental")
    bad = admin_client.post(f"{base}/sync-now/", {"mode": "selected"}, follow=True)
    assert "Choose a full or an incremental sync." in bad.content.decode()
    assert SyncRun.objects.count() == 1


@pytest.mark.parametrize(
    "message,start",
    [
        ("HTTP 401 from https://shop.test/wp-json/wc/v3/products", "The store refused"),
        ("Zoho error 57: invalid_client", "The store refused"),
        ("HTTP 429 from https://x.test after 5 attempts", "The store limited"),
        ("https://shop.test Connection refused", "We could not reach"),
        ("HTTP 503 from https://x.test", "We could not reach"),
        ("database is locked", "The database was busy"),
        ("Abandoned: no progress from the worker for too long.", "The worker stopped"),
        ("Something else", ""),
    ],
)
def test_hints_for_known_errors(message: str, start: str) -> None:
    assert hint_for(message).startswith(start)
    assert bool(hint_for(message)) == bool(start)
