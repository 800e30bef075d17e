from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ProductsAndServicesConfig(AppConfig):
    name = "products_and_services"
    verbose_name = _("Catalog")

    def ready(self) -> None:
        # `field__any=[...]` (common.lookups) for every app, registered once at start-up.
        import common.lookups  # noqa: F401
