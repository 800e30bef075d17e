"""HMAC checks for native webhooks: base64(HMAC-SHA256(secret, raw body)), constant time."""

import base64
import hashlib
import hmac


def body_signature(secret: str, body: bytes) -> str:
    return base64.b64encode(hmac.new(secret.encode(), body, hashlib.sha256).digest()).decode()


def signature_matches(secret: str, body: bytes, signature: str) -> bool:
    """False for a missing secret or signature; otherwise a constant-time comparison."""
    expected = body_signature(secret or "no secret configured", body)
    given = signature.strip().encode("utf-8", "replace")
    return hmac.compare_digest(expected.encode(), given) and bool(secret) and bool(signature)
