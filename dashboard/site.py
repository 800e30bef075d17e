"""The Catalog Sync admin site: its home page is the dashboard of one tenant."""

from typing import Any

from django.contrib import admin
from django.http import HttpRequest
from django.template.response import TemplateResponse
from django.utils import timezone

from config.health import idle_queues
from dashboard.services import build_dashboard
from tenants.admin_scoping import allowed_tenants


class CatalogAdminSite(admin.AdminSite):
    site_header = "Catalog Sync"
    site_title = "Catalog Sync"
    index_title = "Is my shop in sync?"
    index_template = "admin/dashboard.html"

    def index(
        self, request: HttpRequest, extra_context: dict[str, Any] | None = None
    ) -> TemplateResponse:
        """The dashboard of the chosen tenant (`?tenant=<slug>`), else the user's first one."""
        tenants = list(allowed_tenants(request).order_by("name"))
        chosen = request.GET.get("tenant", "")
        tenant = next((t for t in tenants if t.slug == chosen), tenants[0] if tenants else None)
        context = {
            "tenants": tenants,
            "tenant": tenant,
            "dashboard": build_dashboard(tenant=tenant, now=timezone.now()) if tenant else None,
            "idle_queues": idle_queues(),  # the whole install's, as /healthz sees them
            **(extra_context or {}),
        }
        return super().index(request, context)
