"""Routes: token management under /api/v1/integrations/, receivers under /api/integrations/."""

from django.urls import path
from rest_framework.routers import SimpleRouter

from integrations.webhooks.native_views import ShopifyStoreWebhookView, WooStoreWebhookView
from integrations.webhooks.plugin_views import (
    WooPluginHealthView,
    WooPluginValidateView,
    WooPluginWebhookView,
)
from integrations.webhooks.token_api import IntegrationTokenViewSet, WooEventViewSet

router = SimpleRouter(trailing_slash="/?")
router.register("tokens", IntegrationTokenViewSet, basename="integration-token")
router.register("woocommerce/events", WooEventViewSet, basename="woo-event")

management_urlpatterns = router.urls

receiver_urlpatterns = [
    path("woocommerce/webhook/", WooPluginWebhookView.as_view(), name="woo-plugin-webhook"),
    path("woocommerce/health/", WooPluginHealthView.as_view(), name="woo-plugin-health"),
    path("woocommerce/validate/", WooPluginValidateView.as_view(), name="woo-plugin-validate"),
    path(
        "woocommerce/stores/<int:store_id>/webhook/",
        WooStoreWebhookView.as_view(),
        name="woo-store-webhook",
    ),
    path(
        "shopify/stores/<int:store_id>/webhook/",
        ShopifyStoreWebhookView.as_view(),
        name="shopify-store-webhook",
    ),
]
