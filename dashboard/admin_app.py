"""`django.contrib.admin`, configured with the site whose home page is the dashboard."""

from django.contrib.admin.apps import AdminConfig


class CatalogAdminConfig(AdminConfig):
    default_site = "dashboard.site.CatalogAdminSite"
