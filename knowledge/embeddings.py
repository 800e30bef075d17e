"""Client for any OpenAI-compatible `POST /v1/embeddings` (OpenAI or a self-hosted server).

HTTP behaviour (timeouts, retries on 429/5xx with backoff, typed errors, redaction of the
key) comes from the shared `integrations.http.HttpClient`; this module only adds the
request shape, batching and validation of the answer.
"""

from collections.abc import Callable, Sequence
from typing import Any

from django.conf import settings

from integrations.http import HttpClient, TerminalError

Vector = list[float]


def indexing_enabled() -> bool:
    """Indexing is on only when an API key is configured; without one nothing is called."""
    return bool(settings.EMBEDDINGS_API_KEY)


class MalformedResponse(TerminalError):
    """The server answered 2xx with something that is not an embeddings list for our inputs."""


class EmbeddingsClient(HttpClient):
    """Embeds texts in batches of `batch_size`, one HTTP call per batch, order preserved."""

    def __init__(
        self,
        *,
        base_url: str,
        api_key: str,
        model: str,
        batch_size: int = 100,
        sleep: Callable[[float], None] | None = None,
        **kwargs: Any,
    ) -> None:
        if sleep is not None:
            kwargs["sleep"] = sleep
        super().__init__(base_url=base_url, secrets=[api_key], **kwargs)
        self.model = model
        self.batch_size = max(1, batch_size)
        self.session.headers["Authorization"] = f"Bearer {api_key}"

    def embed(self, texts: Sequence[str]) -> list[Vector]:
        """One vector per text, in the same order; an empty input makes no call."""
        vectors: list[Vector] = []
        for start in range(0, len(texts), self.batch_size):
            vectors.extend(self._embed_batch(list(texts[start : start + self.batch_size])))
        return vectors

    def _embed_batch(self, texts: list[str]) -> list[Vector]:
        response = self.request(
            "POST", "/v1/embeddings", json={"model": self.model, "input": texts}
        )
        try:
            body = response.json()
            rows = body["data"]
            by_index = {int(row["index"]): row["embedding"] for row in rows}
            vectors = [[float(x) for x in by_index[i]] for i in range(len(texts))]
        except (ValueError, KeyError, TypeError) as exc:
            raise MalformedResponse(
                f"Malformed embeddings response ({type(exc).__name__})", status=response.status_code
            ) from None
        if any(not v for v in vectors):
            raise MalformedResponse("Empty embedding in response", status=response.status_code)
        return vectors


def client_from_settings(**overrides: Any) -> EmbeddingsClient:
    """The configured client; callers check `indexing_enabled()` first."""
    options: dict[str, Any] = {
        "base_url": settings.EMBEDDINGS_API_URL,
        "api_key": settings.EMBEDDINGS_API_KEY,
        "model": settings.EMBEDDINGS_MODEL,
        "batch_size": settings.EMBEDDINGS_BATCH_SIZE,
    }
    options.update(overrides)
    return EmbeddingsClient(**options)
