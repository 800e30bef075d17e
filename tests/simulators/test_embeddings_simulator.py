"""The embeddings simulator answers like OpenAI's /v1/embeddings, deterministically."""

import math
from collections.abc import Iterator
from typing import Any

import pytest
import requests

from simulators.base import SimulatorServer
from simulators.embeddings import EmbeddingsSimulator, embed_text

AUTH = {"Authorization": "Bearer sim-key"}


@pytest.fixture
def sim() -> Iterator[tuple[EmbeddingsSimulator, str]]:
    app = EmbeddingsSimulator()
    with SimulatorServer(app) as server:
        yield app, server.url


def post(url: str, body: Any, headers: dict[str, str] | None = None) -> requests.Response:
    return requests.post(f"{url}/v1/embeddings", json=body, headers=headers or AUTH, timeout=5)


def dot(a: list[float], b: list[float]) -> float:
    return sum(x * y for x, y in zip(a, b, strict=True))


def test_embeds_in_order_with_usage(sim: tuple[EmbeddingsSimulator, str]) -> None:
    _, url = sim
    response = post(url, {"model": "text-embedding-3-small", "input": ["red tent", "blue mug"]})
    assert response.status_code == 200
    body = response.json()
    assert [row["index"] for row in body["data"]] == [0, 1]
    assert body["data"][0]["embedding"] == embed_text("red tent", 64)
    assert body["data"][1]["embedding"] == embed_text("blue mug", 64)
    assert (body["model"], body["usage"]) == (
        "text-embedding-3-small",
        {"prompt_tokens": 4, "total_tokens": 4},
    )
    assert len(body["data"][0]["embedding"]) == 64


def test_vectors_are_unit_length_and_similar_texts_score_higher() -> None:
    tent = embed_text("Waterproof trail tent for two", 64)
    similar = embed_text("a waterproof tent", 64)
    unrelated = embed_text("ceramic coffee mug", 64)
    assert math.isclose(dot(tent, tent), 1.0, abs_tol=1e-6)
    assert dot(tent, similar) > dot(tent, unrelated)
    assert embed_text("Tent", 64) == embed_text("tent", 64)


def test_a_single_string_and_dimensions_are_accepted(sim: tuple[EmbeddingsSimulator, str]) -> None:
    _, url = sim
    body = post(url, {"model": "m", "input": "tent", "dimensions": 8}).json()
    assert len(body["data"]) == 1
    assert len(body["data"][0]["embedding"]) == 8


@pytest.mark.parametrize(
    ("headers", "status"),
    [({}, 401), ({"Authorization": "Bearer wrong"}, 401), ({"Authorization": "sim-key"}, 401)],
)
def test_wrong_key_is_401_in_openai_shape(
    sim: tuple[EmbeddingsSimulator, str], headers: dict[str, str], status: int
) -> None:
    app, url = sim
    response = requests.post(
        f"{url}/v1/embeddings", json={"model": "m", "input": ["x"]}, headers=headers, timeout=5
    )
    assert response.status_code == status
    assert response.json()["error"]["code"] == "invalid_api_key"
    assert app.stats()["embedding_requests"] == 0


@pytest.mark.parametrize(
    "body",
    [
        [],
        {"input": ["x"]},
        {"model": "m"},
        {"model": "m", "input": []},
        {"model": "m", "input": [1, 2]},
        {"model": "m", "input": ["ok", "  "]},
        {"model": "m", "input": ["ok"], "dimensions": 0},
    ],
)
def test_bad_requests_are_400(sim: tuple[EmbeddingsSimulator, str], body: Any) -> None:
    _, url = sim
    response = post(url, body)
    assert response.status_code == 400
    assert response.json()["error"]["type"] == "invalid_request_error"


def test_too_many_inputs_is_400(sim: tuple[EmbeddingsSimulator, str]) -> None:
    app, url = sim
    app.configure(max_inputs=3)
    assert post(url, {"model": "m", "input": ["a", "b", "c"]}).status_code == 200
    response = post(url, {"model": "m", "input": ["a", "b", "c", "d"]})
    assert response.status_code == 400
    assert "at most 3" in response.json()["error"]["message"]


def test_injected_faults_then_recovery_and_stats(sim: tuple[EmbeddingsSimulator, str]) -> None:
    app, url = sim
    requests.post(f"{url}/_sim/config", json={"fail_next": 1, "fail_status": 429}, timeout=5)
    throttled = post(url, {"model": "m", "input": ["a"]})
    assert throttled.status_code == 429
    assert throttled.headers["Retry-After"] == "1"
    assert throttled.json()["error"]["code"] == "rate_limit_exceeded"
    app.configure(fail_next=1, fail_status=503)
    assert post(url, {"model": "m", "input": ["a"]}).status_code == 503
    assert post(url, {"model": "m", "input": ["a", "b"]}).status_code == 200
    stats = requests.get(f"{url}/_sim/stats", timeout=5).json()
    assert (stats["requests_served"], stats["embedding_requests"], stats["inputs_embedded"]) == (
        3,
        1,
        2,
    )
    calls = requests.get(f"{url}/_sim/calls", timeout=5).json()["calls"]
    assert [(c["kind"], c["status"]) for c in calls] == [
        ("fault", 429),
        ("fault", 503),
        ("embeddings", 200),
    ]
    assert calls[2]["inputs"] == 2
