"""The plugin webhook refuses what its schema calls invalid and stores what it calls valid."""

import pytest
from rest_framework.test import APIClient

from integrations.webhooks.models import WooCommerceEventLog
from tests.webhooks.conftest import PLUGIN_WEBHOOK, plugin_event

pytestmark = pytest.mark.django_db


def test_a_plugin_event_whose_product_name_is_a_number_is_refused(
    plugin_client: APIClient,
) -> None:
    response = plugin_client.post(PLUGIN_WEBHOOK, plugin_event(name=0), format="json")
    assert (response.status_code, response.json()) == (
        400,
        {"product": {"name": ["Not a valid string."]}},
    )
    assert WooCommerceEventLog.objects.count() == 0


def test_a_nul_character_in_an_ignored_field_is_dropped_not_a_500(
    plugin_client: APIClient,
) -> None:
    body = {**plugin_event(), "note\x00": "a\x00b"}
    response = plugin_client.post(PLUGIN_WEBHOOK, body, format="json")
    assert response.status_code == 202
    assert WooCommerceEventLog.objects.get().payload["note"] == "ab"


def test_a_plugin_event_with_no_body_is_refused(plugin_client: APIClient) -> None:
    response = plugin_client.post(PLUGIN_WEBHOOK)
    assert response.status_code == 400


@pytest.mark.parametrize(
    ("price", "status"),
    [(" 12.50 ", 202), (" ", 202), (12.5, 202), ("1e2", 400), ("twelve", 400), ("-1", 400)],
)
def test_a_plugin_price_is_a_plain_decimal_string_or_a_number(
    plugin_client: APIClient, price: object, status: int
) -> None:
    response = plugin_client.post(PLUGIN_WEBHOOK, plugin_event(price=price), format="json")
    assert response.status_code == status
    assert WooCommerceEventLog.objects.count() == (status == 202)
