"""Native webhook receivers: WooCommerce (`X-WC-Webhook-*`) and Shopify (`X-Shopify-*`).

Order of checks: the store (404), the body size (413), the signature (401), the JSON and
payload (400); only then is anything stored, except a `rejected` log row without the body.
"""

import json
import re
from datetime import datetime
from typing import Any, ClassVar

from django.conf import settings
from django.core.exceptions import RequestDataTooBig
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiExample, OpenApiResponse, extend_schema
from rest_framework import serializers, status
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from integrations.models import Provider
from integrations.webhooks.native import (
    DELETE_TOPICS,
    SHOPIFY_TOPICS,
    STORE_MODELS,
    WOO_TOPICS,
    Delivery,
    Store,
    accept,
    body_hash,
    ignore,
    reject,
    too_old,
)
from integrations.webhooks.native_serializers import (
    DeliveryAnswerSerializer,
    ShopifyProductSerializer,
    WooNativeProductSerializer,
)
from integrations.webhooks.signatures import signature_matches
from integrations.webhooks.tasks import enqueue_delivery

WOO_PING = re.compile(rb"^webhook_id=\d+$")
ERROR = OpenApiResponse(description='JSON error body, e.g. {"detail": "..."} or field errors.')
NOT_FOUND = {"detail": "No webhook endpoint here."}
BAD_SIGNATURE = {"detail": "Invalid or missing webhook signature."}


def _header(request: Request, name: str) -> str:
    return str(request.META.get("HTTP_" + name.upper().replace("-", "_"), ""))[:255]


def _timestamp(value: str) -> datetime | None:
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00")) if value else None
    except ValueError:
        return None
    return parsed if parsed is None or parsed.tzinfo else None


class StoreWebhookView(APIView):
    """What both receivers share; subclasses read their provider's headers."""

    authentication_classes = ()
    permission_classes = (AllowAny,)
    provider: ClassVar[str] = ""
    topics: ClassVar[tuple[str, ...]] = ()
    signature_header: ClassVar[str] = ""
    payload_serializer: ClassVar[type[serializers.Serializer]]

    def delivery(self, request: Request, store: Store, body: bytes) -> Delivery:
        raise NotImplementedError

    def is_ping(self, request: Request, body: bytes) -> bool:
        return False

    def post(self, request: Request, store_id: int) -> Response:
        store = STORE_MODELS[self.provider].objects.filter(pk=store_id, is_active=True).first()
        if store is None:
            return Response(NOT_FOUND, status=status.HTTP_404_NOT_FOUND)
        try:
            body = request.body
        except RequestDataTooBig:
            body = None
        if body is None or len(body) > settings.API_MAX_BODY_BYTES:
            reject(self.delivery(request, store, b""), "Body larger than the limit; not stored.")
            return Response(
                {"detail": "Request body is too large.", "max_bytes": settings.API_MAX_BODY_BYTES},
                status=status.HTTP_413_REQUEST_ENTITY_TOO_LARGE,
            )
        if self.is_ping(request, body):
            return Response({"status": "ok"})
        delivery = self.delivery(request, store, body)
        signature = _header(request, self.signature_header)
        if not signature_matches(store.webhook_secret, body, signature):
            reason = (
                "The store has no webhook secret; set it in the admin."
                if not store.webhook_secret
                else ("No signature header." if not signature else "Signature does not match.")
            )
            reject(delivery, reason)
            return Response(BAD_SIGNATURE, status=status.HTTP_401_UNAUTHORIZED)
        return self.verified(delivery, body)

    def verified(self, delivery: Delivery, body: bytes) -> Response:
        try:
            payload = json.loads(body)
        except (UnicodeDecodeError, json.JSONDecodeError) as exc:
            reject(delivery, f"Malformed JSON: {exc}")
            return Response({"detail": f"Malformed JSON: {exc}"}, status=400)
        if delivery.topic not in self.topics:
            ignore(delivery)
            return Response({"status": "ignored"})
        if not isinstance(payload, dict):
            reject(delivery, "The body is not a JSON object.")
            return Response({"detail": "The body must be a JSON object."}, status=400)
        checked = self.payload_serializer(
            data=payload, context={"is_delete": delivery.topic in DELETE_TOPICS}
        )
        if not checked.is_valid():
            reject(delivery, f"Invalid payload: {json.dumps(checked.errors)}")
            return Response(checked.errors, status=400)
        refusal = too_old(delivery, payload)
        if refusal:
            reject(delivery, refusal)
            return Response({"detail": refusal}, status=400)
        log = accept(delivery, payload)
        if log is None:
            return Response({"status": "duplicate"})
        enqueue_delivery(log.pk)
        return Response({"status": "accepted", "delivery": log.pk}, status=202)


def _schema(provider: str, headers: str) -> Any:
    return extend_schema(
        summary=f"Receive a native {provider} product webhook",
        description=f"Signed with the store's webhook secret ({headers}). See docs/webhooks.md.",
        tags=["store webhooks"],
        request=OpenApiTypes.OBJECT,
        responses={
            202: DeliveryAnswerSerializer,
            200: DeliveryAnswerSerializer,
            400: ERROR,
            401: ERROR,
            404: ERROR,
            413: ERROR,
        },
        examples=[
            OpenApiExample(
                "Accepted",
                value={"status": "accepted", "delivery": 1042},
                response_only=True,
                status_codes=["202"],
            ),
            OpenApiExample(
                "Seen before",
                value={"status": "duplicate"},
                response_only=True,
                status_codes=["200"],
            ),
        ],
    )


class WooStoreWebhookView(StoreWebhookView):
    """WooCommerce → Settings → Advanced → Webhooks, delivery URL pointing here."""

    provider = Provider.WOOCOMMERCE
    topics = WOO_TOPICS
    signature_header = "X-WC-Webhook-Signature"
    payload_serializer = WooNativeProductSerializer

    def is_ping(self, request: Request, body: bytes) -> bool:
        """On activation WooCommerce posts an unsigned `webhook_id=N`; it must get 200."""
        return not _header(request, self.signature_header) and bool(WOO_PING.match(body.strip()))

    def delivery(self, request: Request, store: Store, body: bytes) -> Delivery:
        return Delivery(
            provider=self.provider,
            store=store,
            topic=_header(request, "X-WC-Webhook-Topic"),
            webhook_id=_header(request, "X-WC-Webhook-ID"),
            delivery_id=_header(request, "X-WC-Webhook-Delivery-ID"),
            body_sha256=body_hash(body),
        )

    @_schema("WooCommerce", "X-WC-Webhook-Signature")
    def post(self, request: Request, store_id: int) -> Response:
        return super().post(request, store_id)


class ShopifyStoreWebhookView(StoreWebhookView):
    """A Shopify webhook subscription whose callback URL points here."""

    provider = Provider.SHOPIFY
    topics = SHOPIFY_TOPICS
    signature_header = "X-Shopify-Hmac-Sha256"
    payload_serializer = ShopifyProductSerializer

    def delivery(self, request: Request, store: Store, body: bytes) -> Delivery:
        return Delivery(
            provider=self.provider,
            store=store,
            topic=_header(request, "X-Shopify-Topic"),
            delivery_id=_header(request, "X-Shopify-Webhook-Id"),
            body_sha256=body_hash(body),
            triggered_at=_timestamp(_header(request, "X-Shopify-Triggered-At")),
        )

    @_schema("Shopify", "X-Shopify-Hmac-Sha256")
    def post(self, request: Request, store_id: int) -> Response:
        return super().post(request, store_id)
