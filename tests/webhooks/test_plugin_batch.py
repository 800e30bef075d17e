"""The plugin webhook's batch form ({"events": [...]}, one result per event) and the dry-run
validation behind the plugin's Test connection."""

from typing import Any

import pytest
from rest_framework.test import APIClient

from integrations.webhooks.models import WooCommerceEventLog
from integrations.webhooks.plugin_events import process_event
from products_and_services.models import Product
from tenants.models import Tenant
from tests.webhooks.conftest import PLUGIN_WEBHOOK, plugin_event

pytestmark = pytest.mark.django_db

PLUGIN_VALIDATE = "/api/integrations/woocommerce/validate/"


def post(client: APIClient, url: str, body: Any) -> Any:
    return client.post(url, body, format="json")


def test_a_batch_answers_each_event_in_order(tenant: Tenant, plugin_client: APIClient) -> None:
    post(plugin_client, PLUGIN_WEBHOOK, plugin_event("seen-before"))
    events = [
        plugin_event("b-1", id=501, sku="B-1", name="First"),
        plugin_event("b-2", id=502, sku="B-2", name=""),
        plugin_event("seen-before"),
        plugin_event("b-3", event_type="product.deleted", id=503),
    ]
    response = post(plugin_client, PLUGIN_WEBHOOK, {"events": events})
    assert response.status_code == 200
    assert response.json() == {
        "accepted": 2,
        "duplicate": 1,
        "refused": 1,
        "results": [
            {"event_id": "b-1", "status": "accepted"},
            {
                "event_id": "b-2",
                "status": "refused",
                "errors": {
                    "product": {"name": ["This field is required for created and updated."]}
                },
            },
            {"event_id": "seen-before", "status": "duplicate"},
            {"event_id": "b-3", "status": "accepted"},
        ],
    }
    stored = WooCommerceEventLog.objects.order_by("pk").values_list("event_id", "woo_product_id")
    assert list(stored) == [("seen-before", 414), ("b-1", 501), ("b-3", 503)]
    event = process_event(WooCommerceEventLog.objects.get(event_id="b-1").pk)
    assert event.outcome == "created"
    assert Product.objects.get(sku="B-1").name == "First"


def test_a_repeated_event_id_inside_one_batch_is_stored_once(
    tenant: Tenant, plugin_client: APIClient
) -> None:
    body = {"events": [plugin_event("same"), plugin_event("same", name="Other")]}
    results = post(plugin_client, PLUGIN_WEBHOOK, body).json()["results"]
    assert [r["status"] for r in results] == ["accepted", "duplicate"]
    assert WooCommerceEventLog.objects.get().payload["product"]["name"] == "Trail shoe"


def test_an_invalid_event_is_refused_and_the_others_stored(
    tenant: Tenant, plugin_client: APIClient
) -> None:
    body = {"events": [plugin_event("ok"), {"event_id": 7}]}
    response = post(plugin_client, PLUGIN_WEBHOOK, body)
    assert response.status_code == 200
    results = response.json()["results"]
    assert results[0] == {"event_id": "ok", "status": "accepted"}
    assert results[1]["event_id"] == ""  # not a string: not echoed
    assert results[1]["status"] == "refused"
    assert set(results[1]["errors"]) == {"event_id", "event_type", "product"}
    assert WooCommerceEventLog.objects.count() == 1


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"events": []}, "events"),
        ({"events": "nope"}, "events"),
        ({"events": [1]}, "events"),
        ({"events": [plugin_event(f"e{i}") for i in range(101)]}, "events"),
    ],
)
def test_a_malformed_batch_gets_400_and_writes_nothing(
    tenant: Tenant, plugin_client: APIClient, body: dict[str, Any], field: str
) -> None:
    response = post(plugin_client, PLUGIN_WEBHOOK, body)
    assert response.status_code == 400
    assert field in response.json()
    assert WooCommerceEventLog.objects.count() == 0


def test_a_single_event_keeps_todays_answers(tenant: Tenant, plugin_client: APIClient) -> None:
    assert post(plugin_client, PLUGIN_WEBHOOK, plugin_event()).status_code == 202
    assert post(plugin_client, PLUGIN_WEBHOOK, plugin_event()).json() == {
        "status": "duplicate",
        "event_id": "evt-1",
    }
    refused = post(plugin_client, PLUGIN_WEBHOOK, plugin_event("e-2", price="abc"))
    assert refused.status_code == 400
    assert refused.json() == {
        "product": {"price": ["Enter a price as a number or a numeric string."]}
    }


def test_fields_the_server_does_not_know_yet_are_ignored(
    tenant: Tenant, plugin_client: APIClient
) -> None:
    """The plugin sends the sale window whatever the server's version; an older server must
    accept the event rather than refuse it."""
    body = plugin_event(
        date_on_sale_from_gmt="2026-12-01T00:00:00",
        date_on_sale_to_gmt="",
        brand_new_field={"x": 1},
    )
    assert post(plugin_client, PLUGIN_WEBHOOK, body).status_code == 202
    assert process_event(WooCommerceEventLog.objects.get().pk).outcome == "created"


def test_validate_checks_products_and_stores_nothing(
    tenant: Tenant, plugin_client: APIClient
) -> None:
    good = plugin_event()["product"]
    body = {"products": [good, {**good, "id": 415, "price": "-1"}, {"id": 416, "name": ""}]}
    response = post(plugin_client, PLUGIN_VALIDATE, body)
    assert response.status_code == 200
    assert response.json() == {
        "valid": 1,
        "invalid": 2,
        "results": [
            {"id": 414, "valid": True},
            {"id": 415, "valid": False, "errors": {"price": ["Enter a price of zero or more."]}},
            {
                "id": 416,
                "valid": False,
                "errors": {"name": ["This field is required for created and updated."]},
            },
        ],
    }
    assert WooCommerceEventLog.objects.count() == 0
    assert Product.objects.count() == 0


@pytest.mark.parametrize(
    "body", [{"products": []}, {"products": [{}] * 21}, {"products": "x"}, ["x"], {}]
)
def test_validate_refuses_a_malformed_body(
    tenant: Tenant, plugin_client: APIClient, body: Any
) -> None:
    response = post(plugin_client, PLUGIN_VALIDATE, body)
    assert response.status_code == 400
    assert isinstance(response.json(), dict)


def test_validate_needs_a_woocommerce_token(tenant: Tenant) -> None:
    assert post(APIClient(), PLUGIN_VALIDATE, {"products": [{}]}).status_code == 401
