"""Double-encoded Persian (UTF-8 read as Latin-1 or Windows-1252) is flagged, and repaired when
the tenant opts in; correctly encoded Persian is left byte for byte."""

from decimal import Decimal

import ftfy.bad_codecs  # noqa: F401  (registers "sloppy-windows-1252")
import pytest
from django.contrib.auth.models import User
from django.test import Client
from rest_framework.test import APIClient

from integrations.engine.records import ProductRecord
from integrations.engine.upsert import upsert_page
from integrations.webhooks.models import WooCommerceEventLog
from integrations.webhooks.plugin_events import process_event
from products_and_services.models import Product
from products_and_services.text_encoding import check_text
from tenants.models import Tenant
from tests.shops import sample
from tests.webhooks.conftest import PLUGIN_WEBHOOK, plugin_event

pytestmark = pytest.mark.django_db


def double_encoded(text: str, codec: str = "latin-1") -> str:
    """What a latin1 WordPress table hands back for UTF-8 text."""
    return text.encode("utf-8").decode(codec)


BAD_NAME = double_encoded(sample.NAME)


def post_and_process(client: APIClient, **product: object) -> Product:
    response = client.post(PLUGIN_WEBHOOK, plugin_event(**product), format="json")
    assert response.status_code == 202, response.json()
    process_event(WooCommerceEventLog.objects.get().pk)
    return Product.objects.get()


def test_the_double_encoded_name_really_is_mojibake() -> None:
    assert BAD_NAME.startswith("Ú©Ù\x81Ø´ ")
    assert BAD_NAME != sample.NAME


def test_correct_persian_is_never_flagged_or_changed() -> None:
    values = {
        "name": sample.NAME,
        "short_description": sample.SHORT_DESCRIPTION,
        "description": sample.DESCRIPTION,
        "categories": sample.CATEGORIES,
        "tags": [*sample.TAGS, "می\u200cشه"],  # a zero-width non-joiner, as Persian writes it
    }
    check = check_text(values, repair=True)
    assert (check.status, check.fields, check.values) == ("", [], values)


def test_a_double_encoded_plugin_event_is_flagged_and_kept_as_sent(
    tenant: Tenant, plugin_client: APIClient
) -> None:
    bad_category = double_encoded(sample.CATEGORIES[0])
    product = post_and_process(plugin_client, name=BAD_NAME, categories=[bad_category, "Shoes"])
    assert (product.text_encoding, product.text_encoding_fields) == (
        "double_encoded",
        ["name", "categories"],
    )
    assert (product.name, product.categories) == (BAD_NAME, [bad_category, "Shoes"])


def test_with_the_option_on_it_is_repaired(tenant: Tenant, plugin_client: APIClient) -> None:
    Tenant.objects.filter(pk=tenant.pk).update(repair_double_encoded_text=True)
    product = post_and_process(
        plugin_client,
        name=BAD_NAME,
        description=double_encoded(sample.DESCRIPTION),
        categories=[double_encoded(c) for c in sample.CATEGORIES],
    )
    assert (product.text_encoding, product.text_encoding_fields) == (
        "repaired",
        ["name", "description", "categories"],
    )
    assert (product.name, product.description, product.categories) == (
        sample.NAME,
        sample.DESCRIPTION,
        sample.CATEGORIES,
    )
    assert product.name.encode() == sample.NAME.encode()


@pytest.mark.parametrize("repair", [False, True])
def test_pulls_are_checked_too_windows_1252_included(tenant: Tenant, repair: bool) -> None:
    tenant.repair_double_encoded_text = repair
    bad = double_encoded(sample.NAME, "sloppy-windows-1252")
    record = ProductRecord(external_id="1", name=bad, sku="P-1", price=Decimal("850000"))
    upsert_page(
        tenant=tenant, source="woocommerce", connection_key="woocommerce:1", records=[record]
    )
    product = Product.objects.get()
    assert (product.name, product.text_encoding) == (
        (sample.NAME, "repaired") if repair else (bad, "double_encoded")
    )


def test_the_api_flags_it_and_shows_the_flag(api: APIClient) -> None:
    response = api.post(
        "/v1/catalog/products/",
        {"name": BAD_NAME, "sku": "P-1", "price": "850000", "currency": "IRT"},
        format="json",
    )
    assert response.status_code == 201, response.json()
    body = response.json()
    assert (body["name"], body["text_encoding"], body["text_encoding_fields"]) == (
        BAD_NAME,
        "double_encoded",
        ["name"],
    )
    fixed = api.patch(f"/v1/catalog/products/{body['id']}/", {"name": sample.NAME}, format="json")
    assert (fixed.json()["text_encoding"], fixed.json()["text_encoding_fields"]) == ("", [])


def test_the_admin_action_repairs_flagged_products(
    tenant: Tenant, plugin_client: APIClient
) -> None:
    product = post_and_process(plugin_client, name=BAD_NAME)
    User.objects.create_superuser(username="root", password="pw", email="root@example.com")
    client = Client()
    client.login(username="root", password="pw")
    response = client.post(
        "/admin/products_and_services/product/",
        {"action": "repair_text", "_selected_action": [product.pk]},
        follow=True,
    )
    assert response.status_code == 200
    assert "Repaired the text of 1 product. 0 had nothing to repair." in response.text
    product.refresh_from_db()
    assert (product.name, product.text_encoding, product.text_encoding_fields) == (
        sample.NAME,
        "repaired",
        ["name"],
    )
