"""The plugin's endpoints: the product-event webhook and the token health check."""

from drf_spectacular.utils import OpenApiExample, OpenApiResponse, extend_schema
from rest_framework import status
from rest_framework.exceptions import APIException, PermissionDenied, ValidationError
from rest_framework.permissions import IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from integrations.webhooks.auth import IntegrationTokenAuthentication, TokenPrincipal
from integrations.webhooks.models import IntegrationType
from integrations.webhooks.plugin_events import NOT_BOUND, record_event
from integrations.webhooks.plugin_serializers import (
    PluginAcceptedSerializer,
    PluginEventSerializer,
    PluginHealthSerializer,
)
from integrations.webhooks.tasks import enqueue_event

ERROR = OpenApiResponse(description='JSON error body, e.g. {"detail": "..."} or field errors.')


class TokenNotBound(APIException):
    """A WooCommerce token with no store: its events would have no store to land in."""

    status_code = status.HTTP_409_CONFLICT
    default_detail = NOT_BOUND
    default_code = "token_not_bound"


class PluginView(APIView):
    """Bearer-token endpoints for one integration type; other tokens get 403."""

    authentication_classes = (IntegrationTokenAuthentication,)
    permission_classes = (IsAuthenticated,)
    integration_type = IntegrationType.WOOCOMMERCE

    def principal(self, request: Request) -> TokenPrincipal:
        principal = request.user
        assert isinstance(principal, TokenPrincipal)
        if principal.token.integration_type != self.integration_type:
            raise PermissionDenied(f"This token is not a {self.integration_type} token.")
        if principal.token.store_id is None:
            raise TokenNotBound()
        return principal


class WooPluginWebhookView(PluginView):
    """Accept a product event, store it once per event id, and apply it in a task."""

    @extend_schema(
        summary="Receive a product event from the WordPress plugin",
        tags=["plugin webhook"],
        request=PluginEventSerializer,
        responses={
            202: PluginAcceptedSerializer,
            200: PluginAcceptedSerializer,
            400: ERROR,
            401: ERROR,
            403: ERROR,
            409: ERROR,
            413: ERROR,
        },
        examples=[
            OpenApiExample(
                "Product updated",
                value={
                    "event_id": "wc_2026_11_23_54321",
                    "event_type": "product.updated",
                    "occurred_at": "2026-11-23T08:00:00Z",
                    "product": {
                        "id": 414,
                        "sku": "PROD-001",
                        "name": "Trail shoe",
                        "short_description": "Light and comfortable",
                        "description": "A trail shoe with a soft sole.",
                        "price": "85.00",
                        "sale_price": "",
                        "currency": "EUR",
                        "stock_quantity": 12,
                        "stock_status": "instock",
                        "status": "publish",
                        "categories": ["Shoes", "Men"],
                        "tags": ["sport"],
                        "image": "https://shop.example.com/wp-content/uploads/shoe.jpg",
                        "images": [],
                        "permalink": "https://shop.example.com/product/trail-shoe/",
                        "date_modified_gmt": "2026-11-23T08:00:00",
                    },
                },
                request_only=True,
            ),
            OpenApiExample(
                "Accepted",
                value={"status": "accepted", "event_id": "wc_2026_11_23_54321"},
                response_only=True,
                status_codes=["202"],
            ),
            OpenApiExample(
                "Already received",
                value={"status": "duplicate", "event_id": "wc_2026_11_23_54321"},
                response_only=True,
                status_codes=["200"],
            ),
        ],
    )
    def post(self, request: Request) -> Response:
        principal = self.principal(request)
        if not isinstance(request.data, dict):
            raise ValidationError({"detail": "The body must be a JSON object."})
        body = PluginEventSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        event = record_event(token=principal.token, data=body.validated_data, payload=request.data)
        event_id = body.validated_data["event_id"]
        if event is None:
            return Response({"status": "duplicate", "event_id": event_id})
        enqueue_event(event.pk)
        return Response({"status": "accepted", "event_id": event_id}, status.HTTP_202_ACCEPTED)


class WooPluginHealthView(PluginView):
    """Lets the plugin's 'Test connection' button check the URL and the token."""

    @extend_schema(
        summary="Check a plugin token",
        tags=["plugin webhook"],
        responses={200: PluginHealthSerializer, 401: ERROR, 403: ERROR, 409: ERROR},
        examples=[
            OpenApiExample(
                "Token works",
                value={
                    "status": "ok",
                    "tenant": "Acme Outdoor",
                    "integration_type": "woocommerce",
                    "store": "Main shop (https://shop.example.com)",
                },
                response_only=True,
            )
        ],
    )
    def get(self, request: Request) -> Response:
        principal = self.principal(request)
        return Response(
            {
                "status": "ok",
                "tenant": principal.tenant.name,
                "integration_type": principal.token.integration_type,
                "store": str(principal.token.store),
            }
        )
