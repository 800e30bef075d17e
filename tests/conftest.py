"""Shared fixtures, and the CI guard that makes missing services fail the run."""

import os
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from decimal import Decimal
from typing import Any

import pytest
from django.conf import settings
from rest_framework.test import APIClient

from products_and_services.models import Product
from products_and_services.services import create_product
from tenants.models import Tenant
from tenants.scopes import ALL_SCOPES
from tenants.services import IssuedApiKey, issue_api_key
from tests.services_check import missing_services

CLOSED_BROKER = "redis://127.0.0.1:1/0"
META_CATALOG = "sim-catalog"


def pytest_sessionstart(session: pytest.Session) -> None:
    """In CI the suite must run on PostgreSQL and Redis: fail at once if they are absent."""
    if os.environ.get("CI", "").lower() != "true":
        return
    problems = missing_services(settings.DATABASES["default"], settings.CELERY_BROKER_URL)
    if problems:
        pytest.exit(
            "CI=true but required services are unavailable:\n- " + "\n- ".join(problems),
            returncode=3,
        )


@pytest.fixture
def tenant(db: None) -> Tenant:
    return Tenant.objects.create(name="Acme Outdoor", slug="acme")


@pytest.fixture
def other_tenant(db: None) -> Tenant:
    return Tenant.objects.create(name="Globex", slug="globex")


@pytest.fixture
def make_key(db: None) -> Callable[..., IssuedApiKey]:
    def _make(
        tenant: Tenant, scopes: tuple[str, ...] = ALL_SCOPES, name: str = "test"
    ) -> IssuedApiKey:
        return issue_api_key(tenant=tenant, name=name, scopes=list(scopes))

    return _make


@pytest.fixture
def client_for(make_key: Callable[..., IssuedApiKey]) -> Callable[..., APIClient]:
    """An API client authenticated as a new key of `tenant` with `scopes`."""

    def _client(tenant: Tenant, scopes: tuple[str, ...] = ALL_SCOPES) -> APIClient:
        issued = make_key(tenant, scopes)
        client = APIClient()
        client.credentials(HTTP_X_TENANT_ID=tenant.slug, HTTP_X_TENANT_API_KEY=issued.plain_key)
        return client

    return _client


@pytest.fixture
def api(tenant: Tenant, client_for: Callable[..., APIClient]) -> APIClient:
    return client_for(tenant)


@pytest.fixture
def make_product(db: None) -> Callable[..., Product]:
    counter = iter(range(1, 1_000_000))

    def _make(tenant: Tenant, *, image_url: str | None = "", **fields: Any) -> Product:
        """A product with one image URL, as a product Meta accepts has (image_url=None: none)."""
        n = next(counter)
        defaults: dict[str, Any] = {
            "name": f"Product {n}",
            "sku": f"SKU-{n}",
            "price": Decimal("10.00"),
        }
        defaults.update(fields)
        variants = defaults.pop("variants", ())
        images = (
            []
            if image_url is None
            else [{"url": image_url or f"https://img.example.com/p/{n}.jpg"}]
        )
        # Through the catalog service, as every writer: identities, Meta pending, indexing.
        return create_product(tenant=tenant, fields=defaults, variants=variants, images=images)

    return _make


@pytest.fixture
def broker_down_for_producers(monkeypatch: pytest.MonkeyPatch) -> Callable[[], Any]:
    """A context manager: while inside, publishing tasks fails as in a broker outage.

    Only producers are affected; a running worker thread keeps its own connection.
    """
    from config.celery import app

    @contextmanager
    def outage() -> Iterator[None]:
        # Celery lets these environment variables win over app.conf.broker_url.
        monkeypatch.delenv("CELERY_BROKER_URL", raising=False)
        monkeypatch.delenv("CELERY_BROKER_WRITE_URL", raising=False)
        previous = app.conf.broker_url

        def reset_pool() -> None:
            # The app and its producer pool rebuild themselves for the current broker_url.
            app._pool = None
            app.amqp._producer_pool = None

        app.conf.broker_url = CLOSED_BROKER
        reset_pool()
        assert app.conf.broker_write_url == CLOSED_BROKER
        try:
            yield
        finally:
            app.conf.broker_url = previous
            reset_pool()

    return outage


@pytest.fixture
def migrated_to(transactional_db: None) -> Iterator[Callable[..., Any]]:
    """Move the database to older migrations (`migrate(targets)` returns their apps); it is
    back at the newest state after the test."""
    from tests.migration_steps import migrate, newest

    yield migrate
    migrate(newest())


@pytest.fixture
def celery_worker(transactional_db: None, settings: Any) -> Iterator[Any]:
    """A real Celery worker thread on the configured broker (Redis in CI), all queues.

    Data is committed in these tests, so pulls prefetch pages as in production.
    """
    settings.SYNC_PREFETCH_PAGES = 1
    from celery.contrib.testing.worker import start_worker

    from config.celery import app
    from integrations.webhooks.handoff import LANES, broker_redis

    app.control.purge()
    handed_off = broker_redis()
    if handed_off is not None:  # ids other tests handed off and no worker drained
        handed_off.delete(*(key for lane in LANES for key in (lane.key, lane.kicked_key)))
    with start_worker(
        app,
        pool="solo",
        concurrency=1,
        perform_ping_check=False,
        queues=list(settings.TASK_QUEUE_NAMES),
        shutdown_timeout=15,
    ) as worker:
        yield worker


@pytest.fixture
def meta_catalog(settings: Any, tenant: Tenant) -> Iterator[Any]:
    """The Meta simulator over HTTP (no rate limit, batches finish at the first poll) and an
    active config for `tenant`; the simulator's items are read with `.items(CATALOG)`."""
    from meta_integration.models import MetaAppConfig
    from simulators.base import SimulatorServer
    from simulators.meta import MetaSimulator

    sim = MetaSimulator()
    # Images live in Commerce Manager for this catalog (include_images off below).
    sim.knobs.update(batch_calls_per_minute=0, polls_until_finished=0, require_image=False)
    with SimulatorServer(sim) as server:
        settings.META_GRAPH_API_URL = server.url
        MetaAppConfig.objects.create(
            tenant=tenant,
            access_token="sim-token",
            catalog_id=META_CATALOG,
            default_product_url="https://shop.example.com/",
            currency="USD",
            include_images=False,
        )
        yield sim


@pytest.fixture
def images_managed_in_commerce_manager(settings: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    """A catalog whose images are managed in Commerce Manager: configs made with include_images
    off and the Meta simulator not requiring image_link, for tests about something else
    (faults, invariants) whose products have no images."""
    from simulators.meta import MetaSimulator

    settings.META_CATALOG_INCLUDE_IMAGES = False
    monkeypatch.setattr(
        MetaSimulator, "default_knobs", {**MetaSimulator.default_knobs, "require_image": False}
    )
