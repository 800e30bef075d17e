from django.apps import AppConfig


class MetaIntegrationConfig(AppConfig):
    """Pushes the catalog to Meta; filled in by the Meta push work."""

    name = "meta_integration"
    verbose_name = "Meta catalog"
