"""Indexing: content changes re-embed, metadata-only changes make no embeddings call."""

from collections.abc import Callable
from decimal import Decimal
from typing import Any

import pytest
import responses

from integrations.http import RetryableError
from knowledge.indexing import index_products, reindex_documents, stale_products
from knowledge.models import DocumentStatus, KnowledgeChunk, KnowledgeDocument
from products_and_services.models import Product, ProductImage
from simulators.embeddings import embed_text
from tenants.models import Tenant
from tests.knowledge.conftest import ENDPOINT, MODEL, sent_inputs

pytestmark = pytest.mark.django_db


def index(product: Product) -> Any:
    return index_products(tenant_id=product.tenant_id, product_ids=[product.pk])


@pytest.fixture
def tent(tenant: Tenant, make_product: Callable[..., Product]) -> Product:
    return make_product(
        tenant,
        name="Trail Tent",
        sku="TENT",
        description="Waterproof two person tent",
        price=Decimal("189.50"),
        stock_quantity=4,
        website_url="https://shop.example.com/tent",
        categories=["Tents"],
        image_url=None,  # the scenario adds its image later
    )


def test_first_index_embeds_once_and_stores_chunks_and_metadata(
    tent: Product, embeddings_api: responses.RequestsMock
) -> None:
    report = index(tent)
    assert (report.embedded, report.metadata_updated, report.chunks) == (1, 0, 1)
    assert sent_inputs(embeddings_api) == [
        ["Trail Tent Waterproof two person tent Categories: Tents"]
    ]
    document = KnowledgeDocument.objects.get(product=tent)
    assert (document.status, document.model, document.indexed_content_hash, document.error) == (
        DocumentStatus.INDEXED,
        MODEL,
        tent.content_hash,
        "",
    )
    assert document.metadata == {
        "price": "189.50",
        "sale_price": None,
        "currency": "USD",
        "stock_quantity": 4,
        "is_active": True,
        "url": "https://shop.example.com/tent",
        "images": [],
    }
    chunk = KnowledgeChunk.objects.get(document=document)
    assert (chunk.tenant_id, chunk.position, chunk.text) == (
        tent.tenant_id,
        0,
        "Trail Tent Waterproof two person tent Categories: Tents",
    )
    assert chunk.embedding == embed_text(chunk.text, 64)


def test_metadata_only_changes_make_no_embedding_call(
    tent: Product, embeddings_api: responses.RequestsMock
) -> None:
    index(tent)
    chunk_ids = list(KnowledgeChunk.objects.values_list("pk", flat=True))
    tent.price, tent.sale_price, tent.stock_quantity = Decimal("150"), Decimal("140"), 0
    tent.save()
    ProductImage.objects.create(product=tent, url="https://cdn.example.com/tent.jpg")
    report = index(tent)
    assert (report.embedded, report.metadata_updated, report.unchanged) == (0, 1, 0)
    assert len(embeddings_api.calls) == 1  # only the first index
    metadata = KnowledgeDocument.objects.get(product=tent).metadata
    assert (metadata["price"], metadata["sale_price"], metadata["stock_quantity"]) == (
        "150.00",
        "140.00",
        0,
    )
    assert metadata["images"] == ["https://cdn.example.com/tent.jpg"]
    assert list(KnowledgeChunk.objects.values_list("pk", flat=True)) == chunk_ids


def test_nothing_changed_is_unchanged(
    tent: Product, embeddings_api: responses.RequestsMock
) -> None:
    index(tent)
    report = index(tent)
    assert (report.embedded, report.metadata_updated, report.unchanged) == (0, 0, 1)
    assert len(embeddings_api.calls) == 1


def test_content_change_re_embeds_exactly_once_and_replaces_chunks(
    tent: Product, embeddings_api: responses.RequestsMock
) -> None:
    index(tent)
    tent.description = "Ultralight tent with a bathtub floor"
    tent.save()
    report = index(tent)
    assert (report.embedded, report.metadata_updated) == (1, 0)
    assert len(embeddings_api.calls) == 2
    assert list(KnowledgeChunk.objects.values_list("text", flat=True)) == [
        "Trail Tent Ultralight tent with a bathtub floor Categories: Tents"
    ]
    assert KnowledgeDocument.objects.get().indexed_content_hash == tent.content_hash


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("name", "Trail Tent 2"),
        ("short_description", "Light"),
        ("categories", ["Shelters"]),
        ("tags", ["new"]),
    ],
)
def test_every_content_field_re_embeds(
    tent: Product, embeddings_api: responses.RequestsMock, field: str, value: object
) -> None:
    index(tent)
    setattr(tent, field, value)
    tent.save()
    assert index(tent).embedded == 1
    assert len(embeddings_api.calls) == 2


def test_many_products_share_batched_calls(
    tenant: Tenant,
    make_product: Callable[..., Product],
    embeddings_api: responses.RequestsMock,
    settings: Any,
) -> None:
    settings.EMBEDDINGS_BATCH_SIZE = 4
    settings.KNOWLEDGE_CHUNK_WORDS, settings.KNOWLEDGE_CHUNK_OVERLAP = 3, 1
    products = [make_product(tenant, name=f"Item {n}", description="a b c d") for n in range(3)]
    # "Item n a b c d": 6 words -> windows of 3 stepping 2 -> 3 chunks each, 9 texts in all.
    report = index_products(tenant_id=tenant.pk, product_ids=[p.pk for p in products])
    assert (report.embedded, report.chunks) == (3, 9)
    assert [len(batch) for batch in sent_inputs(embeddings_api)] == [4, 4, 1]
    assert list(
        KnowledgeChunk.objects.filter(document__product=products[1]).values_list("text", flat=True)
    ) == ["Item 1 a", "a b c", "c d"]


def test_model_change_re_embeds(
    tent: Product, embeddings_api: responses.RequestsMock, settings: Any
) -> None:
    index(tent)
    settings.EMBEDDINGS_MODEL = "another-model"
    assert index(tent).embedded == 1
    assert KnowledgeDocument.objects.get().model == "another-model"


def test_indexing_off_calls_nothing_and_writes_nothing(tent: Product, settings: Any) -> None:
    settings.EMBEDDINGS_API_KEY = ""
    with responses.RequestsMock() as mock:
        report = index(tent)
        assert len(mock.calls) == 0
    assert report.enabled is False
    assert KnowledgeDocument.objects.count() == 0


def test_other_tenants_products_are_not_touched(
    tent: Product, other_tenant: Tenant, embeddings_api: responses.RequestsMock
) -> None:
    report = index_products(tenant_id=other_tenant.pk, product_ids=[tent.pk])
    assert (report.embedded, report.unchanged) == (0, 0)
    assert len(embeddings_api.calls) == 0
    assert KnowledgeDocument.objects.count() == 0


def test_terminal_failure_is_recorded_and_not_raised(tent: Product, indexing_on: Any) -> None:
    with responses.RequestsMock() as mock:
        mock.add(responses.POST, ENDPOINT, status=400, json={"error": {"message": "too long"}})
        report = index(tent)
        assert len(mock.calls) == 1
    assert report.failed == 1
    document = KnowledgeDocument.objects.get(product=tent)
    assert document.status == DocumentStatus.FAILED
    assert "HTTP 400" in document.error and "too long" in document.error
    assert document.indexed_content_hash == ""
    assert KnowledgeChunk.objects.count() == 0


def test_retryable_failure_is_recorded_then_raised_and_old_chunks_stay(
    tent: Product, embeddings_api: responses.RequestsMock
) -> None:
    index(tent)
    tent.description = "New text"
    tent.save()
    embeddings_api.replace(responses.POST, ENDPOINT, status=503, json={})
    with pytest.raises(RetryableError):
        index(tent)
    assert len(embeddings_api.calls) == 1 + 5
    document = KnowledgeDocument.objects.get()
    assert document.status == DocumentStatus.FAILED
    assert list(KnowledgeChunk.objects.values_list("text", flat=True)) == [
        "Trail Tent Waterproof two person tent Categories: Tents"
    ]
    assert list(stale_products(10)) == [tent]


def test_deleting_a_product_removes_its_document_and_chunks(
    tent: Product, embeddings_api: responses.RequestsMock
) -> None:
    index(tent)
    tent.delete()
    assert (KnowledgeDocument.objects.count(), KnowledgeChunk.objects.count()) == (0, 0)


def test_stale_products_are_missing_changed_or_failed(
    tenant: Tenant, make_product: Callable[..., Product], embeddings_api: responses.RequestsMock
) -> None:
    current, changed, missing = (make_product(tenant) for _ in range(3))
    index_products(tenant_id=tenant.pk, product_ids=[current.pk, changed.pk])
    changed.description = "Edited"
    changed.save()
    assert list(stale_products(10)) == [changed, missing]
    assert list(stale_products(1)) == [changed]


def test_reindex_documents_forgets_the_hash(
    tent: Product, embeddings_api: responses.RequestsMock
) -> None:
    index(tent)
    assert reindex_documents(KnowledgeDocument.objects.all()) == 1
    document = KnowledgeDocument.objects.get()
    assert (document.status, document.indexed_content_hash) == (DocumentStatus.PENDING, "")
    assert index(tent).embedded == 1
    assert len(embeddings_api.calls) == 2
