from django.apps import AppConfig


class ProductsAndServicesConfig(AppConfig):
    name = "products_and_services"
    verbose_name = "Catalog"
