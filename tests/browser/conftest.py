"""Browser tests: Debian's Chromium driven by Playwright against a live server and a real worker.

No browser is downloaded: Playwright launches the system Chromium (`CHROMIUM_PATH`, else
`chromium` on PATH; `.ci/run` installs it). The page may reach nothing but the live server, so
a page that needs the internet fails here. Every test saves screenshots under
`var/test-artifacts/browser/`, so a failure can be seen.
"""

import os
import re
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
from django.contrib.auth import get_user_model

ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = Path(
    os.environ.get("BROWSER_ARTIFACTS", str(ROOT / "var" / "test-artifacts" / "browser"))
)
PASSWORD = "browser-pw-12345"
MERCHANT_CONTENT_HOSTS = {"img.example.com"}  # the fixtures' product images
# `docs.test` reaches the live server under a name that is not localhost: Swagger UI, for one,
# behaves differently on localhost (it skips its online validator there).
PUBLIC_NAME = "docs.test"
LAUNCH_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    f"--host-resolver-rules=MAP {PUBLIC_NAME} 127.0.0.1",
]


def chromium_path() -> str | None:
    return (
        os.environ.get("CHROMIUM_PATH")
        or shutil.which("chromium")
        or shutil.which("chromium-browser")
    )


@pytest.fixture(scope="module")
def browser(django_db_setup: None, django_db_blocker: Any) -> Iterator[Any]:
    """One Chromium per test module.

    Playwright's sync API keeps an event loop in this thread while it is open, and Django
    refuses ORM calls from a thread with a running loop; the tests' ORM calls stay plain
    synchronous code, so the check is lifted while the browser is open, for these modules only.
    """
    executable = chromium_path()
    if executable is None:
        message = "Chromium is not installed (apt-get install chromium; .ci/run does it)."
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(message)
        pytest.skip(message)
    from playwright.sync_api import sync_playwright

    with pytest.MonkeyPatch.context() as patch, sync_playwright() as playwright:
        patch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
        browser = playwright.chromium.launch(executable_path=executable, args=LAUNCH_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def admin_user(transactional_db: None, tenant: Any) -> Any:
    user = get_user_model().objects.create_superuser("boss", "boss@example.com", PASSWORD)
    tenant.members.add(user)
    return user


class Screens:
    """Saves numbered full-page screenshots of one test in its own folder."""

    def __init__(self, page: Any, folder: Path) -> None:
        self.page, self.folder, self.count = page, folder, 0
        shutil.rmtree(folder, ignore_errors=True)
        folder.mkdir(parents=True, exist_ok=True)

    def shot(self, name: str) -> Path:
        self.count += 1
        path = self.folder / f"{self.count:02d}-{name}.png"
        self.page.screenshot(path=str(path), full_page=True)
        return path


@pytest.fixture
def page(browser: Any, live_server: Any, request: pytest.FixtureRequest) -> Iterator[Any]:
    """A fresh browser tab that may reach only the live server; blocked requests are kept."""
    context = browser.new_context(viewport={"width": 1400, "height": 900}, base_url=live_server.url)
    context.grant_permissions(["clipboard-read", "clipboard-write"], origin=live_server.url)
    blocked: list[str] = []

    def only_the_live_server(route: Any) -> None:
        if route.request.url.startswith(live_server.url):
            route.continue_()
        else:
            blocked.append(route.request.url)
            route.abort()

    context.route("**/*", only_the_live_server)
    tab = context.new_page()
    tab.set_default_timeout(20_000)
    tab.blocked_requests = blocked
    name = re.sub(r"[^A-Za-z0-9_-]+", "-", request.node.name)
    tab.screens = Screens(tab, ARTIFACTS / name)
    yield tab
    call = getattr(request.node, "rep_call", None)
    if call is not None and call.failed:
        tab.screens.shot("failure")
    context.close()
    if call is not None and call.passed:
        # Every page a test visits works offline: the app loads nothing from another host.
        # Product images are the merchant's own content, shown from wherever they live.
        assets = [url for url in blocked if urlsplit(url).hostname not in MERCHANT_CONTENT_HOSTS]
        assert assets == [], f"pages loaded assets from other hosts: {assets}"


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Any:
    report = yield
    setattr(item, f"rep_{report.when}", report)
    return report


def login(page: Any) -> None:
    page.goto("/admin/login/")
    page.fill("input[name=username]", "boss")
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit], input[type=submit]")
    page.wait_for_url("**/admin/")


# --- data: a tenant with Meta, Zoho and a WooCommerce store on simulators over real HTTP ---


@pytest.fixture
def meta_sim(settings: Any) -> Iterator[Any]:
    from simulators.base import SimulatorServer
    from simulators.meta import MetaSimulator
    from tests.e2e.conftest import MetaHandle

    with SimulatorServer(MetaSimulator()) as server:
        settings.META_GRAPH_API_URL = server.url
        yield MetaHandle(server.url)


@pytest.fixture
def zoho_sim() -> Iterator[Any]:
    from simulators.base import SimulatorServer
    from simulators.zoho import ZohoSimulator
    from tests.e2e.conftest import ZohoHandle

    with SimulatorServer(ZohoSimulator(seed_items=1000)) as server:
        yield ZohoHandle(server.url)


@pytest.fixture
def woo_sim() -> Iterator[Any]:
    from simulators.base import SimulatorServer
    from simulators.woocommerce import WooCommerceSimulator
    from tests.e2e.conftest import WooHandle

    with SimulatorServer(WooCommerceSimulator(products=30)) as server:
        yield WooHandle(server.url)


@pytest.fixture
def shop(
    admin_user: Any,
    tenant: Any,
    meta_sim: Any,
    zoho_sim: Any,
    woo_sim: Any,
    celery_worker: Any,
    settings: Any,
) -> dict[str, Any]:
    """Two synced products, one failed, one retrying; Meta, Zoho and WooCommerce connected."""
    from datetime import timedelta
    from decimal import Decimal

    from django.utils import timezone

    from integrations.woocommerce.models import WooCommerceStore
    from meta_integration.backoff import MAX_ATTEMPTS
    from meta_integration.models import MetaAppConfig, MetaPushDay
    from products_and_services.models import Product, ProductImage
    from tests.e2e.conftest import CATALOG_ID
    from tests.integrations.conftest import make_credential

    settings.ZOHO_PAGE_CONCURRENCY = 1  # one page at a time, so a run's progress can be seen
    products = {
        name: Product.objects.create(
            tenant=tenant, name=name, sku=sku, price=Decimal("19.00"), currency="USD"
        )
        for name, sku in (
            ("Trail Tent 2P", "TENT-2P"),
            ("Camp Mug", "MUG-1"),
            ("Broken Boots", "BOOT-9"),
            ("Rain Jacket", "JACKET-3"),
        )
    }
    # Each has its image, as a product Meta accepts must.
    ProductImage.objects.bulk_create(
        ProductImage(product=p, url=f"https://img.example.com/{p.sku}.jpg")
        for p in products.values()
    )
    now = timezone.now()
    Product.objects.filter(sku__in=["TENT-2P", "MUG-1"]).update(
        meta_sync_last_success=now - timedelta(hours=3), meta_sync_next_attempt=None
    )
    # What the pushes of the last two days recorded (the chart counts each push on its day).
    MetaPushDay.objects.create(tenant=tenant, day=(now - timedelta(days=1)).date(), products=4)
    MetaPushDay.objects.create(tenant=tenant, day=now.date(), products=2)
    Product.objects.filter(sku="BOOT-9").update(
        meta_sync_attempts=MAX_ATTEMPTS,
        meta_sync_next_attempt=None,
        meta_sync_last_attempt=now - timedelta(hours=1),
        meta_sync_last_error="BOOT-9: The image could not be downloaded",
    )
    Product.objects.filter(sku="JACKET-3").update(
        meta_sync_attempts=2,
        meta_sync_next_attempt=now + timedelta(hours=1),
        meta_sync_last_error="JACKET-3: Price is missing",
    )
    # The Meta config comes last: pushes queued by the creations above find no config and
    # leave the states just set alone, and none of them is due any more.
    MetaAppConfig.objects.create(
        tenant=tenant,
        access_token="e2e-token",
        catalog_id=CATALOG_ID,
        default_product_url="https://shop.example.com/",
        currency="USD",
    )
    zoho = make_credential(tenant, base_url=zoho_sim.url)
    store = WooCommerceStore.objects.create(
        tenant=tenant,
        name="Main shop",
        store_url=woo_sim.url,
        consumer_key="ck_sim",
        consumer_secret="cs_sim",
        currency="USD",
    )
    return {"zoho": zoho, "store": store, "products": products}
