"""Zoho client rules with Zoho mocked by `responses`: tokens, codes, paging, errors."""

import json
from datetime import timedelta
from typing import Any
from urllib.parse import parse_qs, urlparse

import pytest
import responses
from django.utils import timezone

from integrations.http import AuthError, RetryableError
from integrations.zoho.client import ZohoApiError, ZohoClient
from integrations.zoho.models import ZohoCredential
from tenants.models import Tenant

pytestmark = pytest.mark.django_db
API = "https://zoho.test/inventory/v1"
TOKEN_URL = "https://accounts.zoho.test/oauth/v2/token"


@pytest.fixture
def credential(tenant: Tenant) -> ZohoCredential:
    return ZohoCredential.objects.create(
        tenant=tenant,
        client_id="cid",
        client_secret="csecret-123",
        refresh_token="1000.refresh-abc",
        access_token="old-token",
        expires_at=timezone.now() + timedelta(hours=1),
        organization_id="777",
        api_domain="https://zoho.test",
        accounts_url="https://accounts.zoho.test",
    )


def client(credential: ZohoCredential) -> ZohoClient:
    return ZohoClient(credential, budget=None, sleep=lambda s: None)


def token_reply(token: str = "new-token") -> dict[str, object]:
    return {
        "access_token": token,
        "expires_in": 3600,
        "api_domain": "https://zoho.test",
        "token_type": "Bearer",
    }


@responses.activate
def test_valid_token_is_reused_without_refresh(credential: ZohoCredential) -> None:
    responses.get(
        f"{API}/items", json={"code": 0, "items": [], "page_context": {"has_more_page": False}}
    )
    client(credential).fetch_products()
    assert [c.request.url.split("?")[0] for c in responses.calls] == [f"{API}/items"]
    request = responses.calls[0].request
    assert request.headers["Authorization"] == "Zoho-oauthtoken old-token"
    assert "organization_id=777" in request.url
    assert "per_page=200" in request.url


@responses.activate
def test_token_within_five_minutes_of_expiry_is_refreshed_once(credential: ZohoCredential) -> None:
    ZohoCredential.objects.filter(pk=credential.pk).update(
        expires_at=timezone.now() + timedelta(minutes=4)
    )
    credential.refresh_from_db()
    responses.post(TOKEN_URL, json=token_reply())
    responses.get(f"{API}/items", json={"code": 0, "items": [], "page_context": {}})
    zoho = client(credential)
    zoho.fetch_products()
    zoho.fetch_products()
    assert len([c for c in responses.calls if c.request.url == TOKEN_URL]) == 1
    stored = ZohoCredential.objects.get(pk=credential.pk)
    assert stored.access_token == "new-token"
    assert stored.expires_at > timezone.now() + timedelta(minutes=59)
    body = responses.calls[0].request.body
    assert "grant_type=refresh_token" in body and "client_id=cid" in body


@responses.activate
def test_rejected_token_mid_run_is_refreshed_and_the_call_repeated(
    credential: ZohoCredential,
) -> None:
    responses.get(
        f"{API}/items", status=401, json={"code": 57, "message": "You are not authorized"}
    )
    responses.get(f"{API}/items", json={"code": 0, "items": [{"item_id": "1"}], "page_context": {}})
    responses.post(TOKEN_URL, json=token_reply("fresh"))
    result = client(credential).fetch_products()
    assert result["items"] == [{"item_id": "1"}]
    assert responses.calls[2].request.headers["Authorization"] == "Zoho-oauthtoken fresh"


@responses.activate
def test_refresh_failure_marks_the_credential(credential: ZohoCredential) -> None:
    ZohoCredential.objects.filter(pk=credential.pk).update(access_token="")
    credential.refresh_from_db()
    responses.post(TOKEN_URL, json={"error": "invalid_code"})
    with pytest.raises(AuthError, match="Zoho refused the refresh token: invalid_code"):
        client(credential).fetch_products()
    stored = ZohoCredential.objects.get(pk=credential.pk)
    assert (stored.status, stored.status_message) == (
        "needs_attention",
        "Zoho refused the refresh token: invalid_code",
    )


@responses.activate
def test_non_zero_code_in_a_200_is_an_error(credential: ZohoCredential) -> None:
    responses.get(f"{API}/items/99", json={"code": 1002, "message": "Item does not exist."})
    with pytest.raises(ZohoApiError) as caught:
        client(credential).fetch_item("99")
    assert (caught.value.code, caught.value.message) == (
        1002,
        "Zoho error 1002: Item does not exist.",
    )


@responses.activate
def test_paging_follows_has_more_page(credential: ZohoCredential) -> None:
    for page, more in ((1, True), (2, True), (3, False)):
        responses.get(
            f"{API}/items",
            match=[
                responses.matchers.query_param_matcher(
                    {"organization_id": "777", "page": str(page), "per_page": "200"}
                )
            ],
            json={
                "code": 0,
                "items": [{"item_id": str(page)}],
                "page_context": {"page": page, "has_more_page": more},
            },
        )
    assert [i["item_id"] for i in client(credential).fetch_all_products()] == ["1", "2", "3"]


@responses.activate
def test_429_waits_for_retry_after_then_succeeds(credential: ZohoCredential) -> None:
    waits: list[float] = []
    responses.get(
        f"{API}/items",
        status=429,
        headers={"Retry-After": "7"},
        json={"code": 44, "message": "slow"},
    )
    responses.get(f"{API}/items", json={"code": 0, "items": [], "page_context": {}})
    ZohoClient(credential, budget=None, sleep=waits.append).fetch_products()
    assert waits == [7.0]


@responses.activate
def test_5xx_is_retried_then_reported_as_retryable_without_secrets(
    credential: ZohoCredential,
) -> None:
    responses.get(f"{API}/items", status=502, body="bad gateway")
    with pytest.raises(RetryableError) as caught:
        ZohoClient(credential, budget=None, sleep=lambda s: None, max_retries=2).fetch_products()
    assert len(responses.calls) == 3
    assert "old-token" not in caught.value.message and "csecret" not in caught.value.message


def page_reply(request: Any) -> tuple[int, dict[str, str], str]:
    """Five pages of one item each; later pages come back empty, as Zoho's do."""
    page = int(parse_qs(urlparse(request.url).query)["page"][0])
    items = [{"item_id": str(page)}] if page <= 5 else []
    body = {"code": 0, "items": items, "page_context": {"page": page, "has_more_page": page < 5}}
    return 200, {}, json.dumps(body)


@responses.activate
def test_pages_fetched_several_at_a_time_come_back_in_order(credential: ZohoCredential) -> None:
    responses.add_callback(responses.GET, f"{API}/items", callback=page_reply)
    pages = list(client(credential).iter_pages(window=3))
    assert pages == [([{"item_id": str(n)}], n < 5) for n in range(1, 6)]
    requested = sorted(int(c.request.url.split("page=")[1].split("&")[0]) for c in responses.calls)
    # Every page once; at most window - 1 requests past the last page.
    assert requested[:5] == [1, 2, 3, 4, 5]
    assert set(requested[5:]) <= {6, 7} and len(requested) == len(set(requested))


def requested_pages() -> list[int]:
    """The page numbers asked for, in the order the requests were sent."""
    return [int(parse_qs(urlparse(c.request.url).query)["page"][0]) for c in responses.calls]


@responses.activate
def test_a_catalog_of_one_page_costs_one_request_when_more_is_not_expected(
    credential: ZohoCredential,
) -> None:
    def one_page(request: Any) -> tuple[int, dict[str, str], str]:
        page = int(parse_qs(urlparse(request.url).query)["page"][0])
        items = [{"item_id": "1"}] if page == 1 else []
        body = {"code": 0, "items": items, "page_context": {"page": page, "has_more_page": False}}
        return 200, {}, json.dumps(body)

    responses.add_callback(responses.GET, f"{API}/items", callback=one_page)
    pages = list(client(credential).iter_pages(window=3, expect_more=False))
    assert pages == [([{"item_id": "1"}], False)]
    assert requested_pages() == [1]


@responses.activate
def test_the_window_opens_once_the_first_page_says_there_is_more(
    credential: ZohoCredential,
) -> None:
    responses.add_callback(responses.GET, f"{API}/items", callback=page_reply)
    pages = list(client(credential).iter_pages(window=3, expect_more=False))
    assert pages == [([{"item_id": str(n)}], n < 5) for n in range(1, 6)]
    # Page 1 alone (nothing else is sent before its answer), then 3 in flight: every page
    # once, and at most window - 1 requests past the last.
    first, *rest = requested_pages()
    assert first == 1
    assert sorted(rest)[:4] == [2, 3, 4, 5]
    assert set(sorted(rest)[4:]) <= {6, 7} and len(rest) == len(set(rest))


@responses.activate
def test_a_token_refused_mid_run_is_refreshed_once_for_all_pages(
    credential: ZohoCredential,
) -> None:
    def reply(request: Any) -> tuple[int, dict[str, str], str]:
        if request.headers["Authorization"] == "Zoho-oauthtoken old-token":
            return 401, {}, '{"code": 57, "message": "You are not authorized"}'
        return page_reply(request)

    responses.add_callback(responses.GET, f"{API}/items", callback=reply)
    responses.post(TOKEN_URL, json=token_reply())
    pages = list(client(credential).iter_pages(window=3))
    assert pages == [([{"item_id": str(n)}], n < 5) for n in range(1, 6)]
    assert len([c for c in responses.calls if c.request.url == TOKEN_URL]) == 1
    credential.refresh_from_db()
    assert credential.access_token == "new-token"


def test_request_budget_follows_the_setting(credential: ZohoCredential, settings: Any) -> None:
    budget = ZohoClient(credential).budget
    assert budget is not None
    assert (budget.key, budget.limit) == ("zoho:777", 100)
    settings.ZOHO_REQUESTS_PER_MINUTE = 0
    assert ZohoClient(credential).budget is None
