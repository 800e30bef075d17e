"""GET /v1/catalog/search: semantic ranking, keyword fallback, tenant isolation, bad input."""

from collections.abc import Callable
from decimal import Decimal
from typing import Any

import pytest
import responses
from django.db import connection
from django.test.utils import CaptureQueriesContext
from rest_framework.test import APIClient

from knowledge.indexing import index_products
from knowledge.search import search_products
from products_and_services.models import Product
from tenants.models import Tenant
from tenants.scopes import CATALOG_WRITE
from tests.knowledge.conftest import ENDPOINT, sent_inputs

pytestmark = pytest.mark.django_db
URL = "/v1/catalog/search"


@pytest.fixture
def catalog(tenant: Tenant, make_product: Callable[..., Product]) -> dict[str, Product]:
    return {
        "tent": make_product(
            tenant,
            name="Trail Tent",
            sku="TENT",
            description="Waterproof two person tent with aluminium poles",
            price=Decimal("189.50"),
        ),
        "mug": make_product(
            tenant, name="Enamel Mug", sku="MUG", description="Camping coffee mug, blue enamel"
        ),
        "lamp": make_product(
            tenant, name="Head Lamp", sku="LAMP", description="Bright LED lamp for night hikes"
        ),
    }


def index_all(tenant: Tenant) -> None:
    ids = list(Product.objects.filter(tenant=tenant).values_list("pk", flat=True))
    index_products(tenant_id=tenant.pk, product_ids=ids)


def names(body: dict[str, Any]) -> list[str]:
    return [hit["product"]["name"] for hit in body["results"]]


def test_semantic_search_ranks_by_best_chunk(
    api: APIClient,
    tenant: Tenant,
    catalog: dict[str, Product],
    embeddings_api: responses.RequestsMock,
) -> None:
    index_all(tenant)
    calls_before = len(embeddings_api.calls)
    response = api.get(URL, {"q": "waterproof tent", "limit": 2})
    assert response.status_code == 200
    body = response.json()
    assert (body["query"], body["mode"]) == ("waterproof tent", "semantic")
    # The mug shares no word (score 0): below the relevance floor, it is not padded in.
    assert [(n, h["score"]) for n, h in zip(names(body), body["results"], strict=True)] == [
        ("Trail Tent", 0.639602),
    ]
    assert body["results"][0]["product"] == {
        "id": catalog["tent"].pk,
        "name": "Trail Tent",
        "sku": "TENT",
        "short_description": "",
        "price": "189.50",
        "sale_price": None,
        "currency": "USD",
        "stock_quantity": None,
        "website_url": "",
        "categories": [],
        "tags": [],
    }
    assert len(embeddings_api.calls) == calls_before + 1  # the query, embedded once
    assert sent_inputs(embeddings_api)[-1] == ["waterproof tent"]


def test_semantic_search_never_returns_another_tenants_products(
    api: APIClient,
    tenant: Tenant,
    other_tenant: Tenant,
    make_product: Callable[..., Product],
    catalog: dict[str, Product],
    embeddings_api: responses.RequestsMock,
) -> None:
    rival = make_product(other_tenant, name="Trail Tent", description="Waterproof tent")
    index_all(tenant)
    index_all(other_tenant)
    body = api.get(URL, {"q": "waterproof trail tent", "limit": 50}).json()
    assert body["mode"] == "semantic"
    ids = {hit["product"]["id"] for hit in body["results"]}
    assert ids == {catalog["tent"].pk}
    assert rival.pk not in ids


def test_without_a_floor_unrelated_products_pad_the_list(
    api: APIClient,
    tenant: Tenant,
    catalog: dict[str, Product],
    embeddings_api: responses.RequestsMock,
    settings: Any,
) -> None:
    settings.KNOWLEDGE_SEARCH_MIN_SCORE = 0
    index_all(tenant)
    body = api.get(URL, {"q": "waterproof tent", "limit": 2}).json()
    # Ties (no shared words, score 0) go to the lower product id.
    assert [(n, h["score"]) for n, h in zip(names(body), body["results"], strict=True)] == [
        ("Trail Tent", 0.639602),
        ("Enamel Mug", 0.0),
    ]


def test_semantic_search_costs_a_fixed_number_of_queries(
    tenant: Tenant, catalog: dict[str, Product], embeddings_api: responses.RequestsMock
) -> None:
    index_all(tenant)
    with CaptureQueriesContext(connection) as queries:
        result = search_products(tenant=tenant, query="enamel mug", limit=10)
    assert result.mode == "semantic"
    assert result.hits[0].product == catalog["mug"]
    assert len(queries) == 3  # any chunks?, the chunks, the products


def test_inactive_products_are_not_found(
    api: APIClient,
    tenant: Tenant,
    catalog: dict[str, Product],
    embeddings_api: responses.RequestsMock,
) -> None:
    index_all(tenant)
    Product.objects.filter(pk=catalog["tent"].pk).update(is_active=False)
    assert "Trail Tent" not in names(api.get(URL, {"q": "tent"}).json())


def test_keyword_search_when_indexing_is_off(
    api: APIClient,
    other_tenant: Tenant,
    make_product: Callable[..., Product],
    catalog: dict[str, Product],
) -> None:
    make_product(other_tenant, name="Another Mug", description="mug")
    with responses.RequestsMock() as mock:
        body = api.get(URL, {"q": "mug"}).json()
        assert len(mock.calls) == 0
    assert body == {
        "query": "mug",
        "mode": "keyword",
        "results": [
            {"product": body["results"][0]["product"], "score": 1.0},
        ],
    }
    assert body["results"][0]["product"]["id"] == catalog["mug"].pk


def test_keyword_search_needs_every_term_and_ranks_name_matches_first(
    api: APIClient, catalog: dict[str, Product]
) -> None:
    body = api.get(URL, {"q": "lamp"}).json()
    assert [(n, h["score"]) for n, h in zip(names(body), body["results"], strict=True)] == [
        ("Head Lamp", 1.0)
    ]
    body = api.get(URL, {"q": "camping blue"}).json()
    assert [(n, h["score"]) for n, h in zip(names(body), body["results"], strict=True)] == [
        ("Enamel Mug", 0.5)
    ]
    assert api.get(URL, {"q": "TENT"}).json()["results"][0]["product"]["sku"] == "TENT"
    assert api.get(URL, {"q": "kayak"}).json()["results"] == []


def test_keyword_search_when_the_tenant_has_no_embeddings_yet(
    api: APIClient, catalog: dict[str, Product], embeddings_api: responses.RequestsMock
) -> None:
    body = api.get(URL, {"q": "tent"}).json()
    assert (body["mode"], names(body)) == ("keyword", ["Trail Tent"])
    assert len(embeddings_api.calls) == 0


def test_keyword_fallback_when_the_query_cannot_be_embedded(
    api: APIClient,
    tenant: Tenant,
    catalog: dict[str, Product],
    embeddings_api: responses.RequestsMock,
) -> None:
    index_all(tenant)
    embeddings_api.replace(responses.POST, ENDPOINT, status=500, json={})
    body = api.get(URL, {"q": "tent"}).json()
    assert (body["mode"], names(body)) == ("keyword", ["Trail Tent"])


@pytest.mark.parametrize(
    ("params", "errors"),
    [
        ({}, {"q": ["This field is required."]}),
        ({"q": ""}, {"q": ["This field may not be blank."]}),
        ({"q": "   "}, {"q": ["This field may not be blank."]}),
        ({"q": "x" * 501}, {"q": ["Ensure this field has no more than 500 characters."]}),
        (
            {"q": "tent", "limit": 0},
            {"limit": ["Ensure this value is greater than or equal to 1."]},
        ),
        ({"q": "tent", "limit": 51}, {"limit": ["Ensure this value is less than or equal to 50."]}),
        ({"q": "tent", "limit": "ten"}, {"limit": ["A valid integer is required."]}),
    ],
)
def test_bad_input_is_400_with_field_errors(
    api: APIClient, params: dict[str, Any], errors: dict[str, list[str]]
) -> None:
    response = api.get(URL, params)
    assert response.status_code == 400
    assert response.json() == errors


def test_needs_catalog_read(tenant: Tenant, client_for: Callable[..., APIClient]) -> None:
    response = client_for(tenant, scopes=(CATALOG_WRITE,)).get(URL, {"q": "tent"})
    assert response.status_code == 403
    assert response.json() == {"detail": "This endpoint needs the 'catalog:read' scope."}
    assert APIClient().get(URL, {"q": "tent"}).status_code == 401
