"""Fixtures for the knowledge index: indexing switched on, and a mocked embeddings API."""

import json
from collections.abc import Callable, Iterator
from typing import Any

import pytest
import responses
from requests import PreparedRequest

from products_and_services.models import Product
from simulators.embeddings import embed_text
from tenants.models import Tenant

API_URL = "https://embeddings.test"
ENDPOINT = f"{API_URL}/v1/embeddings"
API_KEY = "sk-test-secret-0123456789"
MODEL = "test-embedding-model"
DIMENSIONS = 64


@pytest.fixture
def indexing_on(settings: Any) -> Any:
    """Indexing configured against the mocked endpoint; retries do not sleep."""
    settings.EMBEDDINGS_API_URL = API_URL
    settings.EMBEDDINGS_API_KEY = API_KEY
    settings.EMBEDDINGS_MODEL = MODEL
    settings.EMBEDDINGS_BATCH_SIZE = 100
    settings.PULL_HTTP_BACKOFF_SECONDS = 0
    return settings


def embeddings_callback(request: PreparedRequest) -> tuple[int, dict[str, str], str]:
    """Answer like the API, with the simulator's deterministic vectors."""
    body = json.loads(request.body or b"{}")
    data = [
        {"object": "embedding", "index": i, "embedding": embed_text(text, DIMENSIONS)}
        for i, text in enumerate(body["input"])
    ]
    return 200, {}, json.dumps({"object": "list", "data": data, "model": body["model"]})


@pytest.fixture
def embeddings_api(indexing_on: Any) -> Iterator[responses.RequestsMock]:
    """The mocked endpoint; tests count `len(mock.calls)` (any other URL fails the call)."""
    with responses.RequestsMock(assert_all_requests_are_fired=False) as mock:
        mock.add_callback(responses.POST, ENDPOINT, callback=embeddings_callback)
        yield mock


def sent_inputs(mock: responses.RequestsMock) -> list[list[str]]:
    """The `input` list of every call made, in order."""
    return [json.loads(call.request.body)["input"] for call in mock.calls]


def created_with_indexing_off(
    make: Callable[..., Product], tenant: Tenant, settings: Any
) -> Product:
    """A product whose creation registered no hook (a pending one would absorb later ids)."""
    key, settings.EMBEDDINGS_API_KEY = settings.EMBEDDINGS_API_KEY, ""
    product = make(tenant)
    settings.EMBEDDINGS_API_KEY = key
    return product
