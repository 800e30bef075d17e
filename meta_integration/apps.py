from django.apps import AppConfig


class MetaIntegrationConfig(AppConfig):
    """Pushes the catalog to Meta; its receivers listen to Product's signals."""

    name = "meta_integration"
    verbose_name = "Meta catalog"

    def ready(self) -> None:
        from meta_integration import receivers  # noqa: F401  (connects the signal receivers)
