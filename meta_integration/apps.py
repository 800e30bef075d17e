from django.apps import AppConfig


class MetaIntegrationConfig(AppConfig):
    """Pushes the catalog to Meta; it subscribes to catalog changes."""

    name = "meta_integration"
    verbose_name = "Meta catalog"

    def ready(self) -> None:
        from meta_integration import subscribers  # noqa: F401  (subscribes to catalog changes)
