from django.apps import AppConfig


class IntegrationsConfig(AppConfig):
    """Pulls from Zoho, WooCommerce and Shopify; filled in by the pull work."""

    name = "integrations"
    verbose_name = "Integrations"
