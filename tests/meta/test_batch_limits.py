"""Calls Meta accepts: at most 5,000 requests and an encoded body under 28 MB each."""

from meta_integration.client import encode_json
from meta_integration.push import chunk_requests


def delete(n: int) -> dict[str, object]:
    return {"method": "DELETE", "data": {"id": f"SKU-{n}"}}


def test_a_larger_setting_is_capped_at_metas_5000() -> None:
    chunks = chunk_requests([delete(n) for n in range(5001)], 20_000)
    assert [len(c) for c in chunks] == [5000, 1]
    assert chunks[1] == [delete(5000)]


def test_requests_keep_their_order_across_calls() -> None:
    requests_ = [delete(n) for n in range(7)]
    chunks = chunk_requests(requests_, 3)
    assert chunks == [requests_[0:3], requests_[3:6], requests_[6:7]]


def test_a_call_closes_before_its_encoded_body_reaches_the_limit() -> None:
    """Non-ASCII descriptions: the UTF-8 bytes of the JSON body are what counts."""
    text = "Große Jacke, wasserdicht & leicht! " * 100
    requests_ = [
        {"method": "UPDATE", "data": {"id": f"J-{n}", "description": text}} for n in range(10)
    ]
    one = len(encode_json([requests_[0]]))
    limit = 1024 + 3 * one + 10  # room for three such requests and the body's other fields
    chunks = chunk_requests(requests_, 5000, max_bytes=limit)
    assert [len(c) for c in chunks] == [3, 3, 3, 1]
    for chunk in chunks:
        assert len(encode_json(chunk)) < limit - 1024


def test_nothing_to_send() -> None:
    assert chunk_requests([], 5000) == []
