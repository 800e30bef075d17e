"""URL map: admin, health, the catalog API, integration tokens, webhooks and the API docs."""

from django.conf import settings
from django.conf.urls.static import static
from django.contrib import admin
from django.urls import include, path
from drf_spectacular.views import (
    SpectacularAPIView,
    SpectacularRedocView,
    SpectacularSwaggerView,
)

from config.health import healthz
from integrations.webhooks import urls as webhook_urls
from tenants.admin_language import language_view

urlpatterns = [
    path("admin/language/", admin.site.admin_view(language_view), name="admin_language"),
    path("admin/", admin.site.urls),
    path("healthz", healthz, name="healthz"),
    path("v1/catalog/", include("products_and_services.urls")),
    path("v1/catalog/", include("integrations.urls")),
    path("v1/catalog/", include("knowledge.urls")),
    path("api/v1/integrations/", include(webhook_urls.management_urlpatterns)),
    path("api/integrations/", include(webhook_urls.receiver_urlpatterns)),
    path("api/schema/", SpectacularAPIView.as_view(), name="schema"),
    path("api/docs/", SpectacularSwaggerView.as_view(url_name="schema"), name="swagger-ui"),
    path("api/redoc/", SpectacularRedocView.as_view(url_name="schema"), name="redoc"),
]

if settings.DEBUG:
    urlpatterns += static(settings.MEDIA_URL, document_root=settings.MEDIA_ROOT)

admin.site.site_header = "Catalog Sync"
admin.site.site_title = "Catalog Sync"
