"""An OpenAI-compatible `POST /v1/embeddings` stand-in with deterministic vectors.

Each text becomes a hashed bag of words: every lower-cased word, crudely stemmed (so "tents"
and "tent" agree), adds ±1 to one of `dimensions` slots (chosen by its SHA-256), and the vector
is L2-normalised. More slots mean fewer unrelated words colliding (the demo asks for 512).
Texts that share words therefore have a higher cosine similarity, and the same text always gets the
same vector, so tests can assert rankings. Like the real API it wants a Bearer key
(401 with an OpenAI-style error body otherwise), accepts a string or a list of at most
`max_inputs` non-empty strings (OpenAI allows 2,048), honours an optional `dimensions`,
and reports usage. Knobs add latency, injected 5xx/429 faults (429 carries Retry-After)
and call counting through the shared /_sim/ endpoints.
"""

from __future__ import annotations

import hashlib
import math
import re
from typing import Any

from simulators.base import Request, Response, Simulator, json_response

WORD = re.compile(r"\w+", re.UNICODE)


def openai_error(
    message: str, status: int, *, kind: str = "invalid_request_error", code: str | None = None
) -> Response:
    """OpenAI's error shape: {"error": {"message", "type", "param", "code"}}."""
    return json_response(
        {"error": {"message": message, "type": kind, "param": None, "code": code}}, status
    )


def word_stem(word: str) -> str:
    """A crude English stem, so related word forms share a slot: tents/tent, sleeping/sleep."""
    for suffix, keep in (("ing", 4), ("es", 4), ("s", 3)):
        if word.endswith(suffix) and len(word) - len(suffix) >= keep and not word.endswith("ss"):
            return word[: -len(suffix)]
    return word


def embed_text(text: str, dimensions: int) -> list[float]:
    """The deterministic hashed bag-of-stems vector of `text` (unit length unless wordless)."""
    vector = [0.0] * dimensions
    for word in WORD.findall(text.lower()):
        digest = hashlib.sha256(word_stem(word).encode()).digest()
        slot = int.from_bytes(digest[:8], "big") % dimensions
        vector[slot] += 1.0 if digest[8] & 1 else -1.0
    norm = math.sqrt(sum(x * x for x in vector))
    return [round(x / norm, 8) for x in vector] if norm else vector


class EmbeddingsSimulator(Simulator):
    """`/v1/embeddings` plus the base control endpoints."""

    name = "embeddings"
    default_knobs = {
        "api_key": "sim-key",
        "dimensions": 64,
        "max_inputs": 2048,
        "retry_after_seconds": 1,  # Retry-After on injected 429s
    }

    def setup_routes(self) -> None:
        self.route("POST", r"/v1/embeddings", self._embeddings, kind="embeddings")

    def stats(self) -> dict[str, Any]:
        """Counters tests assert on are present even while still zero."""
        return {"embedding_requests": 0, "inputs_embedded": 0, **super().stats()}

    def fault_response(self, request: Request) -> Response:
        status = self.fail_status()
        if status == 429:
            response = openai_error(
                "Rate limit reached for requests", 429, kind="requests", code="rate_limit_exceeded"
            )
            response.headers["Retry-After"] = str(self.knobs["retry_after_seconds"])
            return response
        return openai_error(
            "The server had an error while processing your request.", status, kind="server_error"
        )

    def error_response(self, status: int, message: str) -> Response:
        return openai_error(message, status)

    def _authorised(self, request: Request) -> bool:
        auth = request.header("authorization")
        return auth.lower().startswith("bearer ") and auth[7:].strip() == self.knobs["api_key"]

    def _embeddings(self, request: Request) -> Response:
        if not self._authorised(request):
            return openai_error("Incorrect API key provided.", 401, code="invalid_api_key")
        body = request.json()
        if not isinstance(body, dict):
            return openai_error("The body must be a JSON object.", 400)
        model = body.get("model")
        if not isinstance(model, str) or not model:
            return openai_error("you must provide a model parameter", 400)
        texts = body.get("input")
        if isinstance(texts, str):
            texts = [texts]
        if not isinstance(texts, list) or not texts or not all(isinstance(t, str) for t in texts):
            return openai_error("'input' must be a string or a non-empty list of strings.", 400)
        if len(texts) > int(self.knobs["max_inputs"]):
            return openai_error(
                f"'input' has {len(texts)} items; at most {self.knobs['max_inputs']} are allowed.",
                400,
            )
        if any(not t.strip() for t in texts):
            return openai_error("'input' cannot contain empty strings.", 400)
        dimensions = body.get("dimensions", self.knobs["dimensions"])
        if not isinstance(dimensions, int) or isinstance(dimensions, bool) or dimensions < 1:
            return openai_error("'dimensions' must be a positive integer.", 400)
        tokens = sum(len(WORD.findall(t)) for t in texts)
        self.count("embedding_requests")
        self.count("inputs_embedded", len(texts))
        request.notes["inputs"] = len(texts)
        return json_response(
            {
                "object": "list",
                "data": [
                    {"object": "embedding", "index": i, "embedding": embed_text(t, dimensions)}
                    for i, t in enumerate(texts)
                ],
                "model": model,
                "usage": {"prompt_tokens": tokens, "total_tokens": tokens},
            }
        )
