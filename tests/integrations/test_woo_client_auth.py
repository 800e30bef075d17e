"""How the WooCommerce client authenticates (regression of issue 11, finding 4).

WooCommerce REST API docs, "Authentication": over HTTPS, HTTP Basic with the consumer key and
secret (or both in the query string); over plain HTTP, keys are not accepted and the request
must carry a one-legged OAuth 1.0a signature (HMAC-SHA1 or HMAC-SHA256, key
`consumer_secret&`) in the query string.
"""

from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
import responses

from integrations.woocommerce import checks
from integrations.woocommerce.client import WooClient
from integrations.woocommerce.models import WooCommerceStore
from tenants.models import Tenant

pytestmark = pytest.mark.django_db


def store(url: str, **fields: Any) -> WooCommerceStore:
    tenant = Tenant.objects.create(name="Acme", slug=f"acme-{WooCommerceStore.objects.count()}")
    return WooCommerceStore.objects.create(
        tenant=tenant, store_url=url, consumer_key="ck_live", consumer_secret="cs_live", **fields
    )


@responses.activate
def test_plain_http_signs_with_oauth_and_never_sends_the_keys() -> None:
    responses.get("http://shop.test/wp-json/wc/v3/products", json=[], headers={"X-WP-Total": "0"})
    WooClient(store("http://shop.test")).fetch_products_batch(1)
    sent = responses.calls[0].request
    query = {k: v[0] for k, v in parse_qs(urlsplit(sent.url).query).items()}
    assert "Authorization" not in sent.headers
    assert "consumer_secret" not in query and "cs_live" not in sent.url
    assert query["oauth_consumer_key"] == "ck_live"
    assert query["oauth_signature_method"] == "HMAC-SHA256"
    assert {"oauth_nonce", "oauth_timestamp", "oauth_signature"} <= set(query)


@responses.activate
def test_https_uses_basic_auth_or_query_keys() -> None:
    url = "https://shop.test/wp-json/wc/v3/products"
    responses.get(url, json=[], headers={"X-WP-Total": "0"})
    WooClient(store("https://shop.test")).fetch_products_batch(1)
    assert responses.calls[0].request.headers["Authorization"].startswith("Basic ")
    assert "oauth_signature" not in responses.calls[0].request.url
    WooClient(store("https://shop.test", query_string_auth=True)).fetch_products_batch(1)
    query = parse_qs(urlsplit(responses.calls[1].request.url).query)
    assert (query["consumer_key"], query["consumer_secret"]) == (["ck_live"], ["cs_live"])


@responses.activate
def test_an_http_store_is_warned_about(caplog: pytest.LogCaptureFixture) -> None:
    responses.get("http://shop.test/wp-json/wc/v3/products", json=[], headers={"X-WP-Total": "3"})
    http_store = store("http://shop.test")
    ok, message = checks.test_woo_connection(http_store)
    assert ok is True
    assert message == (
        "Connected to http://shop.test: 3 products readable. Warning: " + http_store.HTTP_WARNING
    )
    assert "is on plain HTTP" in caplog.text
    assert "cs_live" not in caplog.text
