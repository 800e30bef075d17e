"""Give every existing SKU its identity row; list the clashes instead of failing.

Products are taken first (their SKUs were already unique among products), then variants in
id order; a variant whose SKU is already held becomes an `IdentityClash`, shown in the admin
and held back from Meta until staff give it another SKU.
"""

from typing import Any

from django.db import migrations


def fill(apps: Any, schema_editor: Any) -> None:
    Product = apps.get_model("products_and_services", "Product")
    Variant = apps.get_model("products_and_services", "ProductVariant")
    Identity = apps.get_model("products_and_services", "CatalogIdentity")
    Clash = apps.get_model("products_and_services", "IdentityClash")
    held: dict[tuple[int, str], tuple[int, str]] = {}
    rows = []
    for pk, tenant_id, sku, name in (
        Product.objects.exclude(sku="").order_by("pk").values_list("pk", "tenant_id", "sku", "name")
    ):
        held[(tenant_id, sku)] = (pk, f"product #{pk} '{name}'")
        rows.append(Identity(tenant_id=tenant_id, retailer_id=sku, product_id=pk))
    counts: dict[int, int] = {}
    for product_id in Variant.objects.values_list("product_id", flat=True):
        counts[product_id] = counts.get(product_id, 0) + 1
    clashes = []
    for pk, product_id, sku, tenant_id, parent_sku, parent_name in (
        Variant.objects.exclude(sku="")
        .order_by("pk")
        .values_list(
            "pk", "product_id", "sku", "product__tenant_id", "product__sku", "product__name"
        )
    ):
        sku = sku.strip()
        if not sku or (sku == parent_sku and counts[product_id] == 1):
            continue  # the product's own default variant
        holder = held.get((tenant_id, sku))
        if holder is None:
            held[(tenant_id, sku)] = (product_id, f"a variant of product #{product_id}")
            rows.append(
                Identity(tenant_id=tenant_id, retailer_id=sku, product_id=product_id, variant_id=pk)
            )
            continue
        clashes.append(
            Clash(
                tenant_id=tenant_id,
                retailer_id=sku,
                product_id=product_id,
                variant_id=pk,
                held_by=holder[1][:600],
            )
        )
    Identity.objects.bulk_create(rows, batch_size=2000)
    Clash.objects.bulk_create(clashes, batch_size=2000)


class Migration(migrations.Migration):
    dependencies = [("products_and_services", "0007_catalog_identity")]

    operations = [migrations.RunPython(fill, migrations.RunPython.noop)]
