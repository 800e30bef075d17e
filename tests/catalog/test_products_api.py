"""The product API: CRUD with nested variants and images, filters, tenancy, validation, limits."""

import json
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest
from django.conf import settings
from rest_framework.test import APIClient

from products_and_services.hashing import compute_content_hash
from products_and_services.models import Product, ProductImage, ProductVariant
from tenants.models import Tenant

pytestmark = pytest.mark.django_db

PRODUCTS = "/v1/catalog/products/"
T0 = datetime(2026, 1, 1, tzinfo=UTC)


def detail(product: Product | int) -> str:
    pk = product if isinstance(product, int) else product.pk
    return f"{PRODUCTS}{pk}/"


def counts() -> tuple[int, int, int]:
    return Product.objects.count(), ProductVariant.objects.count(), ProductImage.objects.count()


def tent_payload(**overrides: Any) -> dict[str, Any]:
    payload: dict[str, Any] = {
        "name": "Tent",
        "sku": "TENT-1",
        "description": "A two-person tent.",
        "short_description": "Tent",
        "brand": "Acme",
        "price": "120.00",
        "sale_price": "99.50",
        "currency": "EUR",
        "stock_quantity": 7,
        "categories": ["Camping", "Shelter"],
        "tags": ["outdoor"],
        "variants": [
            {"sku": "TENT-1-S", "name": "Small", "price": "110.00", "options": {"Size": "S"}},
            {"sku": "TENT-1-L", "name": "Large", "options": {"Size": "L"}},
        ],
        "images": [
            {"url": "https://cdn.example.com/tent.jpg", "alt_text": "Front"},
            {"url": "https://cdn.example.com/tent-side.jpg"},
        ],
    }
    payload.update(overrides)
    return payload


@pytest.fixture
def tent(api: APIClient) -> Product:
    response = api.post(PRODUCTS, tent_payload(), format="json")
    assert response.status_code == 201, response.json()
    return Product.objects.get(pk=response.json()["id"])


def variant_rows(product: Product) -> list[tuple[Any, ...]]:
    return list(
        ProductVariant.objects.filter(product=product)
        .order_by("position", "id")
        .values_list("sku", "name", "price", "options", "position")
    )


# --- Happy paths ---


def test_create_with_variants_and_images(api: APIClient, tenant: Tenant) -> None:
    response = api.post(PRODUCTS, tent_payload(), format="json")
    assert response.status_code == 201
    body = response.json()
    product = Product.objects.get(pk=body["id"])
    assert product.tenant_id == tenant.id
    assert (product.name, product.sku, product.price, product.sale_price, product.currency) == (
        "Tent",
        "TENT-1",
        Decimal("120.00"),
        Decimal("99.50"),
        "EUR",
    )
    assert (product.stock_quantity, product.categories, product.tags) == (
        7,
        ["Camping", "Shelter"],
        ["outdoor"],
    )
    assert product.external_source == "manual"
    assert variant_rows(product) == [
        ("TENT-1-S", "Small", Decimal("110.00"), {"Size": "S"}, 0),
        ("TENT-1-L", "Large", None, {"Size": "L"}, 1),
    ]
    assert list(product.images.values_list("url", "alt_text", "position")) == [
        ("https://cdn.example.com/tent.jpg", "Front", 0),
        ("https://cdn.example.com/tent-side.jpg", "", 1),
    ]
    assert body["price"] == "120.00"
    assert body["sale_price"] == "99.50"
    assert [v["sku"] for v in body["variants"]] == ["TENT-1-S", "TENT-1-L"]
    assert body["variants"][0]["price"] == "110.00"
    assert body["variants"][1]["price"] is None
    assert [(i["url"], i["image"], i["position"]) for i in body["images"]] == [
        ("https://cdn.example.com/tent.jpg", None, 0),
        ("https://cdn.example.com/tent-side.jpg", None, 1),
    ]
    assert counts() == (1, 2, 2)


def test_retrieve(api: APIClient, tent: Product) -> None:
    response = api.get(detail(tent))
    assert response.status_code == 200
    body = response.json()
    assert body["id"] == tent.pk
    assert (body["name"], body["sku"], body["price"], body["currency"]) == (
        "Tent",
        "TENT-1",
        "120.00",
        "EUR",
    )
    variant_ids = list(tent.variants.order_by("position").values_list("id", flat=True))
    assert [(v["id"], v["options"]) for v in body["variants"]] == [
        (variant_ids[0], {"Size": "S"}),
        (variant_ids[1], {"Size": "L"}),
    ]
    assert [i["alt_text"] for i in body["images"]] == ["Front", ""]
    assert body["content_hash"] == tent.content_hash


def test_retrieve_unknown_id_is_404(api: APIClient) -> None:
    response = api.get(detail(999_999))
    assert response.status_code == 404
    assert response.json() == {"detail": "No Product matches the given query."}


def test_full_update(api: APIClient, tent: Product) -> None:
    response = api.put(
        detail(tent),
        {
            "name": "Tent XL",
            "sku": "TENT-XL",
            "price": "150.00",
            "currency": "USD",
            "variants": [{"sku": "TENT-XL-M", "options": {"Size": "M"}}],
            "images": [],
        },
        format="json",
    )
    assert response.status_code == 200, response.json()
    product = Product.objects.get(pk=tent.pk)
    assert (product.name, product.sku, product.price, product.currency) == (
        "Tent XL",
        "TENT-XL",
        Decimal("150.00"),
        "USD",
    )
    # Fields left out of a PUT keep their stored values (the serializer does not blank them).
    assert product.sale_price == Decimal("99.50")
    assert variant_rows(product) == [("TENT-XL-M", "", None, {"Size": "M"}, 0)]
    assert counts() == (1, 1, 0)


def test_put_without_required_fields_is_400(api: APIClient, tent: Product) -> None:
    before = counts()
    response = api.put(detail(tent), {"sku": "TENT-2"}, format="json")
    assert response.status_code == 400
    assert response.json() == {
        "name": ["This field is required."],
        "price": ["This field is required."],
    }
    assert Product.objects.get(pk=tent.pk).sku == "TENT-1"
    assert counts() == before


def test_partial_update_leaves_children_alone(api: APIClient, tent: Product) -> None:
    response = api.patch(detail(tent), {"price": "130.00", "is_active": False}, format="json")
    assert response.status_code == 200
    assert response.json()["price"] == "130.00"
    product = Product.objects.get(pk=tent.pk)
    assert (product.price, product.is_active, product.name) == (Decimal("130.00"), False, "Tent")
    assert counts() == (1, 2, 2)


def test_delete(api: APIClient, tent: Product) -> None:
    response = api.delete(detail(tent))
    assert response.status_code == 204
    assert response.content == b""
    assert counts() == (0, 0, 0)
    assert api.get(detail(tent)).status_code == 404


def test_variants_update_delete_and_create_by_id(api: APIClient, tent: Product) -> None:
    small, large = tent.variants.order_by("position")
    response = api.patch(
        detail(tent),
        {
            "variants": [
                {"id": small.pk, "name": "Small (2p)", "price": "105.00"},
                {"sku": "TENT-1-XL", "name": "Extra large", "options": {"Size": "XL"}},
            ]
        },
        format="json",
    )
    assert response.status_code == 200, response.json()
    rows = list(
        ProductVariant.objects.filter(product=tent)
        .order_by("position", "id")
        .values_list("id", "sku", "name", "price", "options", "position")
    )
    new_id = rows[1][0]
    assert rows == [
        (small.pk, "TENT-1-S", "Small (2p)", Decimal("105.00"), {"Size": "S"}, 0),
        (new_id, "TENT-1-XL", "Extra large", None, {"Size": "XL"}, 1),
    ]
    assert new_id not in (small.pk, large.pk)
    assert not ProductVariant.objects.filter(pk=large.pk).exists()
    assert [v["id"] for v in response.json()["variants"]] == [small.pk, new_id]
    assert ProductImage.objects.filter(product=tent).count() == 2


def test_images_keep_by_id_and_replace_the_rest(api: APIClient, tent: Product) -> None:
    front, side = tent.images.order_by("position")
    response = api.patch(
        detail(tent),
        {"images": [{"url": "https://cdn.example.com/new.jpg"}, {"id": side.pk}]},
        format="json",
    )
    assert response.status_code == 200, response.json()
    assert list(tent.images.order_by("position").values_list("url", "position")) == [
        ("https://cdn.example.com/new.jpg", 0),
        ("https://cdn.example.com/tent-side.jpg", 1),
    ]
    assert not ProductImage.objects.filter(pk=front.pk).exists()


def test_variant_id_of_another_product_is_400(
    api: APIClient, tent: Product, make_product: Callable[..., Product]
) -> None:
    other = make_product(tent.tenant, sku="LAMP")
    foreign = ProductVariant.objects.create(product=other, sku="LAMP-RED")
    before_variants = variant_rows(tent)
    before = counts()
    response = api.patch(
        detail(tent),
        {
            "name": "Renamed",
            "variants": [{"id": foreign.pk, "name": "Hijacked"}, {"sku": "TENT-1-NEW"}],
        },
        format="json",
    )
    assert response.status_code == 400
    assert response.json() == {
        "variants": [f"Variant {foreign.pk} does not belong to this product."]
    }
    assert Product.objects.get(pk=tent.pk).name == "Tent"
    assert variant_rows(tent) == before_variants
    assert ProductVariant.objects.get(pk=foreign.pk).name == ""
    assert counts() == before


def test_image_id_of_another_product_is_400(
    api: APIClient, tent: Product, make_product: Callable[..., Product]
) -> None:
    other = make_product(tent.tenant, sku="LAMP")
    foreign = ProductImage.objects.create(product=other, url="https://cdn.example.com/lamp.jpg")
    before = counts()
    response = api.patch(detail(tent), {"images": [{"id": foreign.pk}]}, format="json")
    assert response.status_code == 400
    assert response.json() == {"images": [f"Image {foreign.pk} does not belong to this product."]}
    assert counts() == before
    assert ProductImage.objects.filter(product=tent).count() == 2


# --- Filters, search and paging ---


@pytest.fixture
def catalog(tenant: Tenant, make_product: Callable[..., Product]) -> dict[str, Product]:
    """Five products with distinct, known updated_at values (newest first: e, d, c, b, a)."""
    products = {
        "a": make_product(tenant, name="Alpine Tent", sku="TENT-A"),
        "b": make_product(tenant, name="Beach Towel", sku="TOWEL-B", is_active=False),
        "c": make_product(
            tenant, name="Camp Stove", sku="STOVE-C", external_source="zoho", external_id="9"
        ),
        "d": make_product(tenant, name="Dome Tent", sku="TENT-D"),
        "e": make_product(tenant, name="Easy Chair", sku="CHAIR-E", currency="EUR"),
    }
    for offset, product in enumerate(products.values()):
        Product.objects.filter(pk=product.pk).update(updated_at=T0 + timedelta(hours=offset))
    return products


def listed_skus(api: APIClient, params: dict[str, Any]) -> list[str]:
    response = api.get(PRODUCTS, params)
    assert response.status_code == 200, response.json()
    body = response.json()
    assert body["count"] == len(body["results"])
    return [p["sku"] for p in body["results"]]


def test_list_default_order_is_newest_first(api: APIClient, catalog: dict[str, Product]) -> None:
    assert listed_skus(api, {}) == ["CHAIR-E", "TENT-D", "STOVE-C", "TOWEL-B", "TENT-A"]


def test_filter_active(api: APIClient, catalog: dict[str, Product]) -> None:
    assert listed_skus(api, {"active": "false"}) == ["TOWEL-B"]
    assert listed_skus(api, {"active": "true"}) == ["CHAIR-E", "TENT-D", "STOVE-C", "TENT-A"]


def test_filter_source(api: APIClient, catalog: dict[str, Product]) -> None:
    assert listed_skus(api, {"source": "manual"}) == ["CHAIR-E", "TENT-D", "TOWEL-B", "TENT-A"]
    assert listed_skus(api, {"source": "zoho"}) == ["STOVE-C"]
    assert listed_skus(api, {"source": "shopify"}) == []


def test_filter_unknown_source_is_400(api: APIClient, catalog: dict[str, Product]) -> None:
    response = api.get(PRODUCTS, {"source": "ebay"})
    assert response.status_code == 400
    assert response.json() == {
        "source": ["Select a valid choice. ebay is not one of the available choices."]
    }


def test_filter_sku_is_exact(api: APIClient, catalog: dict[str, Product]) -> None:
    assert listed_skus(api, {"sku": "TENT-D"}) == ["TENT-D"]
    assert listed_skus(api, {"sku": "TENT"}) == []


def test_filter_currency(api: APIClient, catalog: dict[str, Product]) -> None:
    assert listed_skus(api, {"currency": "EUR"}) == ["CHAIR-E"]


def test_filter_updated_since(api: APIClient, catalog: dict[str, Product]) -> None:
    since = (T0 + timedelta(hours=3)).isoformat()
    assert since == "2026-01-01T03:00:00+00:00"
    assert listed_skus(api, {"updated_since": since}) == ["CHAIR-E", "TENT-D"]
    assert listed_skus(api, {"updated_since": "2026-01-01T02:30:00Z"}) == ["CHAIR-E", "TENT-D"]
    assert listed_skus(api, {"updated_since": "2030-01-01T00:00:00Z"}) == []


def test_filter_updated_since_rejects_garbage(api: APIClient, catalog: dict[str, Product]) -> None:
    response = api.get(PRODUCTS, {"updated_since": "yesterday"})
    assert response.status_code == 400
    assert response.json() == {"updated_since": ["Enter a valid date/time."]}


def test_search_name_and_sku(api: APIClient, catalog: dict[str, Product]) -> None:
    assert listed_skus(api, {"search": "tent"}) == ["TENT-D", "TENT-A"]
    assert listed_skus(api, {"search": "stove-c"}) == ["STOVE-C"]
    assert listed_skus(api, {"search": "Chair"}) == ["CHAIR-E"]
    assert listed_skus(api, {"search": "kayak"}) == []


def test_filters_combine(api: APIClient, catalog: dict[str, Product]) -> None:
    assert listed_skus(api, {"search": "tent", "updated_since": "2026-01-01T01:00:00Z"}) == [
        "TENT-D"
    ]


def test_ordering_param(api: APIClient, catalog: dict[str, Product]) -> None:
    assert listed_skus(api, {"ordering": "name"}) == [
        "TENT-A",
        "TOWEL-B",
        "STOVE-C",
        "TENT-D",
        "CHAIR-E",
    ]


def test_page_size_and_page(api: APIClient, catalog: dict[str, Product]) -> None:
    response = api.get(PRODUCTS, {"page_size": 2, "page": 2})
    assert response.status_code == 200
    body = response.json()
    assert body["count"] == 5
    assert [p["sku"] for p in body["results"]] == ["STOVE-C", "TOWEL-B"]
    assert body["next"] == "http://testserver/v1/catalog/products/?page=3&page_size=2"
    assert body["previous"] == "http://testserver/v1/catalog/products/?page_size=2"
    last = api.get(PRODUCTS, {"page_size": 2, "page": 3}).json()
    assert ([p["sku"] for p in last["results"]], last["next"]) == (["TENT-A"], None)


def test_page_out_of_range_is_404(api: APIClient, catalog: dict[str, Product]) -> None:
    response = api.get(PRODUCTS, {"page_size": 2, "page": 4})
    assert response.status_code == 404
    assert response.json() == {"detail": "Invalid page."}


def test_page_size_is_capped(api: APIClient, tenant: Tenant) -> None:
    Product.objects.bulk_create(
        Product(tenant=tenant, name=f"P{n}", sku=f"P-{n}", price=Decimal("1")) for n in range(501)
    )
    body = api.get(PRODUCTS, {"page_size": 1000}).json()
    assert (body["count"], len(body["results"])) == (501, 500)


# --- Tenancy ---


@pytest.fixture
def foreign(other_tenant: Tenant, make_product: Callable[..., Product]) -> Product:
    product = make_product(other_tenant, name="Globex Widget", sku="W-1", price=Decimal("5.00"))
    ProductVariant.objects.create(product=product, sku="W-1-RED", options={"Colour": "Red"})
    return Product.objects.get(pk=product.pk)


def snapshot(product: Product) -> tuple[Any, ...]:
    row = Product.objects.get(pk=product.pk)
    return (
        row.tenant_id,
        row.name,
        row.sku,
        row.price,
        row.updated_at,
        list(row.variants.values_list("id", "sku", "name")),
    )


@pytest.mark.parametrize(
    ("method", "payload"),
    [
        ("get", None),
        ("patch", {"name": "Hijacked"}),
        ("put", {"name": "Hijacked", "price": "1.00", "variants": []}),
        ("delete", None),
    ],
)
def test_other_tenants_product_is_404(
    api: APIClient, foreign: Product, method: str, payload: dict[str, Any] | None
) -> None:
    before = snapshot(foreign)
    response = getattr(api, method)(detail(foreign), payload, format="json")
    assert response.status_code == 404
    assert response.json() == {"detail": "No Product matches the given query."}
    assert snapshot(foreign) == before


def test_list_never_shows_other_tenants_products(
    api: APIClient, tenant: Tenant, foreign: Product, make_product: Callable[..., Product]
) -> None:
    make_product(tenant, name="Acme Tent", sku="T-1")
    assert listed_skus(api, {}) == ["T-1"]
    assert listed_skus(api, {"sku": "W-1"}) == []
    assert listed_skus(api, {"search": "Globex"}) == []


def test_other_tenant_sees_only_its_own(
    client_for: Callable[..., APIClient],
    other_tenant: Tenant,
    foreign: Product,
    api: APIClient,
    tenant: Tenant,
    make_product: Callable[..., Product],
) -> None:
    make_product(tenant, sku="T-1")
    assert listed_skus(client_for(other_tenant), {}) == ["W-1"]


# --- Invalid payloads write nothing ---


def post_invalid(api: APIClient, payload: dict[str, Any]) -> dict[str, Any]:
    before = counts()
    response = api.post(PRODUCTS, payload, format="json")
    assert response.status_code == 400
    assert counts() == before
    return response.json()


def test_negative_price(api: APIClient) -> None:
    assert post_invalid(api, tent_payload(price="-1.00")) == {
        "price": ["Ensure this value is greater than or equal to 0."]
    }


def test_negative_variant_price(api: APIClient) -> None:
    body = post_invalid(api, tent_payload(variants=[{"sku": "V", "price": "-5"}]))
    assert body == {
        "variants": {"0": {"price": ["Ensure this value is greater than or equal to 0."]}}
    }


@pytest.mark.parametrize("currency", ["XYZ", "usd", "US", "EURO"])
def test_bad_currency(api: APIClient, currency: str) -> None:
    body = post_invalid(api, tent_payload(currency=currency))
    assert body == {
        "currency": [
            f"'{currency}' is not a currency code (ISO 4217 such as USD or IRR, "
            "or a shop's code such as IRT)."
        ]
    }


def test_a_currency_code_longer_than_any_shop_uses_is_refused(api: APIClient) -> None:
    body = post_invalid(api, tent_payload(currency="EUROPEANUNION"))
    assert body["currency"][-1] == "Ensure this field has no more than 10 characters."


def test_duplicate_sku_within_tenant(
    api: APIClient, tenant: Tenant, make_product: Callable[..., Product]
) -> None:
    held = make_product(tenant, sku="TENT-1")
    assert post_invalid(api, tent_payload()) == {
        "sku": [f"SKU 'TENT-1' is already used by product #{held.pk} 'Product 1'."]
    }


def test_patch_to_a_taken_sku(
    api: APIClient, tent: Product, make_product: Callable[..., Product]
) -> None:
    held = make_product(tent.tenant, sku="LAMP")
    response = api.patch(detail(tent), {"sku": "LAMP"}, format="json")
    assert response.status_code == 400
    assert response.json() == {
        "sku": [f"SKU 'LAMP' is already used by product #{held.pk} 'Product 1'."]
    }
    assert Product.objects.get(pk=tent.pk).sku == "TENT-1"


def test_same_sku_in_another_tenant_is_fine(
    api: APIClient, other_tenant: Tenant, make_product: Callable[..., Product]
) -> None:
    make_product(other_tenant, sku="TENT-1")
    response = api.post(PRODUCTS, tent_payload(), format="json")
    assert response.status_code == 201
    assert Product.objects.filter(sku="TENT-1").count() == 2


def test_blank_skus_do_not_collide(api: APIClient) -> None:
    for name in ("One", "Two"):
        response = api.post(PRODUCTS, {"name": name, "price": "1.00"}, format="json")
        assert response.status_code == 201
    assert list(Product.objects.order_by("name").values_list("name", "sku")) == [
        ("One", ""),
        ("Two", ""),
    ]


def test_sale_price_above_price(api: APIClient) -> None:
    assert post_invalid(api, tent_payload(price="10.00", sale_price="10.01")) == {
        "sale_price": ["The sale price cannot exceed the price."]
    }


def test_patch_sale_price_above_stored_price(api: APIClient, tent: Product) -> None:
    response = api.patch(detail(tent), {"sale_price": "500.00"}, format="json")
    assert response.status_code == 400
    assert response.json() == {"sale_price": ["The sale price cannot exceed the price."]}
    assert Product.objects.get(pk=tent.pk).sale_price == Decimal("99.50")


def test_missing_name(api: APIClient) -> None:
    payload = tent_payload()
    del payload["name"]
    assert post_invalid(api, payload) == {"name": ["This field is required."]}


def test_categories_not_a_list(api: APIClient) -> None:
    assert post_invalid(api, tent_payload(categories="Camping")) == {
        "categories": ['Expected a list of items but got type "str".']
    }


def test_categories_with_blank_entry(api: APIClient) -> None:
    assert post_invalid(api, tent_payload(categories=["Camping", ""])) == {
        "categories": {"1": ["This field may not be blank."]}
    }


@pytest.mark.parametrize(
    "options",
    [["Size", "S"], {"Size": 1}, {"Size": None}, "Size=S"],
    ids=["list", "int-value", "null-value", "string"],
)
def test_variant_options_must_be_a_dict_of_strings(api: APIClient, options: Any) -> None:
    body = post_invalid(
        api, tent_payload(variants=[{"sku": "OK", "options": {"Size": "S"}}, {"options": options}])
    )
    # Nested list errors are keyed by the index of the failing item only.
    assert body == {
        "variants": {"1": {"options": ['Options must map names to values, e.g. {"Size": "M"}.']}}
    }


def test_image_without_url(api: APIClient) -> None:
    assert post_invalid(api, tent_payload(images=[{"alt_text": "nothing"}])) == {
        "images": {"0": {"url": ["An image needs a URL."]}}
    }


# --- Body size limit ---


def test_oversized_body_is_413(api: APIClient) -> None:
    payload = tent_payload(description="x" * 1_200_000)
    body = json.dumps(payload)
    assert len(body) > settings.API_MAX_BODY_BYTES
    response = api.post(PRODUCTS, body, content_type="application/json")
    assert response.status_code == 413
    assert response["Content-Type"] == "application/json"
    assert response.json() == {
        "detail": "Request body is too large.",
        "max_bytes": settings.API_MAX_BODY_BYTES,
    }
    assert counts() == (0, 0, 0)


def test_oversized_update_is_413(api: APIClient, tent: Product) -> None:
    response = api.patch(detail(tent), {"description": "x" * 1_200_000}, format="json")
    assert response.status_code == 413
    assert response.json() == {
        "detail": "Request body is too large.",
        "max_bytes": settings.API_MAX_BODY_BYTES,
    }
    assert Product.objects.get(pk=tent.pk).description == "A two-person tent."


def test_body_just_under_the_limit_is_accepted(api: APIClient) -> None:
    base = json.dumps(tent_payload(description=""))
    room = settings.API_MAX_BODY_BYTES - len(base)
    body = json.dumps(tent_payload(description="x" * room))
    assert len(body) == settings.API_MAX_BODY_BYTES
    response = api.post(PRODUCTS, body, content_type="application/json")
    assert response.status_code == 201
    assert len(Product.objects.get().description) == room


# --- Query count does not grow with the page size ---


@pytest.fixture
def thousand_products(tenant: Tenant) -> Iterator[None]:
    products = Product.objects.bulk_create(
        Product(tenant=tenant, name=f"Item {n}", sku=f"ITEM-{n:04d}", price=Decimal("10.00"))
        for n in range(1000)
    )
    ProductVariant.objects.bulk_create(
        ProductVariant(product=p, sku=f"{p.sku}-{size}", options={"Size": size}, position=i)
        for p in products
        for i, size in enumerate(("S", "L"))
    )
    ProductImage.objects.bulk_create(
        ProductImage(product=p, url=f"https://cdn.example.com/{p.sku}.jpg") for p in products
    )
    yield


def test_list_query_count_is_constant(
    api: APIClient, thousand_products: None, django_assert_num_queries: Any
) -> None:
    # A first call records the key's last use, so the measured calls below don't.
    assert api.get(PRODUCTS, {"page_size": 1}).status_code == 200
    # key lookup, count, page, variants prefetch, images prefetch
    with django_assert_num_queries(5):
        small = api.get(PRODUCTS, {"page_size": 10})
    with django_assert_num_queries(5):
        large = api.get(PRODUCTS, {"page_size": 500})
    assert small.status_code == large.status_code == 200
    assert (small.json()["count"], len(small.json()["results"])) == (1000, 10)
    assert (large.json()["count"], len(large.json()["results"])) == (1000, 500)
    first = large.json()["results"][0]
    assert [v["options"] for v in first["variants"]] == [{"Size": "S"}, {"Size": "L"}]
    assert len(first["images"]) == 1


# --- Content hash ---


def test_content_hash_on_create(api: APIClient) -> None:
    response = api.post(PRODUCTS, tent_payload(), format="json")
    assert response.status_code == 201
    expected = compute_content_hash(
        name="Tent",
        short_description="Tent",
        description="A two-person tent.",
        categories=["Camping", "Shelter"],
        tags=["outdoor"],
    )
    assert response.json()["content_hash"] == expected
    assert Product.objects.get().content_hash == expected


def test_content_hash_ignores_price_but_follows_description(api: APIClient, tent: Product) -> None:
    original = tent.content_hash
    assert len(original) == 64
    price_only = api.patch(detail(tent), {"price": "80.00", "sale_price": None}, format="json")
    assert price_only.status_code == 200
    assert price_only.json()["content_hash"] == original
    assert Product.objects.get(pk=tent.pk).content_hash == original

    described = api.patch(detail(tent), {"description": "A roomy tent."}, format="json")
    assert described.status_code == 200
    changed = Product.objects.get(pk=tent.pk).content_hash
    assert changed != original
    assert described.json()["content_hash"] == changed
    assert changed == compute_content_hash(
        name="Tent",
        short_description="Tent",
        description="A roomy tent.",
        categories=["Camping", "Shelter"],
        tags=["outdoor"],
    )


def test_content_hash_is_read_only(api: APIClient, tent: Product) -> None:
    response = api.patch(detail(tent), {"content_hash": "0" * 64}, format="json")
    assert response.status_code == 200
    assert Product.objects.get(pk=tent.pk).content_hash == tent.content_hash
