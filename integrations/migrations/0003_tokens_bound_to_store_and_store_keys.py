"""Store-bound WooCommerce keys, and integration tokens bound to a store.

Before: the tenant's lowest-numbered store named its products `woo_{id}` and the others
`woo_{store}_{id}`, so deleting the first store renamed the second store's products. After:
every store's products are `woo_{id}` and the store is the key's connection part
(`external_connection = woocommerce:{store}`). Rows are rewritten in place, so their Meta
state (retailer id, attempts, pushed ids) is untouched.

- `woo_{store}_{id}` becomes `woo_{id}` on connection `woocommerce:{store}`.
- `woo_{id}` rows written by the plugin without a store (`woocommerce:plugin` or empty)
  move to the tenant's first store, as the plugin events of that time meant.
- When the new key is already held by another row (a store that was once renamed), the row
  keeps its old key: nothing is merged or lost, and a full run of that store deactivates it.
- Every WooCommerce token without a store is bound to the tenant's first store.
"""

import re

import django.db.models.deletion
from django.db import migrations, models

SOURCE = "woocommerce"
LEGACY_OTHER_STORE = re.compile(r"^woo_(\d+)_(\d+)$")
PLAIN = re.compile(r"^woo_(\d+)$")
STORELESS = ("", "woocommerce:plugin")


def first_stores(apps):
    """tenant id -> pk of its lowest-numbered store."""
    Store = apps.get_model("integrations", "WooCommerceStore")
    first: dict[int, int] = {}
    for tenant_id, pk in Store.objects.order_by("pk").values_list("tenant_id", "pk"):
        first.setdefault(tenant_id, pk)
    return first


def rewrite_keys(apps, schema_editor):
    Product = apps.get_model("products_and_services", "Product")
    first = first_stores(apps)
    rows = list(
        Product.objects.filter(external_source=SOURCE)
        .exclude(external_id="")
        .order_by("-is_active", "pk")
        .values_list("pk", "tenant_id", "external_id", "external_connection")
    )
    held = {(t, c, e) for _, t, e, c in rows}
    changes: list[tuple[int, str, str]] = []
    for pk, tenant_id, external_id, connection in rows:
        legacy = LEGACY_OTHER_STORE.match(external_id)
        plain = PLAIN.match(external_id)
        if legacy:
            new_id, new_connection = f"woo_{legacy[2]}", f"woocommerce:{legacy[1]}"
        elif plain and connection in STORELESS and tenant_id in first:
            new_id, new_connection = external_id, f"woocommerce:{first[tenant_id]}"
        else:
            continue
        key = (tenant_id, new_connection, new_id)
        if key in held:
            continue  # another row holds it: keep the old key rather than merge two rows
        held.discard((tenant_id, connection, external_id))
        held.add(key)
        changes.append((pk, new_id, new_connection))
    for pk, new_id, new_connection in changes:
        Product.objects.filter(pk=pk).update(
            external_id=new_id, external_connection=new_connection
        )


def restore_keys(apps, schema_editor):
    """Back to `woo_{store}_{id}` for every store but the tenant's first (best effort: a
    name another row already holds is left alone)."""
    Product = apps.get_model("products_and_services", "Product")
    first = first_stores(apps)
    rows = list(
        Product.objects.filter(external_source=SOURCE)
        .exclude(external_id="")
        .values_list("pk", "tenant_id", "external_id", "external_connection")
    )
    held = {(t, e) for _, t, e, _ in rows}
    for pk, tenant_id, external_id, connection in rows:
        plain = PLAIN.match(external_id)
        store = connection.partition(":")[2]
        if not (plain and store.isdigit() and int(store) != first.get(tenant_id)):
            continue
        old_id = f"woo_{store}_{plain[1]}"
        if (tenant_id, old_id) in held:
            continue
        held.add((tenant_id, old_id))
        Product.objects.filter(pk=pk).update(external_id=old_id)


def bind_tokens(apps, schema_editor):
    Token = apps.get_model("integrations", "IntegrationToken")
    for tenant_id, store_pk in first_stores(apps).items():
        Token.objects.filter(
            tenant_id=tenant_id, integration_type=SOURCE, store__isnull=True
        ).update(store_id=store_pk)


class Migration(migrations.Migration):
    dependencies = [
        ("integrations", "0002_webhooks"),
        ("products_and_services", "0003_product_key_includes_connection"),
    ]

    operations = [
        migrations.AddField(
            model_name="integrationtoken",
            name="store",
            field=models.ForeignKey(
                blank=True,
                help_text="The WooCommerce store whose products this plugin's events are.",
                null=True,
                on_delete=django.db.models.deletion.SET_NULL,
                related_name="integration_tokens",
                to="integrations.woocommercestore",
            ),
        ),
        migrations.RunPython(rewrite_keys, restore_keys),
        migrations.RunPython(bind_tokens, migrations.RunPython.noop),
    ]
