"""Input the OpenAPI schema calls invalid is refused (400), not coerced or ignored, and input
it calls valid is taken: the cases schemathesis found, one by one, with exact answers."""

from typing import Any

import pytest
from rest_framework.test import APIClient

from products_and_services.models import Product
from tenants.models import Tenant

pytestmark = pytest.mark.django_db

PRODUCTS = "/v1/catalog/products/"


@pytest.mark.parametrize(
    ("query", "errors"),
    [
        ("updated_since=", {"updated_since": ["Give a value, or leave the parameter out."]}),
        ("active=null", {"active": ["Enter true or false."]}),
        ("active=1", {"active": ["Enter true or false."]}),
        ("active=true&active=false", {"active": ["Give this parameter once."]}),
        ("source=", {"source": ["Give a value, or leave the parameter out."]}),
        ("page=", {"page": ["Give a value, or leave the parameter out."]}),
        ("page_size=", {"page_size": ["Enter a whole number from 1 to 500."]}),
        ("page_size=%C2%B2", {"page_size": ["Enter a whole number from 1 to 500."]}),
    ],
)
def test_a_typed_parameter_that_is_empty_wrong_or_repeated_is_refused(
    api: APIClient, query: str, errors: dict[str, list[str]]
) -> None:
    response = api.get(f"{PRODUCTS}?{query}")
    assert (response.status_code, response.json()) == (400, errors)


def test_filters_of_the_right_type_still_filter(
    api: APIClient, tenant: Tenant, make_product: Any
) -> None:
    make_product(tenant, name="On", is_active=True)
    make_product(tenant, name="Off", is_active=False)
    names = [p["name"] for p in api.get(f"{PRODUCTS}?active=false&sku=").json()["results"]]
    assert names == ["Off"]


def test_an_integer_filter_refuses_a_decimal(tenant: Tenant, client_for: Any) -> None:
    response = client_for(tenant).get("/api/v1/integrations/woocommerce/events/?woo_product_id=0.5")
    assert (response.status_code, response.json()) == (
        400,
        {"woo_product_id": ["Enter a whole number."]},
    )


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("name", 0, "Not a valid string."),
        ("price", 12.5, "A valid number is required."),
        ("price", "", "A valid number is required."),
        ("price", " 12", "A valid number is required."),
        ("price", "-1", "Ensure this value is greater than or equal to 0."),
        ("is_active", "true", "Must be a valid boolean."),
        ("stock_quantity", "7", "A valid integer is required."),
        (
            "currency",
            "0",
            "'0' is not a currency code (ISO 4217 such as USD or IRR, "
            "or a shop's code such as IRT).",
        ),
    ],
)
def test_a_product_field_of_the_wrong_type_or_shape_is_refused(
    api: APIClient, field: str, value: Any, message: str
) -> None:
    body = {"name": "Lamp", "price": "10.00", field: value}
    response = api.post(PRODUCTS, body, format="json")
    assert (response.status_code, response.json()) == (400, {field: [message]})
    assert Product.objects.count() == 0


def test_a_search_of_only_spaces_is_refused(api: APIClient) -> None:
    response = api.get("/v1/catalog/search/?q=%20%20")
    assert (response.status_code, response.json()) == (
        400,
        {"q": ["This field may not be blank."]},
    )


def test_an_empty_search_limit_is_refused_not_read_as_the_default(api: APIClient) -> None:
    response = api.get("/v1/catalog/search/?q=tent&limit=")
    assert (response.status_code, response.json()) == (
        400,
        {"limit": ["A valid integer is required."]},
    )
