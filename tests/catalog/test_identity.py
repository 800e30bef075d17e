"""One identity per item: every writer refuses a retailer id another product or variant holds.

Each case of issue 10's first finding, reproduced through the API, the admin, a pull, and the
database constraint itself (a race the pre-checks cannot see).
"""

import threading
from collections.abc import Callable
from decimal import Decimal
from typing import Any

import pytest
from django.db import connection
from rest_framework.test import APIClient

from integrations.engine.records import ProductRecord, VariantRecord
from integrations.engine.upsert import upsert_page
from products_and_services.identity import Claim, KnownClaims, sync_identities
from products_and_services.models import CatalogIdentity, IdentityClash, Product, ProductVariant
from products_and_services.services import CatalogRuleError, create_product
from tenants.models import Tenant

PRODUCTS = "/v1/catalog/products/"


def product_body(sku: str, *variant_skus: str, **fields: Any) -> dict[str, Any]:
    return {
        "name": fields.pop("name", f"Item {sku}"),
        "sku": sku,
        "price": "10.00",
        "variants": [{"sku": v, "options": {"Size": v}} for v in variant_skus],
        **fields,
    }


def identities(tenant: Tenant) -> list[tuple[str, int, int | None]]:
    return sorted(
        CatalogIdentity.objects.filter(tenant=tenant).values_list(
            "retailer_id", "product_id", "variant_id"
        )
    )


@pytest.mark.django_db
def test_a_variant_cannot_take_another_products_sku(
    api: APIClient, tenant: Tenant, make_product: Callable[..., Product]
) -> None:
    lamp = make_product(tenant, sku="DEMO-LAMP", name="Desk Lamp")
    response = api.post(
        PRODUCTS, product_body("KNOCK-1", "DEMO-LAMP", name="Cheap knockoff"), format="json"
    )
    assert response.status_code == 400
    assert response.json() == {
        "variants": [f"SKU 'DEMO-LAMP' is already used by product #{lamp.pk} 'Desk Lamp'."]
    }
    assert Product.objects.filter(sku="KNOCK-1").count() == 0


@pytest.mark.django_db
def test_a_product_cannot_take_another_products_variant_sku(
    api: APIClient, tenant: Tenant, make_product: Callable[..., Product]
) -> None:
    tent = make_product(tenant, sku="TENT", name="Tent", variants=[{"sku": "TENT-S"}])
    response = api.post(PRODUCTS, product_body("TENT-S"), format="json")
    assert response.status_code == 400
    assert response.json() == {
        "sku": [f"SKU 'TENT-S' is already used by a variant of product #{tent.pk} 'Tent'."]
    }
    patch = api.patch(f"{PRODUCTS}{make_product(tenant).pk}/", {"sku": "TENT-S"}, format="json")
    assert patch.status_code == 400


@pytest.mark.django_db
def test_two_variants_cannot_share_a_sku_nor_repeat_the_parent(
    api: APIClient, tenant: Tenant
) -> None:
    twins = api.post(PRODUCTS, product_body("P", "P-1", "P-1"), format="json")
    assert twins.status_code == 400
    assert twins.json() == {
        "variants": ["SKU 'P-1' is already used by another variant of this product."]
    }
    repeat = api.post(PRODUCTS, product_body("P", "P", "P-2"), format="json")
    assert repeat.status_code == 400
    assert repeat.json() == {"variants": ["SKU 'P' is already used by the product itself."]}
    assert Product.objects.count() == 0


@pytest.mark.django_db
def test_a_single_default_variant_may_repeat_its_products_sku(
    api: APIClient, tenant: Tenant
) -> None:
    """WooCommerce models a simple product as one variant with the product's SKU."""
    response = api.post(PRODUCTS, product_body("SIMPLE", "SIMPLE"), format="json")
    assert response.status_code == 201
    product = Product.objects.get(sku="SIMPLE")
    assert identities(tenant) == [("SIMPLE", product.pk, None)]


@pytest.mark.django_db
def test_ids_move_within_a_product_and_free_up_when_released(
    api: APIClient, tenant: Tenant
) -> None:
    created = api.post(PRODUCTS, product_body("P", "P-1", "P-2"), format="json").json()
    variants = created["variants"]
    swapped = [
        {"id": variants[0]["id"], "sku": "P-2", "options": {"Size": "a"}},
        {"id": variants[1]["id"], "sku": "P-1", "options": {"Size": "b"}},
    ]
    response = api.patch(f"{PRODUCTS}{created['id']}/", {"variants": swapped}, format="json")
    assert response.status_code == 200
    by_variant = dict(ProductVariant.objects.values_list("pk", "sku"))
    assert {rid for rid, _, v in identities(tenant) if v} == {"P-1", "P-2"}
    assert all(by_variant[v] == rid for rid, _, v in identities(tenant) if v)
    api.patch(f"{PRODUCTS}{created['id']}/", {"sku": "Q"}, format="json")
    assert api.post(PRODUCTS, product_body("P"), format="json").status_code == 201


@pytest.mark.django_db
def test_the_same_sku_in_two_tenants_is_two_identities(
    tenant: Tenant, other_tenant: Tenant, make_product: Callable[..., Product]
) -> None:
    make_product(tenant, sku="SAME")
    make_product(other_tenant, sku="SAME", variants=[{"sku": "SAME-S"}])
    assert CatalogIdentity.objects.filter(retailer_id="SAME").count() == 2


@pytest.mark.django_db
def test_a_pull_fails_only_the_record_whose_variant_takes_a_held_sku(
    tenant: Tenant, make_product: Callable[..., Product]
) -> None:
    lamp = make_product(tenant, sku="DEMO-LAMP", name="Desk Lamp")
    records = [
        ProductRecord(
            external_id="1",
            name="Knockoff",
            price=Decimal("1"),
            sku="K-1",
            variants=(VariantRecord("v1", sku="DEMO-LAMP"), VariantRecord("v2", sku="K-2")),
        ),
        ProductRecord(external_id="2", name="Fine", price=Decimal("2"), sku="F-1"),
        ProductRecord(external_id="3", name="Twin", price=Decimal("2"), sku="F-1"),
    ]
    result = upsert_page(tenant=tenant, source="zoho", connection_key="zoho:1", records=records)
    assert (result.created, result.failed) == (1, 2)
    assert result.errors == [
        f"1: SKU 'DEMO-LAMP' is already used by product #{lamp.pk} 'Desk Lamp'.",
        "3: SKU 'F-1' is already used by record 2 of this run.",
    ]
    assert result.failed_refs == ["1", "3"]
    assert sorted(Product.objects.values_list("sku", flat=True)) == ["DEMO-LAMP", "F-1"]


@pytest.mark.django_db
def test_the_admin_refuses_a_clash_with_a_form_error(
    admin_client: Any, tenant: Tenant, make_product: Callable[..., Product]
) -> None:
    lamp = make_product(tenant, sku="DEMO-LAMP", name="Desk Lamp")
    form = {
        "tenant": str(tenant.pk),
        "name": "Knockoff",
        "sku": "DEMO-LAMP",
        "price": "1.00",
        "currency": "USD",
        "is_active": "on",
        "external_source": "manual",
        "categories": "[]",
        "tags": "[]",
        "variants-TOTAL_FORMS": "0",
        "variants-INITIAL_FORMS": "0",
        "images-TOTAL_FORMS": "0",
        "images-INITIAL_FORMS": "0",
    }
    response = admin_client.post("/admin/products_and_services/product/add/", form)
    assert response.status_code == 200
    assert response.context["adminform"].form.errors["sku"] == [
        f"SKU 'DEMO-LAMP' is already used by product #{lamp.pk} 'Desk Lamp'."
    ]
    assert Product.objects.filter(name="Knockoff").count() == 0


@pytest.mark.django_db
def test_the_service_refuses_what_slipped_past_the_checks(tenant: Tenant) -> None:
    create_product(tenant=tenant, fields={"name": "A", "sku": "A", "price": Decimal("1")})
    with pytest.raises(CatalogRuleError) as refused:
        create_product(
            tenant=tenant,
            fields={"name": "B", "sku": "B", "price": Decimal("1")},
            variants=[{"sku": "A"}],
        )
    assert list(refused.value.errors) == ["variants"]
    assert Product.objects.filter(sku="B").count() == 0


@pytest.mark.django_db(transaction=True)
def test_the_database_decides_a_race_between_two_writers(tenant: Tenant) -> None:
    """Two transactions claim one id at once; the unique constraint lets exactly one win."""
    a = Product.objects.create(tenant=tenant, name="A", sku="A", price=Decimal("1"))
    b = Product.objects.create(tenant=tenant, name="B", sku="B", price=Decimal("1"))
    ProductVariant.objects.create(product=a, sku="RACE")
    ProductVariant.objects.create(product=b, sku="RACE")
    barrier = threading.Barrier(2)
    outcomes: list[str] = []

    def claim(product: Product) -> None:
        from django.db import transaction

        try:
            with transaction.atomic():
                barrier.wait()
                sync_identities(tenant_id=tenant.pk, product_ids=[product.pk], strict=True)
            outcomes.append("won")
        except Exception as exc:  # the outcome is what this test reports
            outcomes.append(type(exc).__name__)
        finally:
            connection.close()

    threads = [threading.Thread(target=claim, args=(p,)) for p in (a, b)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(outcomes) == ["IdentityTaken", "won"]
    assert CatalogIdentity.objects.filter(retailer_id="RACE").count() == 1


@pytest.mark.django_db
def test_old_clashes_are_listed_held_back_and_never_block_other_edits(
    api: APIClient, tenant: Tenant
) -> None:
    """Data from before the rule (written around the services): the non-strict sync lists it."""
    lamp = Product.objects.create(tenant=tenant, name="Lamp", sku="LAMP", price=Decimal("1"))
    knock = Product.objects.create(tenant=tenant, name="Knock", sku="KNOCK", price=Decimal("1"))
    variant = ProductVariant.objects.create(product=knock, sku="LAMP")
    ProductVariant.objects.create(product=knock, sku="KNOCK-2")
    sync_identities(tenant_id=tenant.pk, product_ids=[lamp.pk], strict=False)
    clashes = sync_identities(tenant_id=tenant.pk, product_ids=[knock.pk], strict=False)
    assert [c.message for c in clashes] == [
        f"SKU 'LAMP' is already used by product #{lamp.pk} 'Lamp'."
    ]
    assert list(IdentityClash.objects.values_list("retailer_id", "variant_id")) == [
        ("LAMP", variant.pk)
    ]
    assert api.patch(f"{PRODUCTS}{knock.pk}/", {"price": "2.00"}, format="json").status_code == 200
    fixed = [
        {"id": variant.pk, "sku": "KNOCK-1", "options": {}},
        {"sku": "KNOCK-2", "options": {}},
    ]
    ProductVariant.objects.filter(sku="KNOCK-2").delete()
    assert (
        api.patch(f"{PRODUCTS}{knock.pk}/", {"variants": fixed}, format="json").status_code == 200
    )
    assert IdentityClash.objects.count() == 0


@pytest.mark.django_db
def test_a_bulk_writer_that_checked_too_early_still_loses_to_the_holder(tenant: Tenant) -> None:
    """A pull passes what it wrote and who held the ids when it checked; an id taken since
    (another writer committed in between) is refused by the insert and listed, not doubled."""
    holder = Product.objects.create(tenant=tenant, name="Holder", sku="TAKEN", price=Decimal("1"))
    sync_identities(tenant_id=tenant.pk, product_ids=[holder.pk], strict=False)
    late = Product.objects.create(tenant=tenant, name="Late", sku="TAKEN-2", price=Decimal("1"))
    variant = ProductVariant.objects.create(product=late, sku="TAKEN")
    known = KnownClaims(
        claims=[
            Claim("TAKEN-2", late.pk),
            Claim("TAKEN", late.pk, variant.pk),
        ],
        created=frozenset({late.pk}),
        held={},  # the check saw no holder
    )
    clashes = sync_identities(tenant_id=tenant.pk, product_ids=[late.pk], strict=False, known=known)
    assert [c.message for c in clashes] == [
        f"SKU 'TAKEN' is already used by product #{holder.pk} 'Holder'."
    ]
    assert identities(tenant) == [("TAKEN", holder.pk, None), ("TAKEN-2", late.pk, None)]
    assert list(IdentityClash.objects.values_list("retailer_id", "product_id", "variant_id")) == [
        ("TAKEN", late.pk, variant.pk)
    ]
