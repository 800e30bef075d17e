"""What the knowledge index holds: one document per product, its text chunks and embeddings.

Embeddings are JSON lists of floats so the same schema works on PostgreSQL and SQLite
(no pgvector); search compares them in Python over a bounded candidate set.
"""

from django.db import models

from products_and_services.models import Product
from tenants.models import Tenant


class DocumentStatus(models.TextChoices):
    PENDING = "pending", "Pending"
    INDEXED = "indexed", "Indexed"
    FAILED = "failed", "Failed"


class KnowledgeDocument(models.Model):
    """A product as the index last saw it: the content hash embedded and current metadata."""

    tenant = models.ForeignKey(Tenant, on_delete=models.CASCADE, related_name="+")
    product = models.OneToOneField(
        Product, on_delete=models.CASCADE, related_name="knowledge_document"
    )
    indexed_content_hash = models.CharField(
        max_length=64,
        blank=True,
        default="",
        help_text="The product content hash whose text the chunks hold; different means stale.",
    )
    metadata = models.JSONField(
        default=dict,
        blank=True,
        help_text="Price, sale price, currency, stock, images, url, active: updated without "
        "re-embedding.",
    )
    model = models.CharField(max_length=200, blank=True, default="")
    status = models.CharField(
        max_length=10, choices=DocumentStatus.choices, default=DocumentStatus.PENDING
    )
    error = models.TextField(blank=True, default="")
    indexed_at = models.DateTimeField(null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-indexed_at", "-id"]
        indexes = [
            models.Index(fields=["tenant", "status"], name="knowledge_doc_tenant_status"),
            models.Index(fields=["tenant", "-indexed_at"], name="knowledge_doc_tenant_indexed"),
        ]

    def __str__(self) -> str:
        return f"Knowledge of product #{self.product_id}"


class KnowledgeChunk(models.Model):
    """One slice of a product's text and its embedding vector."""

    document = models.ForeignKey(KnowledgeDocument, on_delete=models.CASCADE, related_name="chunks")
    tenant = models.ForeignKey(Tenant, on_delete=models.CASCADE, related_name="+")
    position = models.PositiveIntegerField()
    text = models.TextField()
    embedding = models.JSONField(default=list)

    class Meta:
        ordering = ["document", "position"]
        constraints = [
            models.UniqueConstraint(
                fields=["document", "position"], name="uniq_knowledge_chunk_position"
            ),
        ]
        indexes = [models.Index(fields=["tenant", "document"], name="knowledge_chunk_tenant")]

    def __str__(self) -> str:
        return f"Chunk {self.position} of document #{self.document_id}"
