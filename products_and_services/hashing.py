"""The content hash: what decides whether a product's text changed (and needs re-indexing)."""

import hashlib
import json
import unicodedata
from collections.abc import Iterable


def _norm(text: str | None) -> str:
    return " ".join(unicodedata.normalize("NFC", text or "").split())


def compute_content_hash(
    *,
    name: str,
    short_description: str,
    description: str,
    categories: Iterable[str],
    tags: Iterable[str],
) -> str:
    """sha256 over the content fields, normalised (whitespace, Unicode form, list order)."""
    payload = [
        _norm(name),
        _norm(short_description),
        _norm(description),
        sorted({_norm(c) for c in categories if _norm(c)}),
        sorted({_norm(t) for t in tags if _norm(t)}),
    ]
    return hashlib.sha256(json.dumps(payload, ensure_ascii=False).encode()).hexdigest()
