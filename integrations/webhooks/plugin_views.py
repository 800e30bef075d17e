"""The plugin's endpoints: the product-event webhook and the token health check."""

from drf_spectacular.utils import (
    OpenApiExample,
    OpenApiResponse,
    PolymorphicProxySerializer,
    extend_schema,
)
from rest_framework import status
from rest_framework.exceptions import APIException, PermissionDenied, ValidationError
from rest_framework.permissions import IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from integrations.webhooks.auth import IntegrationTokenAuthentication, TokenPrincipal
from integrations.webhooks.models import IntegrationType
from integrations.webhooks.plugin_events import (
    NOT_BOUND,
    Received,
    check_product,
    receive_event,
)
from integrations.webhooks.plugin_serializers import (
    PluginAcceptedSerializer,
    PluginBatchResultSerializer,
    PluginBatchSerializer,
    PluginDeleteEventSerializer,
    PluginHealthSerializer,
    PluginUpsertEventSerializer,
    PluginValidateResultSerializer,
    PluginValidateSerializer,
)
from integrations.webhooks.tasks import enqueue_event, enqueue_events

ERROR = OpenApiResponse(description='JSON error body, e.g. {"detail": "..."} or field errors.')

WEBHOOK_BODY = PolymorphicProxySerializer(
    component_name="PluginWebhookBody",
    serializers=[PluginUpsertEventSerializer, PluginDeleteEventSerializer, PluginBatchSerializer],
    resource_type_field_name=None,
)
WEBHOOK_OK = PolymorphicProxySerializer(
    component_name="PluginWebhookResult",
    serializers=[PluginAcceptedSerializer, PluginBatchResultSerializer],
    resource_type_field_name=None,
)


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
    """Accept one product event, or a batch of them, store each once per event id, and apply
    each in a task."""

    @extend_schema(
        summary="Receive a product event from the WordPress plugin",
        tags=["plugin webhook"],
        description=(
            "One event object answers 202 (accepted) or 200 (duplicate), and 400 when it is "
            'refused. `{"events": [...]}` (1 to 100 events) always answers 200 with one result '
            "per event, in order: accepted, duplicate or refused with its errors; a refused "
            "event does not stop the others."
        ),
        request=WEBHOOK_BODY,
        responses={
            202: PluginAcceptedSerializer,
            200: WEBHOOK_OK,
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
                "A batch",
                value={
                    "events": [
                        {
                            "event_id": "wc_2026_11_23_54322",
                            "event_type": "product.updated",
                            "product": {"id": 414, "name": "Trail shoe", "price": "79.00"},
                        },
                        {
                            "event_id": "wc_2026_11_23_54323",
                            "event_type": "product.deleted",
                            "product": {"id": 415},
                        },
                    ]
                },
                request_only=True,
            ),
            OpenApiExample(
                "Batch results",
                value={
                    "accepted": 1,
                    "duplicate": 0,
                    "refused": 1,
                    "results": [
                        {"event_id": "wc_414_1", "status": "accepted"},
                        {
                            "event_id": "wc_415_1",
                            "status": "refused",
                            "errors": {"product": {"name": ["This field is required."]}},
                        },
                    ],
                },
                response_only=True,
                status_codes=["200"],
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
        if "events" in request.data and "event_id" not in request.data:
            return self._batch(principal, request.data)
        received = receive_event(token=principal.token, payload=request.data)
        if received.status == "refused":
            raise ValidationError(received.errors)
        if received.event_pk is None:
            return Response(received.answer())
        enqueue_event(received.event_pk)
        return Response(received.answer(), status.HTTP_202_ACCEPTED)

    def _batch(self, principal: TokenPrincipal, data: dict) -> Response:
        batch = PluginBatchSerializer(data=data)
        batch.is_valid(raise_exception=True)
        results: list[Received] = [
            receive_event(token=principal.token, payload=payload)
            for payload in batch.validated_data["events"]
        ]
        enqueue_events([r.event_pk for r in results if r.event_pk is not None])
        counts = {kind: sum(r.status == kind for r in results) for kind in RESULT_KINDS}
        return Response({**counts, "results": [r.answer() for r in results]})


RESULT_KINDS = ("accepted", "duplicate", "refused")


class WooPluginValidateView(PluginView):
    """Test connection's second step: would these products be accepted? Nothing is stored."""

    @extend_schema(
        summary="Check a sample of the shop's products without storing them",
        tags=["plugin webhook"],
        request=PluginValidateSerializer,
        responses={
            200: PluginValidateResultSerializer,
            400: ERROR,
            401: ERROR,
            403: ERROR,
            409: ERROR,
        },
        examples=[
            OpenApiExample(
                "One product refused",
                value={
                    "valid": 1,
                    "invalid": 1,
                    "results": [
                        {"id": 414, "valid": True},
                        {"id": 415, "valid": False, "errors": {"price": ["Enter a price."]}},
                    ],
                },
                response_only=True,
            )
        ],
    )
    def post(self, request: Request) -> Response:
        principal = self.principal(request)
        if not isinstance(request.data, dict):
            raise ValidationError({"detail": "The body must be a JSON object."})
        body = PluginValidateSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        results: list[Received] = [
            check_product(token=principal.token, product=product)
            for product in body.validated_data["products"]
        ]
        valid = sum(result["valid"] for result in results)
        return Response({"valid": valid, "invalid": len(results) - valid, "results": results})


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
