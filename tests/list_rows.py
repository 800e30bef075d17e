"""Row builders shared by the admin and API list query-count tests."""

from integrations.webhooks.models import WooCommerceEventLog
from integrations.webhooks.tokens import IssuedToken, issue_token
from integrations.woocommerce.models import WooCommerceStore
from tenants.models import Tenant


def woo_store(tenant: Tenant) -> WooCommerceStore:
    """The tenant's plugin store, made on first use (plugin tokens are bound to one)."""
    return WooCommerceStore.objects.get_or_create(
        tenant=tenant,
        store_url="https://plugin-shop.example.com",
        defaults={"name": "Plugin shop", "consumer_key": "ck", "consumer_secret": "cs"},
    )[0]


def plugin_token(tenant: Tenant, n: int) -> IssuedToken:
    return issue_token(
        tenant=tenant, integration_type="woocommerce", name=f"Plugin {n}", store=woo_store(tenant)
    )


def plugin_event(tenant: Tenant, n: int) -> None:
    WooCommerceEventLog.objects.create(
        tenant=tenant,
        token=plugin_token(tenant, n).token,
        event_id=f"e-{n}",
        event_type="product.updated",
        woo_product_id=n,
        payload={"event_id": f"e-{n}"},
    )
