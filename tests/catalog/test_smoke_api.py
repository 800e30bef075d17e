from decimal import Decimal

import pytest
from rest_framework.test import APIClient

from products_and_services.models import Product
from tenants.models import Tenant


@pytest.mark.django_db
def test_create_and_list_product(api: APIClient, tenant: Tenant) -> None:
    response = api.post(
        "/v1/catalog/products/",
        {
            "name": "Tent",
            "sku": "TENT-1",
            "price": "120.00",
            "currency": "EUR",
            "variants": [{"sku": "TENT-1-S", "options": {"Size": "S"}}],
            "images": [{"url": "https://cdn.example.com/tent.jpg"}],
        },
        format="json",
    )
    assert response.status_code == 201, response.json()
    product = Product.objects.get(tenant=tenant, sku="TENT-1")
    assert product.price == Decimal("120.00")
    assert [v.sku for v in product.variants.all()] == ["TENT-1-S"]
    listing = api.get("/v1/catalog/products/").json()
    assert listing["count"] == 1
    assert listing["results"][0]["variants"][0]["options"] == {"Size": "S"}
