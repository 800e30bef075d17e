"""Fixtures for the Meta push tests."""

from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager

import pytest

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
def broker_down(
    broker_down_for_producers: Callable[[], AbstractContextManager[None]],
) -> Iterator[None]:
    with broker_down_for_producers():
        yield
