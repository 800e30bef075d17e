"""Admin: the knowledge documents (read-only, re-index action) and the index state per product.

When no embeddings key is configured the pages say that indexing is off instead of failing.
"""

from typing import Any

from django.contrib import admin, messages
from django.db.models import Count, QuerySet
from django.http import HttpRequest, HttpResponse

from knowledge.embeddings import indexing_enabled
from knowledge.indexing import reindex_documents
from knowledge.models import DocumentStatus, KnowledgeDocument
from products_and_services.models import Product
from tenants.admin_scoping import TenantScopedAdmin

INDEXING_OFF = (
    "Knowledge indexing is off: no EMBEDDINGS_API_KEY is configured. Products are not "
    "embedded and catalog search uses keyword matching."
)


@admin.register(KnowledgeDocument)
class KnowledgeDocumentAdmin(TenantScopedAdmin):
    list_display = ("product", "tenant", "status", "chunk_count", "model", "indexed_at", "error")
    list_filter = ("status", "tenant", "model")
    search_fields = ("product__name", "product__sku")
    list_select_related = ("product", "tenant")
    readonly_fields = (
        "tenant",
        "product",
        "status",
        "error",
        "model",
        "indexed_content_hash",
        "metadata",
        "indexed_at",
        "updated_at",
    )
    actions = ("reindex_selected",)

    def get_queryset(self, request: HttpRequest) -> QuerySet[KnowledgeDocument]:
        return super().get_queryset(request).annotate(_chunks=Count("chunks"))

    @admin.display(description="Chunks", ordering="_chunks")
    def chunk_count(self, obj: KnowledgeDocument) -> int:
        return getattr(obj, "_chunks", 0)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def changelist_view(
        self, request: HttpRequest, extra_context: dict[str, Any] | None = None
    ) -> HttpResponse:
        if not indexing_enabled() and request.method == "GET":
            messages.warning(request, INDEXING_OFF)
        return super().changelist_view(request, extra_context)

    @admin.action(description="Re-index selected", permissions=["view"])
    def reindex_selected(self, request: HttpRequest, queryset: QuerySet[KnowledgeDocument]) -> None:
        if not indexing_enabled():
            self.message_user(request, INDEXING_OFF, messages.WARNING)
            return
        count = reindex_documents(queryset)
        self.message_user(request, f"Queued {count} document(s) for re-indexing.", messages.SUCCESS)


def knowledge_state(product: Product) -> str:
    """One line for the product page: off, not indexed yet, stale, failed or indexed."""
    if not indexing_enabled():
        return "Indexing is off (no EMBEDDINGS_API_KEY configured)."
    document = KnowledgeDocument.objects.filter(product_id=product.pk).first()
    if document is None:
        return "Not indexed yet."
    if document.status == DocumentStatus.FAILED:
        return f"Failed: {document.error}"
    if document.indexed_content_hash != product.content_hash:
        return "Queued: the text changed since it was last embedded."
    chunks = document.chunks.count()
    return f"Indexed {document.indexed_at:%Y-%m-%d %H:%M} UTC, {chunks} chunk(s), {document.model}."


BaseProductAdmin = type(admin.site._registry[Product])


class KnowledgeProductAdmin(BaseProductAdmin):  # type: ignore[misc, valid-type]
    """Adds the knowledge index state to the product page."""

    readonly_fields = (*BaseProductAdmin.readonly_fields, "knowledge_index")
    fieldsets = (
        *BaseProductAdmin.fieldsets,
        ("Knowledge index", {"classes": ("collapse",), "fields": ("knowledge_index",)}),
    )

    @admin.display(description="Knowledge index")
    def knowledge_index(self, obj: Product) -> str:
        return knowledge_state(obj) if obj.pk else "Indexed after the first save."


admin.site.unregister(Product)
admin.site.register(Product, KnowledgeProductAdmin)
