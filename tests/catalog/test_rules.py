"""Catalog rules hold for the API, the admin and pulls alike (issue 10, finding 6)."""

from collections.abc import Callable
from decimal import Decimal

import pytest
from rest_framework.test import APIClient

from integrations.engine.records import ProductRecord, VariantRecord
from integrations.engine.upsert import upsert_page
from products_and_services.models import Product, ProductVariant
from products_and_services.rules import NEGATIVE_STOCK, SALE_ABOVE_PRICE
from tenants.models import Tenant

pytestmark = pytest.mark.django_db
PRODUCTS = "/v1/catalog/products/"


def pull(tenant: Tenant, *records: ProductRecord) -> object:
    return upsert_page(tenant=tenant, source="zoho", connection_key="zoho:1", records=records)


def test_a_pulled_sale_above_the_price_is_no_sale_and_never_blocks_later_edits(
    api: APIClient, tenant: Tenant
) -> None:
    result = pull(
        tenant,
        ProductRecord(
            external_id="1",
            name="Odd",
            sku="ODD",
            price=Decimal("10"),
            sale_price=Decimal("12"),
            stock_quantity=-3,
        ),
    )
    assert result.warnings == [
        "1: sale price 12 above price 10 ignored",
        "1: stock -3 stored as 0 (oversold)",
    ]
    product = Product.objects.get(sku="ODD")
    assert (product.sale_price, product.stock_quantity) == (None, 0)
    response = api.patch(f"{PRODUCTS}{product.pk}/", {"name": "Renamed"}, format="json")
    assert response.status_code == 200


def test_pulled_variants_are_fitted_to_the_rules_too(tenant: Tenant) -> None:
    result = pull(
        tenant,
        ProductRecord(
            external_id="1",
            name="Tee",
            sku="TEE",
            price=Decimal("10"),
            variants=(
                VariantRecord("v1", sku="TEE-S", price=Decimal("5"), sale_price=Decimal("6")),
                VariantRecord("v2", sku="TEE-M", stock_quantity=-1),
            ),
        ),
    )
    assert result.warnings == [
        "1: variant v1: sale price 6 above price 5 ignored",
        "1: variant v2: stock -1 stored as 0 (oversold)",
    ]
    assert sorted(ProductVariant.objects.values_list("sku", "sale_price", "stock_quantity")) == [
        ("TEE-M", None, 0),
        ("TEE-S", None, None),
    ]


def test_the_api_refuses_what_the_rules_forbid(
    api: APIClient, make_product: Callable[..., Product]
) -> None:
    body = {"name": "Lamp", "sku": "L", "price": "10.00", "stock_quantity": -1}
    assert api.post(PRODUCTS, body, format="json").json() == {"stock_quantity": [NEGATIVE_STOCK]}
    body = {
        "name": "Lamp",
        "sku": "L",
        "price": "10.00",
        "variants": [{"sku": "L-1", "price": "5.00", "sale_price": "6.00"}],
    }
    assert api.post(PRODUCTS, body, format="json").json() == {
        "variants": [f"Variant 1: {SALE_ABOVE_PRICE}"]
    }
    assert Product.objects.count() == 0


def test_the_api_takes_json_only(api: APIClient) -> None:
    response = api.post(PRODUCTS, {"name": "Lamp", "sku": "L", "price": "10.00"})  # multipart
    assert response.status_code == 415
    assert response.json() == {
        "detail": 'Unsupported media type "multipart/form-data; boundary=BoUnDaRyStRiNg; '
        'charset=utf-8" in request.'
    }
    response = api.post(
        PRODUCTS, "name=Lamp&sku=L&price=10", content_type="application/x-www-form-urlencoded"
    )
    assert response.status_code == 415
    assert Product.objects.count() == 0
