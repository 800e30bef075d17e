from django.apps import AppConfig


class KnowledgeConfig(AppConfig):
    """The product knowledge index; it subscribes to catalog changes."""

    name = "knowledge"
    verbose_name = "Knowledge index"

    def ready(self) -> None:
        from knowledge import subscribers  # noqa: F401  (subscribes to catalog changes)
