"""Token management and the plugin event log over the REST API (`integrations:manage`)."""

from typing import Any

from django.db.models import QuerySet
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiExample,
    extend_schema,
    extend_schema_field,
    extend_schema_view,
)
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.serializers import BaseSerializer

from common.serializer_fields import StrictCharField
from integrations.webhooks.models import (
    IntegrationToken,
    IntegrationType,
    TokenEnvironment,
    WooCommerceEventLog,
)
from integrations.webhooks.tokens import TokenStoreError, bind_token, issue_token, revoke_token
from integrations.woocommerce.models import WooCommerceStore
from tenants.permissions import current_tenant
from tenants.scopes import INTEGRATIONS_MANAGE


class IntegrationTokenSerializer(serializers.ModelSerializer):
    created_by = serializers.CharField(
        source="created_by.username", default=None, read_only=True, allow_null=True
    )

    class Meta:
        model = IntegrationToken
        fields = (
            "id",
            "name",
            "integration_type",
            "environment",
            "store",
            "prefix",
            "is_active",
            "usage_count",
            "last_used_at",
            "created_by",
            "created_at",
            "revoked_at",
        )
        read_only_fields = fields


@extend_schema_field(OpenApiTypes.INT)
class TenantStoreField(serializers.PrimaryKeyRelatedField):
    """A WooCommerce store id of the caller's tenant; another tenant's id is 'does not exist'."""

    def get_queryset(self) -> QuerySet[WooCommerceStore]:
        tenant = current_tenant(self.context["request"]).tenant
        return WooCommerceStore.objects.filter(tenant=tenant)

    def to_internal_value(self, data: Any) -> WooCommerceStore:
        # An id, as the schema says: DRF would also look up "3" or 3.0.
        if isinstance(data, bool) or not isinstance(data, int):
            self.fail("incorrect_type", data_type=type(data).__name__)
        return super().to_internal_value(data)


STORE_HELP = (
    "The WooCommerce store whose products the plugin's events are. Omitted on generate: the "
    "tenant's first store. A token with no store gets 409 from the plugin endpoints."
)


class GenerateTokenRequest(serializers.Serializer):
    integration_type = serializers.ChoiceField(choices=IntegrationType.choices)
    name = StrictCharField(max_length=100)
    environment = serializers.ChoiceField(
        choices=TokenEnvironment.choices, default=TokenEnvironment.LIVE
    )
    store = TenantStoreField(required=False, allow_null=True, help_text=STORE_HELP)


class BindTokenRequest(serializers.Serializer):
    store = TenantStoreField(allow_null=True, help_text=STORE_HELP)


class GeneratedTokenSerializer(IntegrationTokenSerializer):
    token = serializers.CharField(read_only=True, help_text="Shown once; only a hash is kept.")

    class Meta(IntegrationTokenSerializer.Meta):
        fields = (*IntegrationTokenSerializer.Meta.fields, "token")
        read_only_fields = fields


TOKEN_EXAMPLE = {
    "id": 7,
    "name": "Main shop plugin",
    "integration_type": "woocommerce",
    "environment": "live",
    "store": 3,
    "prefix": "wc_sk_live_Q3vX9aLm",
    "is_active": True,
    "usage_count": 1520,
    "last_used_at": "2026-11-23T08:00:00Z",
    "created_by": "alice",
    "created_at": "2026-11-01T10:00:00Z",
    "revoked_at": None,
}


@extend_schema_view(
    list=extend_schema(
        summary="List integration tokens (never their values)",
        tags=["integration tokens"],
        examples=[OpenApiExample("A token", value=TOKEN_EXAMPLE, response_only=True)],
    ),
    destroy=extend_schema(
        summary="Revoke a token (it stops working at once; the row is kept)",
        tags=["integration tokens"],
    ),
    partial_update=extend_schema(
        summary="Bind a WooCommerce token to another store (its next events land there)",
        tags=["integration tokens"],
        request=BindTokenRequest,
        responses={200: IntegrationTokenSerializer},
        examples=[OpenApiExample("Rebind", value={"store": 4}, request_only=True)],
    ),
)
class IntegrationTokenViewSet(
    mixins.ListModelMixin, mixins.DestroyModelMixin, viewsets.GenericViewSet
):
    """The caller's tenant's tokens; another tenant's id answers 404."""

    serializer_class = IntegrationTokenSerializer
    required_scope = INTEGRATIONS_MANAGE
    filterset_fields = ("integration_type", "is_active")
    ordering_fields = ("created_at", "last_used_at")
    ordering = ("-created_at",)
    search_fields = ("name", "prefix")

    def get_queryset(self) -> QuerySet[IntegrationToken]:
        if getattr(self, "swagger_fake_view", False):
            return IntegrationToken.objects.none()
        return IntegrationToken.objects.filter(
            tenant=current_tenant(self.request).tenant
        ).select_related("created_by")

    def get_serializer_class(self) -> type[BaseSerializer[Any]]:
        if self.action == "generate":
            return GenerateTokenRequest
        if self.action == "partial_update":
            return BindTokenRequest
        return IntegrationTokenSerializer

    @extend_schema(
        summary="Generate a token; its value is in this answer only",
        tags=["integration tokens"],
        request=GenerateTokenRequest,
        responses={201: GeneratedTokenSerializer},
        examples=[
            OpenApiExample(
                "WooCommerce plugin",
                value={"integration_type": "woocommerce", "name": "Main shop plugin"},
                request_only=True,
            ),
            OpenApiExample(
                "Generated",
                value={
                    **TOKEN_EXAMPLE,
                    "usage_count": 0,
                    "last_used_at": None,
                    "token": "wc_sk_live_Q3vX9aLmT0pR7sW2yZ4bC6dE8fG1hJ3kL5nN7qP9",
                },
                response_only=True,
            ),
        ],
    )
    @action(detail=False, methods=["post"])
    def generate(self, request: Request) -> Response:
        principal = current_tenant(request)
        body = GenerateTokenRequest(
            data=request.data if isinstance(request.data, dict) else {},
            context=self.get_serializer_context(),
        )
        body.is_valid(raise_exception=True)
        try:
            issued = issue_token(
                tenant=principal.tenant,
                integration_type=body.validated_data["integration_type"],
                name=body.validated_data["name"],
                environment=body.validated_data["environment"],
                store=body.validated_data.get("store"),
                created_by=principal.user,
                actor=principal.actor,
            )
        except TokenStoreError as exc:
            raise serializers.ValidationError({"store": [str(exc)]}) from exc
        data = GeneratedTokenSerializer(issued.token).data
        data["token"] = issued.plain_token
        return Response(data, status=status.HTTP_201_CREATED)

    def partial_update(self, request: Request, pk: str | None = None) -> Response:
        token = self.get_object()
        body = BindTokenRequest(
            data=request.data if isinstance(request.data, dict) else {},
            context=self.get_serializer_context(),
        )
        body.is_valid(raise_exception=True)
        try:
            bind_token(
                token=token,
                store=body.validated_data["store"],
                actor=current_tenant(request).actor,
            )
        except TokenStoreError as exc:
            raise serializers.ValidationError({"store": [str(exc)]}) from exc
        return Response(IntegrationTokenSerializer(token).data)

    def perform_destroy(self, instance: IntegrationToken) -> None:
        revoke_token(token=instance, actor=current_tenant(self.request).actor)


class WooEventSerializer(serializers.ModelSerializer):
    class Meta:
        model = WooCommerceEventLog
        fields = (
            "id",
            "event_id",
            "event_type",
            "woo_product_id",
            "product",
            "occurred_at",
            "received_at",
            "processed_at",
            "processed_successfully",
            "outcome",
            "attempts",
            "error",
            "payload",
        )
        read_only_fields = fields


EVENT_EXAMPLE = {
    "id": 311,
    "event_id": "wc_2026_11_23_54321",
    "event_type": "product.updated",
    "woo_product_id": 414,
    "product": 88,
    "occurred_at": "2026-11-23T08:00:00Z",
    "received_at": "2026-11-23T08:00:00.120Z",
    "processed_at": "2026-11-23T08:00:00.410Z",
    "processed_successfully": True,
    "outcome": "updated",
    "attempts": 1,
    "error": "",
    "payload": {"event_id": "wc_2026_11_23_54321", "event_type": "product.updated"},
}


@extend_schema_view(
    list=extend_schema(
        summary="List WooCommerce plugin events",
        tags=["integration tokens"],
        examples=[OpenApiExample("An event", value=EVENT_EXAMPLE, response_only=True)],
    ),
)
class WooEventViewSet(mixins.ListModelMixin, viewsets.GenericViewSet):
    """Events the plugin sent for the caller's tenant, newest first."""

    serializer_class = WooEventSerializer
    required_scope = INTEGRATIONS_MANAGE
    filterset_fields = ("event_type", "processed_successfully", "woo_product_id")
    ordering_fields = ("received_at",)
    ordering = ("-received_at",)
    search_fields = ("event_id",)

    def get_queryset(self) -> QuerySet[WooCommerceEventLog]:
        if getattr(self, "swagger_fake_view", False):
            return WooCommerceEventLog.objects.none()
        return WooCommerceEventLog.objects.filter(tenant=current_tenant(self.request).tenant)
