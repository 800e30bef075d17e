"""Keeping the index in step with the catalog: re-embed on content change, else metadata only.

A product's `content_hash` covers its text; the document remembers the hash it embedded.
Equal hashes (and the same model) mean only metadata can have changed, which is written
without any embeddings call. Work is done in slices so memory is bounded by the slice,
not the catalog, and every embeddings call carries up to `EMBEDDINGS_BATCH_SIZE` texts
from many products.
"""

import logging
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Exists, OuterRef, Prefetch, QuerySet
from django.utils import timezone

from integrations.http import ApiError
from knowledge.chunking import product_text, split_into_chunks
from knowledge.embeddings import (
    EmbeddingsClient,
    Vector,
    client_from_settings,
    indexing_enabled,
)
from knowledge.models import DocumentStatus, KnowledgeChunk, KnowledgeDocument
from knowledge.triggers import schedule_reindex
from products_and_services.models import CONTENT_FIELDS, Product, ProductImage

logger = logging.getLogger(__name__)

# Fields whose change updates the document without re-embedding.
METADATA_FIELDS = frozenset(
    {"price", "sale_price", "currency", "stock_quantity", "is_active", "website_url"}
)
INDEXED_FIELDS = CONTENT_FIELDS | METADATA_FIELDS
SLICE_SIZE = 200
MAX_ERROR = 1000


@dataclass
class IndexReport:
    """What one indexing pass did, per product."""

    enabled: bool = True
    embedded: int = 0
    metadata_updated: int = 0
    unchanged: int = 0
    failed: int = 0
    chunks: int = 0


@dataclass
class _ToEmbed:
    product: Product
    content_hash: str
    metadata: dict[str, Any]
    chunks: list[str]


def image_urls(product: Product) -> list[str]:
    """External image URLs, and uploaded files by their media URL, in display order."""
    urls = []
    for image in product.images.all():
        if image.url:
            urls.append(image.url)
        elif image.image:
            urls.append(image.image.url)
    return urls


def product_metadata(product: Product) -> dict[str, Any]:
    """The non-content facts a search answer needs fresh; JSON-safe (prices as strings)."""
    return {
        "price": str(product.price),
        "sale_price": None if product.sale_price is None else str(product.sale_price),
        "currency": product.currency,
        "stock_quantity": product.stock_quantity,
        "is_active": product.is_active,
        "url": product.website_url,
        "images": image_urls(product),
    }


def _slices(ids: Sequence[int], size: int) -> Iterable[list[int]]:
    for start in range(0, len(ids), size):
        yield list(ids[start : start + size])


def index_products(
    *,
    tenant_id: object,
    product_ids: Iterable[int],
    client: EmbeddingsClient | None = None,
    slice_size: int = SLICE_SIZE,
) -> IndexReport:
    """Bring these products' documents up to date. Idempotent: safe to run twice.

    A retryable embeddings failure is recorded on the documents and re-raised (the task
    retries); a terminal one is recorded and the pass goes on.
    """
    report = IndexReport()
    if not indexing_enabled():
        report.enabled = False
        return report
    client = client or client_from_settings()
    for ids in _slices(sorted({int(pk) for pk in product_ids}), slice_size):
        _index_slice(tenant_id, ids, client, report)
    return report


def _index_slice(
    tenant_id: object, ids: list[int], client: EmbeddingsClient, report: IndexReport
) -> None:
    products = list(
        Product.objects.filter(tenant_id=tenant_id, pk__in=ids).prefetch_related(
            Prefetch("images", queryset=ProductImage.objects.order_by("position", "id"))
        )
    )
    documents = {
        d.product_id: d
        for d in KnowledgeDocument.objects.filter(tenant_id=tenant_id, product_id__in=ids)
    }
    now = timezone.now()
    to_embed: list[_ToEmbed] = []
    metadata_only: list[KnowledgeDocument] = []
    for product in products:
        metadata = product_metadata(product)
        document = documents.get(product.pk)
        if _is_current(document, product, client.model):
            assert document is not None
            if document.metadata == metadata:
                report.unchanged += 1
                continue
            document.metadata, document.updated_at = metadata, now
            metadata_only.append(document)
            continue
        chunks = split_into_chunks(
            product_text(product),
            size=settings.KNOWLEDGE_CHUNK_WORDS,
            overlap=settings.KNOWLEDGE_CHUNK_OVERLAP,
        )
        to_embed.append(_ToEmbed(product, product.content_hash, metadata, chunks))
    if metadata_only:
        KnowledgeDocument.objects.bulk_update(metadata_only, ["metadata", "updated_at"])
        report.metadata_updated += len(metadata_only)
    if to_embed:
        _embed_and_store(tenant_id, to_embed, client, report)


def _is_current(document: KnowledgeDocument | None, product: Product, model: str) -> bool:
    return (
        document is not None
        and document.status == DocumentStatus.INDEXED
        and document.indexed_content_hash == product.content_hash
        and document.model == model
    )


def _embed_and_store(
    tenant_id: object, items: list[_ToEmbed], client: EmbeddingsClient, report: IndexReport
) -> None:
    texts = [text for item in items for text in item.chunks]
    try:
        vectors = client.embed(texts)
    except ApiError as exc:
        report.failed += len(items)
        _record_failure(tenant_id, items, client.model, exc.message)
        if exc.retryable:
            raise
        return
    try:
        rows = _store_embeddings(tenant_id, items, vectors, client.model)
    except IntegrityError:
        # A product of this slice was deleted while it was embedded (its rows go with it, in
        # the database); the others are caught up by the sweep.
        logger.info("Products of tenant %s were deleted while indexing; slice skipped.", tenant_id)
        report.failed += len(items)
        return
    report.embedded += len(items)
    report.chunks += rows


def _store_embeddings(
    tenant_id: object, items: list[_ToEmbed], vectors: list[Vector], model: str
) -> int:
    """Replace the chunks of these documents; returns how many chunks were written."""
    with transaction.atomic():
        documents = _locked_documents(tenant_id, [item.product.pk for item in items])
        KnowledgeChunk.objects.filter(document__in=list(documents.values())).delete()
        now = timezone.now()
        rows: list[KnowledgeChunk] = []
        offset = 0
        for item in items:
            document = documents[item.product.pk]
            for position, text in enumerate(item.chunks):
                rows.append(
                    KnowledgeChunk(
                        document=document,
                        tenant_id=tenant_id,
                        position=position,
                        text=text,
                        embedding=vectors[offset + position],
                    )
                )
            offset += len(item.chunks)
            document.indexed_content_hash = item.content_hash
            document.metadata = item.metadata
            document.model = model
            document.status = DocumentStatus.INDEXED
            document.error = ""
            document.indexed_at = document.updated_at = now
        KnowledgeChunk.objects.bulk_create(rows, batch_size=500)
        KnowledgeDocument.objects.bulk_update(
            list(documents.values()),
            [
                "indexed_content_hash",
                "metadata",
                "model",
                "status",
                "error",
                "indexed_at",
                "updated_at",
            ],
        )
    return len(rows)


def _locked_documents(tenant_id: object, product_ids: list[int]) -> dict[int, KnowledgeDocument]:
    """Create missing documents, then lock them all (in id order) until the writer commits.

    The lock makes two passes over the same product write one after the other, so the
    chunks of one never mix with the other's.
    """
    KnowledgeDocument.objects.bulk_create(
        [KnowledgeDocument(tenant_id=tenant_id, product_id=pk) for pk in product_ids],
        ignore_conflicts=True,
    )
    locked = (
        KnowledgeDocument.objects.select_for_update()
        .filter(product_id__in=product_ids)
        .order_by("pk")
    )
    return {d.product_id: d for d in locked}


def _record_failure(tenant_id: object, items: list[_ToEmbed], model: str, message: str) -> None:
    ids = [item.product.pk for item in items]
    try:
        with transaction.atomic():
            _locked_documents(tenant_id, ids)
            KnowledgeDocument.objects.filter(product_id__in=ids).update(
                status=DocumentStatus.FAILED, error=message[:MAX_ERROR], updated_at=timezone.now()
            )
    except IntegrityError:
        pass  # a product was deleted meanwhile: nothing to record for it
    logger.warning(
        "Embedding %d product(s) of tenant %s with %s failed: %s",
        len(ids),
        tenant_id,
        model,
        message,
    )


def stale_products(limit: int) -> QuerySet[Product]:
    """Products whose text (or the model) differs from what their document embedded."""
    current = KnowledgeDocument.objects.filter(
        product=OuterRef("pk"),
        indexed_content_hash=OuterRef("content_hash"),
        model=settings.EMBEDDINGS_MODEL,
        status=DocumentStatus.INDEXED,
    )
    return Product.objects.filter(~Exists(current)).order_by("pk")[:limit]


def reindex_documents(documents: QuerySet[KnowledgeDocument]) -> int:
    """Admin action: forget what was embedded and queue the products again."""
    by_tenant: dict[object, list[int]] = {}
    for tenant_id, product_id in documents.values_list("tenant_id", "product_id"):
        by_tenant.setdefault(tenant_id, []).append(product_id)
    with transaction.atomic():
        count = documents.update(
            indexed_content_hash="", status=DocumentStatus.PENDING, updated_at=timezone.now()
        )
        for tenant_id, ids in by_tenant.items():
            schedule_reindex(ids, tenant_id=tenant_id)
    return count
