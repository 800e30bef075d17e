"""Catalog search: semantic when the tenant has embeddings, keyword otherwise.

The query is embedded once; each product scores the cosine similarity of its best chunk.
Vectors are compared in Python while streaming the tenant's chunks (at most
`KNOWLEDGE_SEARCH_MAX_CHUNKS`, newest documents first), so memory stays bounded and the
same code runs on PostgreSQL and SQLite. Any failure to embed the query falls back to
keyword search rather than failing the request.
"""

import heapq
import logging
import math
import operator
from collections.abc import Sequence
from dataclasses import dataclass

from django.conf import settings
from django.db.models import Case, FloatField, Q, QuerySet, Value, When

from integrations.http import ApiError
from knowledge.embeddings import EmbeddingsClient, client_from_settings, indexing_enabled
from knowledge.models import KnowledgeChunk
from products_and_services.models import Product
from tenants.models import Tenant

logger = logging.getLogger(__name__)

MAX_QUERY_TERMS = 10


@dataclass(frozen=True)
class SearchHit:
    product: Product
    score: float


@dataclass(frozen=True)
class SearchResult:
    mode: str  # "semantic" | "keyword"
    hits: list[SearchHit]


def cosine(a: Sequence[float], b: Sequence[float]) -> float:
    """Cosine similarity; 0 for a zero vector or vectors of different length (other model)."""
    if len(a) != len(b):
        return 0.0
    norms = math.sqrt(sum(map(operator.mul, a, a))) * math.sqrt(sum(map(operator.mul, b, b)))
    return sum(map(operator.mul, a, b)) / norms if norms else 0.0


def search_products(
    *, tenant: Tenant, query: str, limit: int, client: EmbeddingsClient | None = None
) -> SearchResult:
    """Active products of `tenant` matching `query`, best first, at most `limit`."""
    if indexing_enabled():
        client = client or client_from_settings()
        chunks = _tenant_chunks(tenant, client.model)
        if chunks.exists():
            try:
                vector = client.embed([query])[0]
            except ApiError as exc:
                logger.warning("Query embedding failed, using keyword search: %s", exc.message)
            else:
                return SearchResult("semantic", _semantic(tenant, chunks, vector, limit))
    return SearchResult("keyword", _keyword(tenant, query, limit))


def _tenant_chunks(tenant: Tenant, model: str) -> QuerySet[KnowledgeChunk]:
    return KnowledgeChunk.objects.filter(
        tenant=tenant, document__model=model, document__product__is_active=True
    )


def _semantic(
    tenant: Tenant, chunks: QuerySet[KnowledgeChunk], vector: list[float], limit: int
) -> list[SearchHit]:
    best: dict[int, float] = {}
    rows = (
        chunks.order_by("-document__indexed_at", "document_id", "position")
        .values_list("document__product_id", "embedding")[: settings.KNOWLEDGE_SEARCH_MAX_CHUNKS]
        .iterator(chunk_size=500)
    )
    for product_id, embedding in rows:
        score = cosine(vector, embedding)
        if score > best.get(product_id, -2.0):
            best[product_id] = score
    # Below the floor a product is not related to the query: better no hit than a padded list.
    floor = settings.KNOWLEDGE_SEARCH_MIN_SCORE
    relevant = [(pk, score) for pk, score in best.items() if score >= floor]
    top = heapq.nsmallest(limit, relevant, key=lambda kv: (-kv[1], kv[0]))
    products = Product.objects.filter(tenant=tenant).in_bulk([pk for pk, _ in top])
    return [SearchHit(products[pk], round(score, 6)) for pk, score in top if pk in products]


def _keyword(tenant: Tenant, query: str, limit: int) -> list[SearchHit]:
    """Every term must appear in the name, SKU or a description; name matches rank first."""
    terms = query.split()[:MAX_QUERY_TERMS]
    matches = Q()
    for term in terms:
        matches &= (
            Q(name__icontains=term)
            | Q(sku__icontains=term)
            | Q(short_description__icontains=term)
            | Q(description__icontains=term)
        )
    rows = (
        Product.objects.filter(tenant=tenant, is_active=True)
        .filter(matches)
        .annotate(
            score=Case(
                When(Q(name__icontains=query) | Q(sku__iexact=query), then=Value(1.0)),
                default=Value(0.5),
                output_field=FloatField(),
            )
        )
        .order_by("-score", "name", "pk")[:limit]
    )
    return [SearchHit(product, product.score) for product in rows]
