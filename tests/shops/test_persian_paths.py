"""The notes' Persian survives every path byte for byte: a pull over HTTP, the API, search
(keyword and semantic) and the embeddings sent for the knowledge index.

(The plugin path, the admin and Meta are covered in test_shop_currencies.py,
test_admin_persian.py and test_persian_shop_e2e.py.)
"""

from decimal import Decimal
from typing import Any

import pytest
import responses
from rest_framework.test import APIClient

from integrations.engine.runs import execute_run, start_run
from integrations.woocommerce.models import WooCommerceStore
from integrations.woocommerce.source import WooSource
from knowledge.indexing import index_products
from products_and_services.models import Product
from tenants.models import Tenant
from tests.e2e.conftest import WooHandle, woo_sim  # noqa: F401
from tests.knowledge.conftest import embeddings_api, indexing_on, sent_inputs  # noqa: F401
from tests.shops import sample

pytestmark = pytest.mark.django_db
NAME_BYTES = sample.NAME.encode("utf-8")


@pytest.fixture
def shoe(tenant: Tenant) -> Product:
    return Product.objects.create(
        tenant=tenant,
        name=sample.NAME,
        sku="PROD-001",
        short_description=sample.SHORT_DESCRIPTION,
        description=sample.DESCRIPTION,
        price=Decimal("850000"),
        currency="IRT",
        categories=sample.CATEGORIES,
        tags=sample.TAGS,
    )


@pytest.mark.e2e
def test_a_woocommerce_pull_stores_persian_as_the_shop_has_it(
    tenant: Tenant,
    woo_sim: WooHandle,  # noqa: F811
) -> None:
    store = WooCommerceStore.objects.create(
        tenant=tenant,
        store_url=woo_sim.url,
        consumer_key="ck_sim",
        consumer_secret="cs_sim",
        currency="IRT",
    )
    woo_sim.post(
        "/_sim/products/1",
        {
            "name": sample.NAME,
            "short_description": sample.SHORT_DESCRIPTION,
            "description": sample.DESCRIPTION,
            "regular_price": "850000",
            "price": "850000",
            "categories": [{"id": 7, "name": c} for c in sample.CATEGORIES],
            "tags": [{"id": 8, "name": t} for t in sample.TAGS],
        },
    )
    sync_run, _ = start_run(
        tenant=tenant, provider="woocommerce", connection_id=store.pk, trigger="api", mode="full"
    )
    finished = execute_run(sync_run, WooSource(store))
    assert (finished.status, finished.failed) == ("succeeded", 0)
    product = Product.objects.get(external_id="woo_1")
    assert (product.name.encode(), product.short_description, product.description) == (
        NAME_BYTES,
        sample.SHORT_DESCRIPTION,
        sample.DESCRIPTION,
    )
    assert (product.categories, product.tags) == (sample.CATEGORIES, sample.TAGS)
    assert (product.price, product.currency, product.text_encoding) == (
        Decimal("850000.00"),
        "IRT",
        "",
    )


def test_the_api_returns_and_finds_persian_byte_for_byte(api: APIClient, shoe: Product) -> None:
    detail = api.get(f"/v1/catalog/products/{shoe.pk}/")
    assert NAME_BYTES in detail.content  # raw UTF-8 in the JSON, not \\u escapes
    assert detail.json()["categories"] == sample.CATEGORIES
    found = api.get("/v1/catalog/products/", {"search": "کفش"})
    assert [p["name"] for p in found.json()["results"]] == [sample.NAME]
    assert api.get("/v1/catalog/products/", {"search": "کیف"}).json()["results"] == []


def test_keyword_search_finds_persian(api: APIClient, shoe: Product) -> None:
    body = api.get("/v1/catalog/search", {"q": "کفش مردانه"}).json()
    assert body["mode"] == "keyword"
    assert [hit["product"]["name"] for hit in body["results"]] == [sample.NAME]


def test_the_knowledge_index_embeds_the_persian_text_unchanged(
    api: APIClient,
    tenant: Tenant,
    shoe: Product,
    embeddings_api: responses.RequestsMock,  # noqa: F811
) -> None:
    index_products(tenant_id=tenant.pk, product_ids=[shoe.pk])
    [[chunk]] = sent_inputs(embeddings_api)
    assert chunk == (
        f"{sample.NAME} {sample.SHORT_DESCRIPTION} {sample.DESCRIPTION} "
        f"Categories: {', '.join(sample.CATEGORIES)} Tags: {sample.TAGS[0]}"
    )
    body: dict[str, Any] = api.get("/v1/catalog/search", {"q": sample.NAME}).json()
    assert body["mode"] == "semantic"
    assert body["results"][0]["product"]["name"].encode() == NAME_BYTES
