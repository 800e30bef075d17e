"""Issue 16 item 1: currencies as shops state them, decided at the Meta boundary.

The product notes' own sample event (a Persian toman shop) used to be refused with
`'IRT' is not an ISO 4217 currency code`, writing nothing.
"""

from decimal import Decimal
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from rest_framework.test import APIClient

from integrations.shopify.models import ShopifyStore
from integrations.webhooks.models import WooCommerceEventLog
from integrations.webhooks.plugin_events import process_event
from integrations.woocommerce.models import WooCommerceStore
from integrations.zoho.models import ZohoCredential
from meta_integration.mapping import HeldBack, MappingContext, build_items
from meta_integration.models import MetaAppConfig
from products_and_services.models import Product
from tenants.models import Tenant
from tests.meta.test_mapping import CONTEXT, facts
from tests.shops import sample
from tests.webhooks.conftest import PLUGIN_WEBHOOK, plugin_event

pytestmark = pytest.mark.django_db


def post_raw(client: APIClient, body: bytes) -> Any:
    return client.post(PLUGIN_WEBHOOK, data=body, content_type="application/json")


def test_the_notes_sample_event_is_accepted_and_stored_as_the_shop_states_it(
    tenant: Tenant, plugin_client: APIClient
) -> None:
    response = post_raw(plugin_client, sample.sample_body())
    assert response.status_code == 202, response.json()
    assert response.json() == {"status": "accepted", "event_id": "wc_2025_11_10_54321"}
    event = process_event(WooCommerceEventLog.objects.get().pk)
    assert (event.processed_successfully, event.outcome, event.error) == (True, "created", "")
    product = Product.objects.get()
    assert (product.sku, product.price, product.currency, product.stock_quantity) == (
        "PROD-001",
        Decimal("850000.00"),
        "IRT",
        12,
    )
    assert (product.name, product.short_description, product.description) == (
        sample.NAME,
        sample.SHORT_DESCRIPTION,
        sample.DESCRIPTION,
    )
    assert product.name.encode() == sample.NAME.encode()
    assert (product.categories, product.tags) == (sample.CATEGORIES, sample.TAGS)
    # "https://..." is the notes' placeholder, not a URL: the product is kept without it.
    assert (product.website_url, product.images.count()) == ("", 0)


@pytest.mark.parametrize("code", ["IRT", "IRR", "BTC", "GGP", "HRK", "BGN", "IRHT", "ARUB"])
def test_a_plugin_event_is_never_refused_for_the_shops_currency(
    tenant: Tenant, plugin_client: APIClient, code: str
) -> None:
    """Known shop codes, withdrawn ISO codes and a shop's own custom code are all stored."""
    response = plugin_client.post(PLUGIN_WEBHOOK, plugin_event(currency=code), format="json")
    assert response.status_code == 202, response.json()
    event = process_event(WooCommerceEventLog.objects.get().pk)
    assert (event.outcome, Product.objects.get().currency) == ("created", code)


def test_a_lowercase_code_from_a_shop_is_stored_in_capitals(
    tenant: Tenant, plugin_client: APIClient
) -> None:
    plugin_client.post(PLUGIN_WEBHOOK, plugin_event(currency=" irt "), format="json")
    process_event(WooCommerceEventLog.objects.get().pk)
    assert Product.objects.get().currency == "IRT"


def test_something_that_is_no_currency_code_at_all_is_still_refused(
    plugin_client: APIClient,
) -> None:
    response = plugin_client.post(PLUGIN_WEBHOOK, plugin_event(currency="€ euro"), format="json")
    assert response.status_code == 400
    assert response.json() == {
        "product": {"currency": ["'€ euro' is not a currency code (3 to 10 letters or digits)."]}
    }
    assert WooCommerceEventLog.objects.count() == 0


@pytest.mark.parametrize(
    ("model", "fields"),
    [
        (WooCommerceStore, {"store_url": "https://shop.example.ir", "consumer_key": "ck"}),
        (ShopifyStore, {"shop_domain": "acme.myshopify.com", "access_token": "shpat_x"}),
    ],
)
@pytest.mark.parametrize("code", ["IRT", "USDC", "EUR"])
def test_stores_can_state_shop_currencies(
    tenant: Tenant, model: Any, fields: dict[str, str], code: str
) -> None:
    store = model(tenant=tenant, currency=code, **fields)
    store.full_clean(exclude=["consumer_secret", "access_token", "consumer_key", "webhook_secret"])


def test_zoho_and_meta_config_currencies_accept_shop_codes(tenant: Tenant) -> None:
    ZohoCredential._meta.get_field("currency").run_validators("IRT")
    MetaAppConfig._meta.get_field("currency").run_validators("IRT")
    with pytest.raises(ValidationError):
        MetaAppConfig._meta.get_field("currency").run_validators("XYZ")


def test_the_api_accepts_a_toman_price(api: APIClient) -> None:
    response = api.post(
        "/v1/catalog/products/",
        {"name": sample.NAME, "sku": "PROD-001", "price": "850000", "currency": "IRT"},
        format="json",
    )
    assert response.status_code == 201, response.json()
    assert (response.json()["name"], response.json()["currency"]) == (sample.NAME, "IRT")


# --- the Meta boundary ---


def test_toman_goes_to_meta_as_rials_under_the_default_mapping(tenant: Tenant) -> None:
    context = MappingContext(
        **{**CONTEXT.__dict__, "currency_mapping": MetaAppConfig().currency_mapping}
    )
    [item] = build_items(
        facts(price=Decimal("850000"), sale_price=Decimal("800000"), currency="IRT"),
        [],
        [],
        context,
    )
    assert (item.data["price"], item.data["sale_price"]) == ("8500000.00 IRR", "8000000.00 IRR")


def test_without_a_mapping_a_shop_only_currency_is_held_back_with_its_reason() -> None:
    with pytest.raises(HeldBack) as held:
        build_items(facts(price=Decimal("850000"), currency="IRT"), [], [], CONTEXT)
    assert held.value.reason == (
        "Not sent to Meta: Meta takes ISO 4217 prices and this catalog has no currency "
        "mapping for IRT (add one in the Meta config, e.g. IRT → IRR at rate 10)."
    )


def test_an_iso_currency_goes_as_it_is_and_a_mapping_may_convert_it_too() -> None:
    [item] = build_items(facts(price=Decimal("10"), currency="EUR"), [], [], CONTEXT)
    assert item.data["price"] == "10.00 EUR"
    mapped = MappingContext(
        **{**CONTEXT.__dict__, "currency_mapping": {"EUR": {"currency": "USD", "rate": "1.5"}}}
    )
    [converted] = build_items(facts(price=Decimal("10"), currency="EUR"), [], [], mapped)
    assert converted.data["price"] == "15.00 USD"


def test_the_dashboard_lists_a_held_back_product_with_its_reason(tenant: Tenant) -> None:
    from django.utils import timezone

    from dashboard.services import build_dashboard

    reason = "Not sent to Meta: no currency mapping for IRT"
    held = Product.objects.create(
        tenant=tenant, name=sample.NAME, sku="PROD-001", price=Decimal("850000"), currency="IRT"
    )
    Product.objects.filter(pk=held.pk).update(
        meta_sync_last_error=reason, meta_sync_next_attempt=None
    )
    items = build_dashboard(tenant=tenant, now=timezone.now()).attention
    assert [(i.kind, i.text, i.detail) for i in items] == [
        ("Held back from Meta", sample.NAME, reason)
    ]


@pytest.mark.parametrize(
    ("fields", "active", "stock"),
    [
        ({"status": "archived"}, False, 12),  # a post status another plugin adds
        ({"stock_status": "preorder", "stock_quantity": None}, True, None),
    ],
)
def test_statuses_other_plugins_add_are_stored_not_refused(
    tenant: Tenant,
    plugin_client: APIClient,
    fields: dict[str, Any],
    active: bool,
    stock: int | None,
) -> None:
    response = plugin_client.post(PLUGIN_WEBHOOK, plugin_event(**fields), format="json")
    assert response.status_code == 202, response.json()
    process_event(WooCommerceEventLog.objects.get().pk)
    product = Product.objects.get()
    assert (product.is_active, product.stock_quantity) == (active, stock)
