from django.apps import AppConfig


class KnowledgeConfig(AppConfig):
    """The product knowledge index; its receivers listen to Product's signals."""

    name = "knowledge"
    verbose_name = "Knowledge index"

    def ready(self) -> None:
        from knowledge import receivers  # noqa: F401  (connects the signal receivers)
