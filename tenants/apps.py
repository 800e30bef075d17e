from django.apps import AppConfig


class TenantsConfig(AppConfig):
    name = "tenants"
    verbose_name = "Tenants & access"

    def ready(self) -> None:
        from django.contrib.auth.signals import user_logged_in

        from tenants import schema  # noqa: F401  (registers the OpenAPI auth extensions)
        from tenants.admin_language import remember_language

        user_logged_in.connect(remember_language, dispatch_uid="tenants.remember_language")
