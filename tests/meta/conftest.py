"""Fixtures for the Meta push tests."""

from collections.abc import Iterator

import pytest
from django.test import override_settings

from meta_integration.models import MetaAppConfig
from tenants.models import Tenant


@pytest.fixture
def meta_config(tenant: Tenant) -> MetaAppConfig:
    return MetaAppConfig.objects.create(
        tenant=tenant,
        access_token="test-token-123456",
        catalog_id="900100",
        default_product_url="https://shop.example.com/",
        currency="USD",
    )


@pytest.fixture
def broker_down(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Point Celery at a closed port: publishing fails the way an outage does."""
    from config.celery import app

    # Celery lets these environment variables win over app.conf.broker_url.
    monkeypatch.delenv("CELERY_BROKER_URL", raising=False)
    monkeypatch.delenv("CELERY_BROKER_WRITE_URL", raising=False)

    def reset_pool() -> None:
        # The app and its producer pool rebuild themselves for the current broker_url.
        app._pool = None
        app.amqp._producer_pool = None

    previous = app.conf.broker_url
    app.conf.broker_url = "redis://127.0.0.1:1/0"
    reset_pool()
    assert app.conf.broker_write_url == "redis://127.0.0.1:1/0"
    try:
        with override_settings(CELERY_BROKER_URL="redis://127.0.0.1:1/0"):
            yield
    finally:
        app.conf.broker_url = previous
        reset_pool()
