"""The Graph client's error classification and parsing, with Meta mocked by `responses`."""

import json

import pytest
import requests
import responses

from meta_integration.client import (
    MetaBadRequest,
    MetaGraphClient,
    MetaThrottled,
    MetaTokenInvalid,
    MetaTransient,
)

BASE = "https://graph.test"
BATCH_URL = f"{BASE}/v21.0/123/items_batch"
STATUS_URL = f"{BASE}/v21.0/123/check_batch_request_status"


def client() -> MetaGraphClient:
    return MetaGraphClient(base_url=BASE, api_version="v21.0", access_token="secret-token")


def graph_error(code: int, message: str = "boom") -> dict[str, object]:
    return {
        "error": {"message": message, "type": "OAuthException", "code": code, "fbtrace_id": "x"}
    }


@responses.activate
def test_items_batch_sends_a_json_body_and_returns_handles() -> None:
    responses.post(BATCH_URL, json={"handles": ["h1"], "validation_status": []})
    result = client().items_batch("123", [{"method": "UPDATE", "data": {"id": "A", "title": "Ä"}}])
    assert result.handles == ["h1"]
    assert result.errors == []
    sent = responses.calls[0].request
    assert sent.headers["Authorization"] == "Bearer secret-token"
    assert sent.headers["Content-Type"] == "application/json"
    assert json.loads(sent.body) == {
        "item_type": "PRODUCT_ITEM",
        "allow_upsert": True,
        "requests": [{"method": "UPDATE", "data": {"id": "A", "title": "Ä"}}],
    }
    assert "Ä".encode() in sent.body  # UTF-8, not a \\u escape per character


@responses.activate
def test_batch_status_parses_item_errors() -> None:
    responses.get(
        STATUS_URL,
        json={
            "data": [
                {
                    "status": "finished",
                    "errors_total_count": 1,
                    "errors": [{"line": 0, "id": "A", "message": "Invalid price"}],
                    "ids_of_invalid_requests": ["A"],
                }
            ]
        },
    )
    status = client().batch_status("123", "h1")
    assert status.done is True
    assert [(e.retailer_id, e.message) for e in status.errors] == [("A", "Invalid price")]
    assert status.invalid_ids == ["A"]
    assert "load_ids_of_invalid_requests=true" in responses.calls[0].request.url


@pytest.mark.parametrize("code", [4, 17, 32, 613, 80014])
@responses.activate
def test_throttle_codes_raise_throttled(code: int) -> None:
    responses.post(BATCH_URL, status=400, json=graph_error(code))
    with pytest.raises(MetaThrottled) as caught:
        client().items_batch("123", [])
    assert caught.value.code == code
    assert caught.value.retry_after == 60


@responses.activate
def test_throttle_wait_comes_from_usage_header() -> None:
    usage = json.dumps({"42": [{"type": "catalog_batch", "estimated_time_to_regain_access": 3}]})
    responses.post(
        BATCH_URL, status=400, json=graph_error(80014), headers={"X-Business-Use-Case-Usage": usage}
    )
    with pytest.raises(MetaThrottled) as caught:
        client().items_batch("123", [])
    assert caught.value.retry_after == 180


@responses.activate
def test_http_429_with_retry_after_is_throttling() -> None:
    responses.post(BATCH_URL, status=429, body="slow down", headers={"Retry-After": "7"})
    with pytest.raises(MetaThrottled) as caught:
        client().items_batch("123", [])
    assert caught.value.retry_after == 7


@responses.activate
def test_code_190_is_an_invalid_token() -> None:
    responses.post(BATCH_URL, status=400, json=graph_error(190, "Session has expired"))
    with pytest.raises(MetaTokenInvalid) as caught:
        client().items_batch("123", [])
    assert caught.value.message == "Meta API error 190: Session has expired"
    assert "secret-token" not in str(caught.value)


@responses.activate
def test_other_4xx_is_a_bad_request_and_5xx_transient() -> None:
    responses.post(BATCH_URL, status=400, json=graph_error(100, "Invalid parameter"))
    with pytest.raises(MetaBadRequest):
        client().items_batch("123", [])
    responses.replace(responses.POST, BATCH_URL, status=500, json=graph_error(2))
    with pytest.raises(MetaTransient):
        client().items_batch("123", [])


@responses.activate
def test_network_failure_and_timeout_are_transient() -> None:
    responses.post(BATCH_URL, body=requests.ConnectionError("refused"))
    with pytest.raises(MetaTransient, match="unreachable"):
        client().items_batch("123", [])
    responses.replace(responses.POST, BATCH_URL, body=requests.Timeout("slow"))
    with pytest.raises(MetaTransient, match="timed out"):
        client().items_batch("123", [])
