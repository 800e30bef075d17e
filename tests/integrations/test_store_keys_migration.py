"""The store-bound keys migration, run forwards and backwards on real rows (PostgreSQL in CI)."""

from collections.abc import Callable
from typing import Any

import pytest

from tests.migration_steps import migrate

BEFORE = [("integrations", "0002_webhooks"), ("products_and_services", "0002_sale_windows")]
AFTER = [
    ("integrations", "0003_tokens_bound_to_store_and_store_keys"),
    ("products_and_services", "0003_product_key_includes_connection"),
]


@pytest.fixture
def old_apps(migrated_to: Callable[..., Any]) -> Any:
    return migrated_to(BEFORE)


def keys(apps: Any) -> dict[str, tuple[str, str]]:
    Product = apps.get_model("products_and_services", "Product")
    return {
        p.name: (p.external_connection, p.external_id)
        for p in Product.objects.filter(external_source__in=["woocommerce", "zoho"])
    }


def test_keys_are_rewritten_in_place_and_tokens_bound(old_apps: Any) -> None:
    from tenants.models import Tenant  # tenants are not migrated back: today's model

    Store = old_apps.get_model("integrations", "WooCommerceStore")
    Product = old_apps.get_model("products_and_services", "Product")
    Token = old_apps.get_model("integrations", "IntegrationToken")
    acme = Tenant.objects.create(name="Acme", slug="acme").pk
    bare = Tenant.objects.create(name="Bare", slug="bare").pk
    store = {"consumer_key": "ck", "consumer_secret": "cs", "currency": "EUR"}
    first = Store.objects.create(tenant_id=acme, store_url="https://a.example.com", **store)
    second = Store.objects.create(tenant_id=acme, store_url="https://b.example.com", **store)

    def product(tenant: Any, name: str, source: str, ref: str, conn: str, **more: Any) -> Any:
        return Product.objects.create(
            tenant_id=tenant,
            name=name,
            price=1,
            external_source=source,
            external_id=ref,
            external_connection=conn,
            **more,
        )

    a, b = f"woocommerce:{first.pk}", f"woocommerce:{second.pk}"
    product(acme, "first store", "woocommerce", "woo_5", a)
    pushed = product(
        acme,
        "second store",
        "woocommerce",
        f"woo_{second.pk}_5",
        b,
        sku="B-5",
        meta_retailer_id="B-5",
        meta_pushed_ids=["B-5"],
        meta_sync_attempts=2,
        meta_sync_last_error="Invalid image",
        meta_payload_hash="abc",
    )
    product(acme, "plugin, no store then", "woocommerce", "woo_7", "woocommerce:plugin")
    product(acme, "old name", "woocommerce", f"woo_{second.pk}_6", b, is_active=False)
    product(acme, "renamed once", "woocommerce", "woo_6", b)
    product(acme, "zoho", "zoho", "4001", "zoho:1")
    product(bare, "bare plugin", "woocommerce", "woo_9", "woocommerce:plugin")
    token = {"integration_type": "woocommerce", "name": "t", "prefix": "p"}
    woo_token = Token.objects.create(tenant_id=acme, token_hash="1", **token)
    shop_token = Token.objects.create(
        tenant_id=acme, token_hash="2", **{**token, "integration_type": "shopify"}
    )
    bare_token = Token.objects.create(tenant_id=bare, token_hash="3", **token)

    new_apps = migrate(AFTER)

    assert keys(new_apps) == {
        "first store": (a, "woo_5"),
        "second store": (b, "woo_5"),
        "plugin, no store then": (a, "woo_7"),
        "old name": (b, f"woo_{second.pk}_6"),  # woo_6 of that store is taken: kept as it was
        "renamed once": (b, "woo_6"),
        "zoho": ("zoho:1", "4001"),
        "bare plugin": ("woocommerce:plugin", "woo_9"),  # no store to bind it to
    }
    moved = new_apps.get_model("products_and_services", "Product").objects.get(pk=pushed.pk)
    assert (
        moved.sku,
        moved.meta_retailer_id,
        moved.meta_pushed_ids,
        moved.meta_sync_attempts,
        moved.meta_sync_last_error,
        moved.meta_payload_hash,
    ) == ("B-5", "B-5", ["B-5"], 2, "Invalid image", "abc")
    NewToken = new_apps.get_model("integrations", "IntegrationToken")
    assert dict(NewToken.objects.values_list("pk", "store_id")) == {
        woo_token.pk: first.pk,
        shop_token.pk: None,
        bare_token.pk: None,
    }

    back = migrate(BEFORE)
    assert keys(back)["second store"] == (b, f"woo_{second.pk}_5")
    assert keys(back)["first store"] == (a, "woo_5")
    # Its old name is held by the row the forward step kept: it stays as it is.
    assert keys(back)["renamed once"] == (b, "woo_6")
