"""The catalog REST API: thin viewsets over the serializers and services."""

from django.db.models import Prefetch, QuerySet
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import viewsets
from rest_framework.serializers import BaseSerializer

from products_and_services.audit import (
    product_snapshot,
    record_product_change,
    record_product_deleted,
)
from products_and_services.filters import ProductFilter
from products_and_services.models import Product, ProductImage, ProductVariant
from products_and_services.serializers import ProductSerializer
from products_and_services.services import delete_products
from tenants.authentication import TenantPrincipal
from tenants.permissions import current_tenant
from tenants.scopes import CATALOG_READ, CATALOG_WRITE


@extend_schema_view(
    list=extend_schema(summary="List products", tags=["catalog"]),
    retrieve=extend_schema(summary="Get a product", tags=["catalog"]),
    create=extend_schema(summary="Create a product", tags=["catalog"]),
    update=extend_schema(summary="Replace a product", tags=["catalog"]),
    partial_update=extend_schema(summary="Update a product", tags=["catalog"]),
    destroy=extend_schema(summary="Delete a product", tags=["catalog"]),
)
class ProductViewSet(viewsets.ModelViewSet):
    """Products of the caller's tenant; another tenant's id answers 404."""

    serializer_class = ProductSerializer
    filterset_class = ProductFilter
    search_fields = ("name", "sku")
    ordering_fields = ("updated_at", "name", "price", "created_at")
    ordering = ("-updated_at", "-id")
    read_scope = CATALOG_READ
    write_scope = CATALOG_WRITE

    def get_queryset(self) -> QuerySet[Product]:
        if getattr(self, "swagger_fake_view", False):
            return Product.objects.none()
        return Product.objects.filter(tenant=current_tenant(self.request).tenant).prefetch_related(
            Prefetch("variants", queryset=ProductVariant.objects.order_by("position", "id")),
            Prefetch("images", queryset=ProductImage.objects.order_by("position", "id")),
        )

    def get_serializer_context(self) -> dict[str, object]:
        context = super().get_serializer_context()
        if isinstance(getattr(self.request, "user", None), TenantPrincipal):
            context["tenant"] = current_tenant(self.request).tenant
        return context

    def perform_create(self, serializer: BaseSerializer[Product]) -> None:
        product = serializer.save()
        record_product_change(product=product, actor=str(self.request.user), before=None, via="api")

    def perform_update(self, serializer: BaseSerializer[Product]) -> None:
        before = product_snapshot(serializer.instance)
        product = serializer.save()
        record_product_change(
            product=product, actor=str(self.request.user), before=before, via="api"
        )

    def perform_destroy(self, instance: Product) -> None:
        record_product_deleted(product=instance, actor=str(self.request.user), via="api")
        delete_products(tenant_id=instance.tenant_id, product_ids=[instance.pk])
