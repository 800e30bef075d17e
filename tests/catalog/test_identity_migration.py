"""The identity migration on real rows: every SKU gets its row, old clashes are listed."""

from collections.abc import Callable
from typing import Any

import pytest

from tests.migration_steps import migrate

BEFORE = [("products_and_services", "0007_catalog_identity")]
AFTER = [("products_and_services", "0008_fill_catalog_identity")]


@pytest.fixture
def old_apps(migrated_to: Callable[..., Any]) -> Any:
    return migrated_to(BEFORE, tenants_at_newest=True)


def test_existing_skus_are_claimed_and_clashes_listed(old_apps: Any) -> None:
    Tenant = old_apps.get_model("tenants", "Tenant")
    Product = old_apps.get_model("products_and_services", "Product")
    Variant = old_apps.get_model("products_and_services", "ProductVariant")
    tenant = Tenant.objects.create(name="Acme", slug="acme")
    lamp = Product.objects.create(tenant=tenant, name="Desk Lamp", sku="DEMO-LAMP", price=1)
    knock = Product.objects.create(tenant=tenant, name="Knockoff", sku="KNOCK-1", price=1)
    stolen = Variant.objects.create(product=knock, sku="DEMO-LAMP")
    own = Variant.objects.create(product=knock, sku="KNOCK-1-S")
    twin = Variant.objects.create(product=knock, sku="KNOCK-1-S")
    simple = Product.objects.create(tenant=tenant, name="Simple", sku="SIMPLE", price=1)
    Variant.objects.create(product=simple, sku="SIMPLE")  # a default variant: the product itself

    apps = migrate(AFTER, tenants_at_newest=True)
    Identity = apps.get_model("products_and_services", "CatalogIdentity")
    Clash = apps.get_model("products_and_services", "IdentityClash")
    assert sorted(Identity.objects.values_list("retailer_id", "product_id", "variant_id")) == [
        ("DEMO-LAMP", lamp.pk, None),
        ("KNOCK-1", knock.pk, None),
        ("KNOCK-1-S", knock.pk, own.pk),
        ("SIMPLE", simple.pk, None),
    ]
    assert sorted(Clash.objects.values_list("retailer_id", "variant_id", "held_by")) == [
        ("DEMO-LAMP", stolen.pk, f"product #{lamp.pk} 'Desk Lamp'"),
        ("KNOCK-1-S", twin.pk, f"a variant of product #{knock.pk}"),
    ]
