"""Product edits in the admin and API land in the audit log; lists and options need no JSON."""

from collections.abc import Callable
from decimal import Decimal

import pytest
from django.test import Client
from rest_framework.test import APIClient

from products_and_services.admin_forms import CommaListField, OptionsField
from products_and_services.models import Product, ProductVariant
from tenants.models import AuditLog, Tenant

pytestmark = pytest.mark.django_db


def test_list_and_options_fields_round_trip() -> None:
    tags = CommaListField()
    assert tags.prepare_value(["camping", "gift"]) == "camping, gift"
    assert tags.clean(" camping, gift ,, ") == ["camping", "gift"]
    options = OptionsField()
    assert options.prepare_value({"Color": "Green", "Size": "M"}) == "Color: Green; Size: M"
    assert options.clean("Color: Green; Size:M;") == {"Color": "Green", "Size": "M"}
    with pytest.raises(Exception, match="is not an option"):
        options.clean("Green")


def test_an_admin_edit_is_audited_with_what_changed(
    admin_client: Client, tenant: Tenant, make_product: Callable[..., Product]
) -> None:
    product = make_product(tenant, name="Tent", sku="T-1", categories=["Tents"])
    ProductVariant.objects.create(product=product, sku="T-1-G", options={"Color": "Green"})
    page = admin_client.get(f"/admin/products_and_services/product/{product.pk}/change/")
    html = page.content.decode()
    assert 'value="Tents"' in html and 'value="Color: Green"' in html
    form = page.context["adminform"].form
    data = {k: v for k, v in form.initial.items() if v is not None and k in form.fields}
    data.update(
        {
            "tenant": str(tenant.pk),
            "name": "Trail Tent",
            "sku": "T-1",
            "price": "12.50",
            "currency": "USD",
            "categories": "Tents, Camping",
            "tags": "",
            "is_active": "on",
            "variants-TOTAL_FORMS": "1",
            "variants-INITIAL_FORMS": "1",
            "variants-0-id": str(product.variants.get().pk),
            "variants-0-product": str(product.pk),
            "variants-0-sku": "T-1-G",
            "variants-0-options": "Color: Green; Size: L",
            "variants-0-is_active": "on",
            "variants-0-position": "0",
            "images-TOTAL_FORMS": "0",
            "images-INITIAL_FORMS": "0",
        }
    )
    data = {k: (v if not isinstance(v, list | Decimal) else str(v)) for k, v in data.items()}
    response = admin_client.post(f"/admin/products_and_services/product/{product.pk}/change/", data)
    assert response.status_code == 302, response.context["adminform"].form.errors
    product.refresh_from_db()
    assert (product.name, product.categories) == ("Trail Tent", ["Tents", "Camping"])
    assert product.variants.get().options == {"Color": "Green", "Size": "L"}
    entry = AuditLog.objects.get(action="product_updated")
    assert entry.actor == "user:admin"
    assert entry.metadata["via"] == "admin"
    assert entry.metadata["changes"]["name"] == ["Tent", "Trail Tent"]
    assert entry.metadata["changes"]["categories"] == [["Tents"], ["Tents", "Camping"]]
    assert entry.metadata["changes"]["price"] == ["10.00", "12.50"]


def test_api_edits_are_audited(api: APIClient, tenant: Tenant) -> None:
    created = api.post(
        "/v1/catalog/products/",
        {"name": "Mug", "sku": "MUG-1", "price": "5.00", "currency": "USD"},
        format="json",
    ).json()
    api.patch(f"/v1/catalog/products/{created['id']}/", {"price": "6.00"}, format="json")
    api.patch(f"/v1/catalog/products/{created['id']}/", {"price": "6.00"}, format="json")
    api.delete(f"/v1/catalog/products/{created['id']}/")
    rows = list(
        AuditLog.objects.filter(action__startswith="product_")
        .order_by("created_at", "pk")
        .values_list("action", "metadata")
    )
    assert [action for action, _ in rows] == [
        "product_created",
        "product_updated",
        "product_deleted",
    ]
    assert rows[1][1]["changes"] == {"price": ["5.00", "6.00"]}
    assert rows[1][1]["via"] == "api" and rows[1][1]["sku"] == "MUG-1"
    assert AuditLog.objects.get(action="product_updated").actor.startswith("api_key:")
