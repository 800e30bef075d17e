"""Sale windows are stored: API (product and variant), admin validation, pulled records."""

from datetime import UTC, datetime
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.test import Client
from rest_framework.test import APIClient

from integrations.engine.records import ProductRecord, VariantRecord, record_hash
from integrations.engine.upsert import upsert_page
from products_and_services.models import Product, ProductVariant
from tenants.models import Tenant

pytestmark = pytest.mark.django_db

PRODUCTS = "/v1/catalog/products/"
START = datetime(2026, 12, 7, 0, 0, tzinfo=UTC)
END = datetime(2026, 12, 14, 23, 59, 59, tzinfo=UTC)


def test_api_stores_and_returns_the_sale_window(api: APIClient) -> None:
    payload = {
        "name": "Lamp",
        "sku": "LAMP-1",
        "price": "40.00",
        "sale_price": "30.00",
        "sale_starts_at": "2026-12-07T00:00:00Z",
        "sale_ends_at": "2026-12-14T23:59:59Z",
        "variants": [
            {
                "sku": "LAMP-1-RED",
                "price": "42.00",
                "sale_price": "35.00",
                "sale_starts_at": "2026-12-08T00:00:00Z",
            }
        ],
    }
    response = api.post(PRODUCTS, payload, format="json")
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["sale_starts_at"] == "2026-12-07T00:00:00Z"
    assert body["sale_ends_at"] == "2026-12-14T23:59:59Z"
    assert body["variants"][0]["sale_starts_at"] == "2026-12-08T00:00:00Z"
    assert body["variants"][0]["sale_ends_at"] is None
    product = Product.objects.get(pk=body["id"])
    assert (product.sale_starts_at, product.sale_ends_at) == (START, END)
    variant = ProductVariant.objects.get(product=product)
    assert (variant.sale_starts_at, variant.sale_ends_at) == (
        datetime(2026, 12, 8, tzinfo=UTC),
        None,
    )


def test_api_clears_a_window_with_null(api: APIClient, tenant: Tenant) -> None:
    product = Product.objects.create(
        tenant=tenant, name="Lamp", sku="L", price=Decimal("9"), sale_starts_at=START
    )
    response = api.patch(f"{PRODUCTS}{product.pk}/", {"sale_starts_at": None}, format="json")
    assert response.status_code == 200, response.content
    product.refresh_from_db()
    assert product.sale_starts_at is None


@pytest.mark.parametrize("ends", ["2026-12-07T00:00:00Z", "2026-12-01T00:00:00Z"])
def test_api_refuses_a_window_that_ends_before_it_starts(api: APIClient, ends: str) -> None:
    payload = {
        "name": "Lamp",
        "sku": "LAMP-1",
        "price": "40.00",
        "sale_starts_at": "2026-12-07T00:00:00Z",
        "sale_ends_at": ends,
    }
    response = api.post(PRODUCTS, payload, format="json")
    assert response.status_code == 400
    assert response.json() == {"sale_ends_at": ["The sale must end after it starts."]}
    assert Product.objects.count() == 0


def test_api_patch_checks_the_window_against_the_stored_start(
    api: APIClient, tenant: Tenant
) -> None:
    product = Product.objects.create(
        tenant=tenant, name="Lamp", sku="L", price=Decimal("9"), sale_starts_at=START
    )
    response = api.patch(
        f"{PRODUCTS}{product.pk}/", {"sale_ends_at": "2026-12-01T00:00:00Z"}, format="json"
    )
    assert response.status_code == 400
    assert response.json() == {"sale_ends_at": ["The sale must end after it starts."]}
    product.refresh_from_db()
    assert product.sale_ends_at is None


def test_api_refuses_a_backwards_variant_window(api: APIClient) -> None:
    payload = {
        "name": "Lamp",
        "sku": "LAMP-1",
        "price": "40.00",
        "variants": [
            {
                "sku": "V",
                "sale_starts_at": "2026-12-07T00:00:00Z",
                "sale_ends_at": "2026-12-06T00:00:00Z",
            }
        ],
    }
    response = api.post(PRODUCTS, payload, format="json")
    assert response.status_code == 400
    assert response.json() == {
        "variants": {"0": {"sale_ends_at": ["The sale must end after it starts."]}}
    }
    assert Product.objects.count() == 0


def test_model_validation_used_by_the_admin(tenant: Tenant) -> None:
    product = Product(
        tenant=tenant,
        name="Lamp",
        sku="L",
        price=Decimal("9"),
        sale_starts_at=END,
        sale_ends_at=START,
    )
    with pytest.raises(ValidationError) as caught:
        product.full_clean()
    assert caught.value.message_dict == {"sale_ends_at": ["The sale must end after it starts."]}
    variant = ProductVariant(product=product, sale_starts_at=END, sale_ends_at=START)
    with pytest.raises(ValidationError) as caught:
        variant.full_clean(exclude=["product"])
    assert caught.value.message_dict == {"sale_ends_at": ["The sale must end after it starts."]}


def test_admin_change_page_shows_the_sale_dates(tenant: Tenant, admin_client: Client) -> None:
    product = Product.objects.create(tenant=tenant, name="Lamp", sku="L", price=Decimal("9"))
    ProductVariant.objects.create(product=product, sku="L-1")
    response = admin_client.get(f"/admin/products_and_services/product/{product.pk}/change/")
    assert response.status_code == 200
    html = response.content.decode()
    assert 'name="sale_starts_at_0"' in html
    assert 'name="sale_ends_at_0"' in html
    assert 'name="variants-0-sale_starts_at_0"' in html


def test_record_hash_covers_the_sale_window() -> None:
    base = ProductRecord(external_id="1", name="Lamp", price=Decimal("9.00"))
    hashes = {
        record_hash(base),
        record_hash(
            ProductRecord(external_id="1", name="Lamp", price=Decimal("9.00"), sale_starts_at=START)
        ),
        record_hash(
            ProductRecord(external_id="1", name="Lamp", price=Decimal("9.00"), sale_ends_at=START)
        ),
        record_hash(
            ProductRecord(
                external_id="1",
                name="Lamp",
                price=Decimal("9.00"),
                variants=(VariantRecord(external_id="v", sale_starts_at=START),),
            )
        ),
        record_hash(
            ProductRecord(
                external_id="1",
                name="Lamp",
                price=Decimal("9.00"),
                variants=(VariantRecord(external_id="v", sale_ends_at=START),),
            )
        ),
    }
    assert len(hashes) == 5


def test_upsert_stores_and_updates_the_windows(tenant: Tenant) -> None:
    def record(starts: datetime | None) -> ProductRecord:
        return ProductRecord(
            external_id="7",
            name="Lamp",
            sku="LAMP",
            price=Decimal("40.00"),
            sale_price=Decimal("30.00"),
            sale_starts_at=starts,
            sale_ends_at=END,
            variants=(
                VariantRecord(
                    external_id="71", sku="LAMP-R", sale_starts_at=starts, sale_ends_at=END
                ),
            ),
        )

    first = upsert_page(
        tenant=tenant, source="woocommerce", connection_key="woocommerce:1", records=[record(START)]
    )
    assert first.created == 1
    product = Product.objects.get(external_id="7")
    variant = product.variants.get()
    assert (product.sale_starts_at, product.sale_ends_at) == (START, END)
    assert (variant.sale_starts_at, variant.sale_ends_at) == (START, END)
    second = upsert_page(
        tenant=tenant, source="woocommerce", connection_key="woocommerce:1", records=[record(None)]
    )
    assert (second.updated, second.unchanged) == (1, 0)
    product.refresh_from_db()
    variant.refresh_from_db()
    assert (product.sale_starts_at, variant.sale_starts_at) == (None, None)


def test_a_backwards_window_from_upstream_never_blocks_other_edits(
    api: APIClient, tenant: Tenant
) -> None:
    product = Product.objects.create(
        tenant=tenant,
        name="Lamp",
        sku="L",
        price=Decimal("9"),
        sale_starts_at=END,
        sale_ends_at=START,
        external_source="woocommerce",
        external_id="woo_1",
    )
    response = api.patch(f"{PRODUCTS}{product.pk}/", {"name": "Desk lamp"}, format="json")
    assert response.status_code == 200, response.content
    product.refresh_from_db()
    assert (product.name, product.sale_starts_at, product.sale_ends_at) == ("Desk lamp", END, START)
