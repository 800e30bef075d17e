"""The notes' sample event end to end: real worker, PostgreSQL, Redis, the Meta simulator."""

from collections.abc import Callable
from typing import Any

import pytest
from rest_framework.test import APIClient

from integrations.webhooks.models import WooCommerceEventLog
from integrations.webhooks.tokens import IssuedToken
from meta_integration.mapping import NO_IMAGE_REASON
from meta_integration.models import MetaAppConfig
from products_and_services.models import Product
from products_and_services.services import update_product
from tenants.models import Tenant
from tests.e2e.conftest import MetaHandle, wait_until
from tests.shops import sample
from tests.webhooks.conftest import PLUGIN_WEBHOOK

pytestmark = [pytest.mark.e2e, pytest.mark.services]


@pytest.fixture
def plugin(tenant: Tenant, make_token: Callable[..., IssuedToken]) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {make_token(tenant).plain_token}")
    return client


def post_sample(plugin: APIClient) -> None:
    response = plugin.post(
        PLUGIN_WEBHOOK, data=sample.sample_body(), content_type="application/json"
    )
    assert response.status_code == 202, response.json()


def test_the_notes_sample_reaches_meta_in_rials_with_its_persian_intact(
    celery_worker: Any,
    tenant: Tenant,
    e2e_meta_config: MetaAppConfig,
    meta_sim: MetaHandle,
    plugin: APIClient,
) -> None:
    post_sample(plugin)
    # The notes' sample has no usable image ("https://..."): Meta refuses a new item without
    # one, so the product is held back with that reason until the merchant adds an image.
    held = wait_until(
        lambda: Product.objects.filter(sku="PROD-001", meta_sync_last_error=NO_IMAGE_REASON).first()
    )
    assert meta_sim.items() == {}
    update_product(product=held, fields={}, images=[{"url": "https://img.example.com/p1.jpg"}])
    item = wait_until(lambda: meta_sim.items().get("PROD-001"))
    assert (item["title"], item["description"], item["price"], item["availability"]) == (
        sample.NAME,
        sample.DESCRIPTION,
        "8500000.00 IRR",
        "in stock",
    )
    assert item["title"].encode() == sample.NAME.encode()
    assert item["link"] == "https://shop.example.com/"  # the notes' "https://..." is no URL
    # The push records its success just after Meta has the item.
    product = wait_until(
        lambda: Product.objects.filter(sku="PROD-001", meta_sync_last_error="").first()
    )
    assert (product.currency, product.meta_sync_last_error, product.meta_sync_attempts) == (
        "IRT",
        "",
        0,
    )
    assert WooCommerceEventLog.objects.get().outcome == "created"


def test_without_a_mapping_the_sample_is_stored_and_held_back_with_its_reason(
    celery_worker: Any,
    tenant: Tenant,
    e2e_meta_config: MetaAppConfig,
    meta_sim: MetaHandle,
    plugin: APIClient,
) -> None:
    MetaAppConfig.objects.filter(pk=e2e_meta_config.pk).update(currency_mapping={})
    post_sample(plugin)
    held = wait_until(
        lambda: (
            Product.objects.filter(sku="PROD-001", meta_sync_last_error__startswith="Not sent")
            .exclude(meta_sync_next_attempt__isnull=False)
            .first()
        )
    )
    assert held.meta_sync_last_error == (
        "Not sent to Meta: Meta takes ISO 4217 prices and this catalog has no currency "
        "mapping for IRT (add one in the Meta config, e.g. IRT → IRR at rate 10)."
    )
    assert (held.name, held.currency, held.meta_sync_attempts) == (sample.NAME, "IRT", 0)
    assert meta_sim.items() == {}
    assert meta_sim.batch_calls() == []
