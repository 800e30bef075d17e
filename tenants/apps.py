from typing import Any

from django.apps import AppConfig
from django.db.models.signals import post_migrate


class TenantsConfig(AppConfig):
    name = "tenants"
    verbose_name = "Tenants & access"

    def ready(self) -> None:
        from django.contrib.auth.signals import user_logged_in

        from tenants import schema  # noqa: F401  (registers the OpenAPI auth extensions)
        from tenants.admin_language import remember_language

        user_logged_in.connect(remember_language, dispatch_uid="tenants.remember_language")

        post_migrate.connect(_merchant_staff_group, dispatch_uid="tenants.merchant_staff")


def _merchant_staff_group(sender: AppConfig, **kwargs: Any) -> None:
    """post_migrate runs once per app, each creating its permissions: the last run sees all."""
    from tenants.staff_group import ensure_merchant_staff_group

    ensure_merchant_staff_group()
