"""The plugin in a real WordPress (Debian's package, MariaDB, PHP's server with 4 workers) with
the WooCommerce stand-in, against the live app (PostgreSQL, a real Celery worker, the Meta
simulator). `tests/wordpress/setup.sh` prepares the site; `.ci/run` runs it and sets
WP_E2E_URL; without it they are not collected (they need root and MariaDB).

The app is reached through a switchable proxy, so "the app is down" is a port that refuses
connections and "hung" one that never answers, with the plugin's settings unchanged."""

import os
import re
import statistics
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import requests

from integrations.webhooks.tokens import issue_token
from meta_integration.models import MetaAppConfig
from tenants.models import Tenant
from tests.e2e.conftest import MetaHandle, wait_until
from tests.webhooks.conftest import plugin_store
from tests.wordpress.proxy import Capture, SwitchableProxy

WP = os.environ.get("WP_E2E_URL", "")
TAIL_ALLOWANCE_MS = 300
DEBUG_LOG = Path(__file__).resolve().parents[2] / "var" / "wp-e2e" / "debug.log"

pytestmark = [
    pytest.mark.e2e,
    pytest.mark.services,
]


def shop(action: str, **body: Any) -> dict[str, Any]:
    response = requests.post(f"{WP}/?cs_e2e={action}", json=body, timeout=60)
    response.raise_for_status()
    return response.json()


def timed_save(product_id: int, **fields: Any) -> float:
    started = time.perf_counter()
    shop("update", id=product_id, **fields)
    return time.perf_counter() - started


def visit() -> None:
    """A visitor's page view: what makes WP-Cron run on a site without a system cron."""
    requests.get(f"{WP}/", timeout=30)


def meta_shows(
    meta_sim: MetaHandle, expected: dict[str, str | None], timeout: float = 120
) -> dict[str, Any]:
    """Wait until Meta holds exactly these prices (None = absent), visiting the site meanwhile."""

    def check() -> tuple[dict[str, Any]] | None:
        items = meta_sim.items()
        for sku, price in expected.items():
            held = items.get(sku)
            if (held or {}).get("price") != price if price else held is not None:
                visit()
                return None
        return (items,)

    try:
        return wait_until(check, timeout=timeout, interval=1.0)[0]
    except AssertionError:
        from integrations.webhooks.models import WooCommerceEventLog

        events = [
            (e.event_type, e.outcome, e.payload["product"].get("price"), e.received_at.time())
            for e in WooCommerceEventLog.objects.order_by("pk")
        ]
        from products_and_services.models import Product

        events.append(list(Product.objects.values_list("sku", "price", "meta_sync_last_error")))
        raise AssertionError(
            f"Meta {meta_sim.items()}, shop {shop('status')}, events {events}"
        ) from None


@pytest.fixture
def app(
    live_server: Any, settings: Any, celery_worker: Any, e2e_meta_config: MetaAppConfig
) -> Iterator[SwitchableProxy]:
    settings.ALLOWED_HOSTS = ["*"]
    # The plugin is under test, not Meta's batch throttle (tested in tests/meta and e2e).
    MetaHandle(settings.META_GRAPH_API_URL).configure(batch_calls_per_minute=0)
    host, port = live_server.url.removeprefix("http://").split(":")
    proxy = SwitchableProxy(host, int(port))
    proxy.up()
    yield proxy
    proxy.close()


@pytest.fixture
def plugin(tenant: Tenant, app: SwitchableProxy) -> Iterator[str]:
    """The plugin active and configured for the app (through the proxy), its queue empty."""
    token = issue_token(
        tenant=tenant, integration_type="woocommerce", name="wp e2e", store=plugin_store(tenant)
    ).plain_token
    shop("activate")
    shop("reset")
    shop("configure", api_url=app.url, token=token)
    log_size = DEBUG_LOG.stat().st_size if DEBUG_LOG.exists() else 0
    yield token
    shop("reset")
    new_log = DEBUG_LOG.read_text(errors="replace")[log_size:] if DEBUG_LOG.exists() else ""
    plugin_lines = [line for line in new_log.splitlines() if "/catalog-sync-woocommerce/" in line]
    assert plugin_lines == [], "PHP notices from the plugin's code"


def test_lifecycle_reaches_meta(
    plugin: str, meta_sim: MetaHandle, celery_worker: Any, app: SwitchableProxy
) -> None:
    lamp = shop("create", name="Desk lamp", sku="WP-LAMP", price="20.00", stock=5)["id"]
    meta_shows(meta_sim, {"WP-LAMP": "20.00 USD"})

    shop("update", id=lamp, price="24.00")
    meta_shows(meta_sim, {"WP-LAMP": "24.00 USD"})

    shop("stock", id=lamp, stock=0)
    try:
        wait_until(lambda: meta_sim.items()["WP-LAMP"]["availability"] == "out of stock", 60, 1)
    except AssertionError:
        from integrations.webhooks.models import WooCommerceEventLog
        from products_and_services.models import Product

        raise AssertionError(
            f"{meta_sim.items()} {shop('status')} "
            f"{list(WooCommerceEventLog.objects.values_list('outcome', 'error', 'payload'))} "
            f"{list(Product.objects.values_list('stock_quantity', 'meta_sync_last_error'))}"
        ) from None

    shop("trash", id=lamp)
    meta_shows(meta_sim, {"WP-LAMP": None})
    shop("untrash", id=lamp)  # WooCommerce restores it published: it comes back
    meta_shows(meta_sim, {"WP-LAMP": "24.00 USD"})
    shop("trash", id=lamp)
    shop("delete", id=lamp)  # deleted from the trash: one delete event in all
    meta_shows(meta_sim, {"WP-LAMP": None})

    chair = shop("create", name="Chair", sku="WP-CHAIR", price="50.00")["id"]
    for price in ("51.00", "52.00", "53.00"):  # three rapid saves
        shop("update", id=chair, price=price)
    meta_shows(meta_sim, {"WP-CHAIR": "53.00 USD"})
    time.sleep(3)
    assert meta_sim.items()["WP-CHAIR"]["price"] == "53.00 USD"
    assert shop("status")["summary"]["waiting"] == 0

    from integrations.webhooks.models import WooCommerceEventLog

    deletes = WooCommerceEventLog.objects.filter(woo_product_id=lamp, event_type="product.deleted")
    assert deletes.count() == 2  # the first trash, and the trash before the delete


def _blocks(run: Callable[[], float], count: int) -> list[float]:
    return [run() for _ in range(count)]


def test_saves_do_not_wait_for_an_app_that_is_down_or_hung_and_everything_arrives_after(
    plugin: str, meta_sim: MetaHandle, app: SwitchableProxy, capsys: Any
) -> None:
    products = [
        shop("create", name=f"Item {n}", sku=f"WP-{n}", price="10.00")["id"] for n in range(5)
    ]
    meta_shows(meta_sim, {f"WP-{n}": "10.00 USD" for n in range(5)})

    counter = iter(range(1, 10_000))

    def save() -> float:
        n = next(counter)
        return timed_save(products[n % 5], price=f"{10 + n}.00")

    # Interleaved blocks of 10 (plugin off / app down / app hung) so load drift hits all three.
    off: list[float] = []
    down: list[float] = []
    hung: list[float] = []
    for _ in range(5):
        shop("deactivate")
        off += _blocks(save, 10)
        shop("activate")
        app.down()
        down += _blocks(save, 10)
        app.hang()
        hung += _blocks(save, 10)
        app.down()
    saves = next(counter) - 1
    final_prices = {
        f"WP-{index}": f"{10 + max(n for n in range(1, saves + 1) if n % 5 == index)}.00 USD"
        for index in range(5)
    }

    def figures(samples: list[float]) -> tuple[float, float, float, float]:
        ordered = sorted(samples)
        p90 = ordered[int(len(ordered) * 0.9) - 1]
        p95 = ordered[int(len(ordered) * 0.95) - 1]
        return statistics.median(samples) * 1000, p90 * 1000, p95 * 1000, ordered[-1] * 1000

    report = {name: figures(s) for name, s in (("off", off), ("down", down), ("hung", hung))}
    with capsys.disabled():
        for name, (median, p90, p95, worst) in report.items():
            print(
                f"\n  save, {name:>4}: median {median:.1f} ms, p90 {p90:.1f}, p95 {p95:.1f}, "
                f"max {worst:.1f}"
            )
    # The acceptance is the median within 100 ms of plugin-off. The tail gets a wider allowance
    # and p90 rather than the maximum: on a shared 2-core CI box the background sender, WP-Cron
    # and other jobs compete with the saves for CPU (the figures are printed for the record).
    for name in ("down", "hung"):
        assert report[name][0] < report["off"][0] + 100, report
        assert report[name][1] < report["off"][1] + TAIL_ALLOWANCE_MS, report
    assert shop("status")["summary"]["retrying"] + shop("status")["summary"]["waiting"] == 5

    app.up()  # the app is back: no button, only visitors (WP-Cron) and the retry schedule
    meta_shows(meta_sim, final_prices)
    status = shop("status")
    assert status["summary"] == {
        "waiting": 0,
        "retrying": 0,
        "failed": 0,
        "refused": 0,
        "oldest_waiting": 0,
    }
    assert status["sender"]["failures"] == 0


def test_the_token_is_never_sent_to_a_changed_url(plugin: str, app: SwitchableProxy) -> None:
    capture = Capture()
    try:
        admin = requests.Session()
        admin.get(f"{WP}/wp-login.php", timeout=30)
        admin.cookies.set("wordpress_test_cookie", "WP Cookie check")
        login = admin.post(
            f"{WP}/wp-login.php",
            data={"log": "admin", "pwd": "admin", "testcookie": "1", "wp-submit": "Log In"},
            timeout=30,
        )
        assert any(c.name.startswith("wordpress_logged_in") for c in admin.cookies), login.text
        page = admin.get(f"{WP}/wp-admin/admin.php?page=catalog-sync", timeout=30).text
        nonce = re.search(r'name="_wpnonce" value="([^"]+)"', page)
        assert nonce, page[:2000]
        nonce = nonce.group(1)
        saved = admin.post(
            f"{WP}/wp-admin/options.php",
            data={
                "option_page": "catalog_sync",
                "action": "update",
                "_wpnonce": nonce,
                "_wp_http_referer": "/wp-admin/admin.php?page=catalog-sync",
                "catalog_sync_api_url": capture.url,
                "catalog_sync_token": "",
            },
            timeout=30,
        )
        assert saved.status_code == 200  # back on the settings page, with WordPress's notices
        assert "the saved token was cleared" in saved.text
        status = shop("status")["options"]
        assert (status["api_url"], status["token_set"]) == (capture.url, False)

        page = admin.get(f"{WP}/wp-admin/admin.php?page=catalog-sync", timeout=30).text
        test_nonce = re.search(
            r'value="catalog_sync_test_connection" />\s*<input type="hidden" id="[^"]*" '
            r'name="_wpnonce" value="([^"]+)"',
            page,
        ).group(1)
        result = admin.post(
            f"{WP}/wp-admin/admin-post.php",
            data={"action": "catalog_sync_test_connection", "_wpnonce": test_nonce},
            timeout=30,
        )
        assert "Save the API URL and the token first." in result.text
        product = shop("create", name="Secret test", sku="WP-SECRET", price="1.00")["id"]
        shop("update", id=product, price="2.00")
        visit()
        time.sleep(2)
        assert all(plugin not in (auth or "") for _, auth, _ in capture.requests)
        assert all(plugin.encode() not in body for _, _, body in capture.requests)
        assert capture.requests == []
    finally:
        capture.close()


ACCEPTANCE_MINUTES = float(os.environ.get("WP_ACCEPTANCE_MINUTES", "0") or 0)


def test_acceptance_app_down_for_minutes_during_200_saves(
    plugin: str, meta_sim: MetaHandle, app: SwitchableProxy, capsys: Any
) -> None:
    """Issue 14's acceptance, with the plugin's real retry schedule (15 s doubling to 1 h):
    200 saves of 20 products spread over the outage, then everything reaches Meta."""
    shop("real_backoff", on=True)
    products = [
        shop("create", name=f"Long {n}", sku=f"LONG-{n}", price="1.00")["id"] for n in range(20)
    ]
    meta_shows(meta_sim, {f"LONG-{n}": "1.00 USD" for n in range(20)}, timeout=300)

    gap = ACCEPTANCE_MINUTES * 60 / 200

    def paced_saves(price: Callable[[int], str]) -> list[float]:
        # Both sides at the same pace: a save after a pause costs more than one straight after
        # another (measured: median 37 ms against 13 ms with the plugin off, load 3.3), so a
        # back-to-back baseline would charge that to the plugin.
        started = time.monotonic()
        taken = []
        for n in range(200):
            taken.append(timed_save(products[n % 20], price=price(n)))
            time.sleep(max(0.0, started + (n + 1) * gap - time.monotonic()))
        return taken

    shop("deactivate")
    off = paced_saves(lambda n: f"{n}.50")
    shop("activate")

    app.down()
    outage_started = time.monotonic()
    down = paced_saves(lambda n: f"{100 + n}.00")
    outage = time.monotonic() - outage_started
    status = shop("status")
    app.up()
    back = time.monotonic()
    final = {
        f"LONG-{i}": f"{100 + max(n for n in range(200) if n % 20 == i)}.00 USD" for i in range(20)
    }
    meta_shows(meta_sim, final, timeout=3900)
    caught_up = time.monotonic() - back

    def figures(samples: list[float]) -> str:
        ordered = sorted(samples)
        return (
            f"median {statistics.median(samples) * 1000:.1f} ms, "
            f"p95 {ordered[int(len(ordered) * 0.95) - 1] * 1000:.1f} ms, "
            f"max {ordered[-1] * 1000:.1f} ms"
        )

    over_median = sum(1 for t in down if t > statistics.median(off) + 0.1)
    # The acceptance line: no save during the outage more than 100 ms longer than a save with
    # the plugin off (its slowest, at the same pace on the same machine).
    worse = sum(1 for t in down if t > max(off) + 0.1)
    with capsys.disabled():
        print(f"\n  outage {outage / 60:.1f} min, 200 saves; queue at the end: {status['summary']}")
        print(f"  sender before recovery: failures {status['sender']['failures']}")
        print(f"  plugin off: {figures(off)}")
        print(f"  app down:   {figures(down)}")
        print(f"  saves more than 100 ms over the plugin-off median: {over_median}")
        print(f"  saves more than 100 ms over the slowest plugin-off save: {worse}")
        print(f"  every change in Meta {caught_up:.0f} s after the app came back")
    assert worse == 0
