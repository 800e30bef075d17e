"""Knowledge admin: read-only documents, chunk counts, re-index action, indexing-off notices."""

from collections.abc import Callable
from typing import Any

import pytest
import responses
from django.test import Client

from knowledge.indexing import index_products
from knowledge.models import DocumentStatus, KnowledgeDocument
from products_and_services.models import Product
from tenants.models import Tenant
from tests.knowledge.conftest import created_with_indexing_off

pytestmark = pytest.mark.django_db
DOCUMENTS = "/admin/knowledge/knowledgedocument/"
OFF = "Knowledge indexing is off: no EMBEDDINGS_API_KEY is configured."


def test_indexing_off_is_said_on_both_pages(
    admin_client: Client, tenant: Tenant, make_product: Callable[..., Product]
) -> None:
    product = make_product(tenant)
    assert OFF in admin_client.get(DOCUMENTS).content.decode()
    page = admin_client.get(f"/admin/products_and_services/product/{product.pk}/change/")
    assert page.status_code == 200
    assert "Indexing is off (no EMBEDDINGS_API_KEY configured)." in page.content.decode()


def test_documents_list_status_and_chunks_and_reindex_action(
    admin_client: Client,
    tenant: Tenant,
    make_product: Callable[..., Product],
    embeddings_api: responses.RequestsMock,
    settings: Any,
    django_capture_on_commit_callbacks: Callable[..., Any],
) -> None:
    settings.KNOWLEDGE_CHUNK_WORDS, settings.KNOWLEDGE_CHUNK_OVERLAP = 3, 0
    product = created_with_indexing_off(
        lambda t: make_product(t, name="Trail Tent", description="one two three four"),
        tenant,
        settings,
    )
    index_products(tenant_id=tenant.pk, product_ids=[product.pk])
    html = admin_client.get(DOCUMENTS).content.decode()
    assert OFF not in html
    assert "Trail Tent" in html
    assert '<td class="field-chunk_count">2</td>' in html
    page = admin_client.get(f"/admin/products_and_services/product/{product.pk}/change/")
    assert "2 chunk(s), test-embedding-model." in page.content.decode()
    document = KnowledgeDocument.objects.get()
    assert admin_client.get(f"{DOCUMENTS}add/").status_code == 403
    with django_capture_on_commit_callbacks() as callbacks:
        response = admin_client.post(
            DOCUMENTS,
            {"action": "reindex_selected", "_selected_action": [document.pk]},
            follow=True,
        )
    assert "Queued 1 document(s) for re-indexing." in response.content.decode()
    document.refresh_from_db()
    assert (document.status, document.indexed_content_hash) == (DocumentStatus.PENDING, "")
    assert [sorted(c.knowledge_ids) for c in callbacks if hasattr(c, "knowledge_ids")] == [
        [product.pk]
    ]
