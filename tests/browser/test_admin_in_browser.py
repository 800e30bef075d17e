"""The admin as a merchant uses it, in a real Chromium, against a live server and worker."""

import re
import time
from typing import Any

import pytest

from integrations.models import SyncRun
from products_and_services.models import Product
from tests.browser.conftest import PUBLIC_NAME, login
from tests.e2e.conftest import wait_until

pytestmark = [pytest.mark.browser, pytest.mark.e2e]
RUN_PAGE = re.compile(r".*/admin/integrations/syncrun/(\d+)/change/$")


def run_state(page: Any) -> tuple[str, int, str]:
    """(status, processed, total) from the run page's progress bar."""
    bar = page.locator(".cs-progress").first
    return (
        bar.get_attribute("data-status") or "",
        int(bar.get_attribute("data-processed") or 0),
        bar.get_attribute("data-total") or "",
    )


def watch_run(page: Any, until: set[str], limit: int = 240) -> list[tuple[str, int, str]]:
    """Read the self-refreshing run page until the run reaches a status in `until`."""
    seen: list[tuple[str, int, str]] = []
    for _ in range(limit):
        try:
            state = run_state(page)
        except Exception:  # the page was mid-refresh; read again
            time.sleep(0.25)
            continue
        if not seen or seen[-1] != state:
            seen.append(state)
        if state[0] in until:
            return seen
        time.sleep(0.5)
    raise AssertionError(f"the run never reached {until}; seen {seen}")


def test_login_lands_on_the_dashboard_with_meta_counts_and_connections(
    page: Any, shop: dict[str, Any]
) -> None:
    login(page)
    counts = {
        state: page.locator(f'#cs-meta a[data-state="{state}"] .n').inner_text()
        for state in ("synced", "pending", "retry", "failed")
    }
    assert counts == {"synced": "2", "pending": "0", "retry": "1", "failed": "1"}
    rows = page.locator("#cs-connections tbody tr")
    assert rows.count() == 2
    assert "Zoho Inventory" in rows.nth(0).inner_text()
    assert "Main shop" in rows.nth(1).inner_text()
    assert "Connected to catalog" in page.locator("#cs-meta-state").inner_text()
    assert "Broken Boots" in page.locator("#cs-attention").inner_text()
    assert page.evaluate("typeof Chart") == "function"
    assert page.locator("#cs-chart-reasons").bounding_box()["height"] > 100
    pushed = "Chart.getChart('cs-chart-pushed').data.datasets[0].data"
    assert page.evaluate(f"[{pushed}.length, ...{pushed}.slice(-2)]") == [30, 4, 2]
    page.screens.shot("dashboard")
    assert page.blocked_requests == []


def test_product_list_status_filter_reset_and_push(page: Any, shop: dict[str, Any]) -> None:
    login(page)
    page.click('#cs-meta a[data-state="failed"]')
    page.wait_for_url(re.compile(r".*meta_sync=failed"))
    table = page.locator("#result_list")
    assert "Broken Boots" in table.inner_text() and "Camp Mug" not in table.inner_text()
    assert "✗ Failed (max attempts)" in table.inner_text()
    page.screens.shot("failed-products")
    page.check("#result_list tbody input.action-select")
    page.select_option("select[name=action]", "reset_meta_attempts")
    page.click("button[name=index], button[type=submit].btn:has-text('Go')")
    assert "Reset 1 product(s)" in page.locator(".alert, .messagelist").first.inner_text()
    boots = shop["products"]["Broken Boots"]
    # The reset queued a push; the real worker sends it to the Meta simulator.
    wait_until(lambda: Product.objects.get(pk=boots.pk).meta_sync_last_success is not None, 60)
    page.goto(f"/admin/products_and_services/product/?tenant__id__exact={boots.tenant_id}")
    assert "✓ Synced" in page.locator("#result_list").inner_text()
    page.check("#action-toggle")
    page.select_option("select[name=action]", "push_to_meta_now")
    page.click("button[name=index], button[type=submit].btn:has-text('Go')")
    assert "Queued 4 product(s)" in page.locator(".alert, .messagelist").first.inner_text()
    page.screens.shot("pushed")
    wait_until(
        lambda: not Product.objects.filter(meta_sync_next_attempt__isnull=False).exists(), 60
    )


def test_sync_zoho_shows_moving_progress_and_ends_with_counts(
    page: Any, shop: dict[str, Any], zoho_sim: Any
) -> None:
    zoho_sim.configure(latency_ms=1500)  # five pages of 200 items, one at a time
    login(page)
    page.click("text=Sync Zoho")
    page.click("button:has-text('Sync Zoho Inventory now')")
    page.wait_for_url(RUN_PAGE)
    seen = watch_run(page, {"running"}, limit=120)
    page.screens.shot("run-started")
    seen += watch_run(page, {"succeeded", "partial", "failed"})
    page.screens.shot("run-finished")
    assert seen[-1] == ("succeeded", 1000, "1000"), seen
    moving = [s for s in seen if s[0] == "running" and 0 < s[1] < 1000]
    assert moving, f"no intermediate progress was shown: {seen}"
    text = page.locator("#syncrun_form").inner_text()
    assert "1000/1000 (100%)" in text
    run = SyncRun.objects.get()
    assert (run.created, run.failed) == (1000, 0)


def test_cancel_then_retry_a_run(page: Any, shop: dict[str, Any], zoho_sim: Any) -> None:
    zoho_sim.configure(latency_ms=1500)
    login(page)
    page.goto(f"/admin/integrations/zohocredential/{shop['zoho'].pk}/change/")
    page.click("#cs-sync-now")
    page.wait_for_url(RUN_PAGE)
    watch_run(page, {"running"}, limit=120)
    page.click("#cs-cancel-run")
    assert "Cancelled run" in page.locator(".alert, .messagelist").first.inner_text()
    status, processed, _ = run_state(page)
    assert status == "cancelled"
    page.screens.shot("cancelled")
    first = SyncRun.objects.get()
    # The worker stops before its next page: no more items arrive after the current one.
    wait_until(lambda: SyncRun.objects.get(pk=first.pk).processed < 1000)
    assert SyncRun.objects.get(pk=first.pk).deactivated == 0
    zoho_sim.configure(latency_ms=0)
    page.click("#cs-retry-run")
    page.wait_for_url(RUN_PAGE)
    retry_id = int(RUN_PAGE.match(page.url).group(1))
    assert retry_id != first.pk
    seen = watch_run(page, {"succeeded", "partial", "failed"})
    page.screens.shot("retried")
    assert seen[-1][0] == "succeeded"
    assert SyncRun.objects.get(pk=first.pk).status == "cancelled"
    assert processed < 1000


def test_a_new_api_key_is_shown_once_with_a_working_copy_button(
    page: Any, shop: dict[str, Any]
) -> None:
    login(page)
    page.goto("/admin/tenants/tenantapikey/add/")
    page.select_option("select[name=tenant]", index=1)
    page.fill("input[name=name]", "ERP import")
    page.check("input[name=scopes][value='catalog:read']")
    page.click("input[name=_save], button[name=_save]")
    key = page.locator("#cs-new-api-key").inner_text()
    assert key.startswith("csk_")
    page.click("button[data-copy-target=cs-new-api-key]")
    assert page.evaluate("navigator.clipboard.readText()") == key
    page.screens.shot("api-key")
    page.reload()
    assert key not in page.content()


def test_store_page_sync_now_test_connection_and_webhook_url(
    page: Any, shop: dict[str, Any], live_server: Any
) -> None:
    store = shop["store"]
    login(page)
    page.goto(f"/admin/integrations/woocommercestore/{store.pk}/change/")
    url = page.locator("#cs-webhook-url").inner_text()
    assert url == f"{live_server.url}/api/integrations/woocommerce/stores/{store.pk}/webhook/"
    page.click("button[data-copy-target=cs-webhook-url]")
    assert page.evaluate("navigator.clipboard.readText()") == url
    assert "Next scheduled sync:" in page.locator("#cs-connection-panel").inner_text()
    page.screens.shot("store-page")
    page.click("#cs-test-connection")
    message = page.locator(".alert, .messagelist").first.inner_text()
    assert "Main shop" in message and "alert-danger" not in (
        page.locator(".alert").first.get_attribute("class") or ""
    )
    page.select_option("#cs-sync-mode", "incremental")
    page.click("#cs-sync-now")
    page.wait_for_url(RUN_PAGE)
    seen = watch_run(page, {"succeeded", "partial", "failed"})
    page.screens.shot("store-run")
    assert seen[-1][0] == "succeeded"
    run = SyncRun.objects.get()
    assert (run.provider, run.mode, run.created) == ("woocommerce", "incremental", 30)


def test_api_docs_render_with_the_network_cut_off(
    page: Any, live_server: Any, settings: Any
) -> None:
    """Served under a public name, as in production: nothing may load from another host."""
    settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, PUBLIC_NAME]
    origin = live_server.url.replace("localhost", PUBLIC_NAME)
    page.route(f"{origin}/**", lambda route: route.continue_())
    page.goto(f"{origin}/api/docs/")
    page.wait_for_selector(".opblock")
    assert page.locator(".opblock").count() > 10
    assert page.evaluate("typeof SwaggerUIBundle") == "function"
    page.screens.shot("swagger")
    page.goto(f"{origin}/api/redoc/")
    page.wait_for_selector("text=Catalog Sync API")
    page.wait_for_selector("text=/v1/catalog/products/")
    # ReDoc's bundle shows Redocly's logo from their CDN; the page's policy stops the request
    # before it leaves the browser, and the bundle drops the image.
    page.wait_for_selector("text=API docs by Redocly")
    assert page.locator('img[alt="redocly logo"]').count() == 0
    page.screens.shot("redoc")
    assert page.blocked_requests == []
