"""The embeddings client: batching, order, retries on 429/5xx, typed errors, no key leaks."""

import json

import pytest
import responses

from integrations.http import AuthError, RetryableError
from knowledge.embeddings import EmbeddingsClient, MalformedResponse
from simulators.embeddings import embed_text
from tests.knowledge.conftest import API_KEY, API_URL, ENDPOINT, embeddings_callback, sent_inputs


def make_client(batch_size: int = 100, sleeps: list[float] | None = None) -> EmbeddingsClient:
    record = sleeps if sleeps is not None else []
    return EmbeddingsClient(
        base_url=API_URL,
        api_key=API_KEY,
        model="m-1",
        batch_size=batch_size,
        backoff_base=0.5,
        sleep=record.append,
    )


@responses.activate
def test_batches_of_batch_size_in_order() -> None:
    responses.add_callback(responses.POST, ENDPOINT, callback=embeddings_callback)
    texts = [f"text {i}" for i in range(250)]
    vectors = make_client(batch_size=100).embed(texts)
    assert [len(batch) for batch in sent_inputs(responses.mock)] == [100, 100, 50]
    assert vectors == [embed_text(t, 64) for t in texts]
    request = responses.calls[0].request
    assert request.headers["Authorization"] == f"Bearer {API_KEY}"
    assert json.loads(request.body)["model"] == "m-1"


@responses.activate
def test_answers_are_put_back_in_input_order_by_index() -> None:
    responses.add(
        responses.POST,
        ENDPOINT,
        json={"data": [{"index": 1, "embedding": [0.0, 1.0]}, {"index": 0, "embedding": [1, 0]}]},
    )
    assert make_client().embed(["a", "b"]) == [[1.0, 0.0], [0.0, 1.0]]


@responses.activate
def test_no_input_makes_no_call() -> None:
    assert make_client().embed([]) == []
    assert len(responses.calls) == 0


@responses.activate
def test_5xx_is_retried_with_backoff() -> None:
    responses.add(responses.POST, ENDPOINT, status=503, json={"error": {"message": "busy"}})
    responses.add_callback(responses.POST, ENDPOINT, callback=embeddings_callback)
    sleeps: list[float] = []
    assert make_client(sleeps=sleeps).embed(["tent"]) == [embed_text("tent", 64)]
    assert len(responses.calls) == 2
    assert len(sleeps) == 1
    assert 0 <= sleeps[0] <= 0.5


@responses.activate
def test_429_waits_retry_after() -> None:
    responses.add(responses.POST, ENDPOINT, status=429, headers={"Retry-After": "7"}, json={})
    responses.add_callback(responses.POST, ENDPOINT, callback=embeddings_callback)
    sleeps: list[float] = []
    make_client(sleeps=sleeps).embed(["tent"])
    assert sleeps == [7.0]
    assert len(responses.calls) == 2


@responses.activate
def test_persistent_5xx_is_a_retryable_error_after_five_calls() -> None:
    responses.add(responses.POST, ENDPOINT, status=500, json={})
    with pytest.raises(RetryableError) as caught:
        make_client().embed(["tent"])
    assert caught.value.status == 500
    assert len(responses.calls) == 5


@responses.activate
def test_refused_key_is_an_auth_error_that_does_not_show_the_key() -> None:
    responses.add(
        responses.POST,
        ENDPOINT,
        status=401,
        json={"error": {"message": f"Incorrect API key provided: {API_KEY}"}},
    )
    with pytest.raises(AuthError) as caught:
        make_client().embed(["tent"])
    assert API_KEY not in str(caught.value)
    assert "[redacted]" in str(caught.value)
    assert len(responses.calls) == 1


@pytest.mark.parametrize(
    "body",
    [
        {"data": [{"index": 0, "embedding": [1.0]}]},
        {"data": [{"index": 0}, {"index": 1, "embedding": [1.0]}]},
        {"data": [{"index": 0, "embedding": []}, {"index": 1, "embedding": [1.0]}]},
        {"nothing": True},
    ],
)
@responses.activate
def test_malformed_answers_are_terminal(body: object) -> None:
    responses.add(responses.POST, ENDPOINT, json=body)
    with pytest.raises(MalformedResponse):
        make_client().embed(["a", "b"])
