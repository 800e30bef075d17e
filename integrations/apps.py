from django.apps import AppConfig


class IntegrationsConfig(AppConfig):
    """Pulls from Zoho, WooCommerce and Shopify; filled in by the pull work."""

    name = "integrations"
    verbose_name = "Integrations"

    def ready(self) -> None:
        from django.db.models.signals import post_delete, post_save

        from integrations.webhooks.models import IntegrationToken
        from integrations.webhooks.tokens import forget_verified_tokens
        from integrations.woocommerce.models import WooCommerceStore
        from tenants.models import Tenant

        # A deleted store unbinds its tokens (SET_NULL sends no token signal).
        for model in (IntegrationToken, Tenant, WooCommerceStore):
            post_save.connect(forget_verified_tokens, sender=model, weak=False)
            post_delete.connect(forget_verified_tokens, sender=model, weak=False)
