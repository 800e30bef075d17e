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
    """post_migrate runs once per app, each creating its own permissions: only the last run
    sees them all, so the group is created or extended then."""
    from django.apps import apps
    from django.db.migrations.operations import CreateModel

    from tenants.staff_group import ensure_merchant_staff_group

    with_models = [config for config in apps.get_app_configs() if config.models_module]
    if not with_models or sender.label != with_models[-1].label:
        return
    new_models = {
        (migration.app_label, operation.name_lower)
        for migration, backwards in kwargs.get("plan") or []
        if not backwards
        for operation in migration.operations
        if isinstance(operation, CreateModel)
    }
    ensure_merchant_staff_group(new_models=new_models, using=kwargs.get("using", "default"))
