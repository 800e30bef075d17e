"""Meta Graph API client for catalog batches: HTTP only, typed results and errors."""

import json
import math
from dataclasses import dataclass, field
from typing import Any

import requests

THROTTLE_CODES = frozenset({4, 17, 32, 613, 80014, 80009})
INVALID_TOKEN_CODE = 190
DEFAULT_THROTTLE_SECONDS = 60
TIMEOUT = (5.0, 60.0)  # connect, read
# items_batch accepts at most 5,000 requests and a payload under 28 MB per call.
MAX_BATCH_REQUESTS = 5000
MAX_BATCH_BYTES = 28_000_000


class MetaError(Exception):
    """Base of every Graph failure; `message` never contains the token."""

    def __init__(self, message: str, *, code: int | None = None, status: int | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.code = code
        self.status = status


class MetaThrottled(MetaError):
    """Rate limited: stop calling this catalog until `retry_after` seconds have passed."""

    def __init__(self, message: str, *, retry_after: int, **kwargs: Any) -> None:
        super().__init__(message, **kwargs)
        self.retry_after = retry_after


class MetaTokenInvalid(MetaError):
    """Code 190: terminal until an admin saves a new token."""


class MetaBadRequest(MetaError):
    """Another 4xx: our request is wrong; retrying unchanged will not help."""


class MetaTransient(MetaError):
    """5xx, a network fault or a time-out: worth retrying later."""


@dataclass(frozen=True)
class ItemError:
    retailer_id: str
    message: str


@dataclass(frozen=True)
class BatchSubmission:
    handles: list[str]
    errors: list[ItemError] = field(default_factory=list)


@dataclass(frozen=True)
class BatchStatus:
    status: str
    errors: list[ItemError]
    invalid_ids: list[str]

    @property
    def done(self) -> bool:
        return self.status in {"finished", "canceled", "error"}


def encode_json(value: Any) -> bytes:
    """Compact UTF-8 JSON: what `items_batch` sends, and what a batch's size is counted in."""
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False).encode()


def _retry_after_seconds(response: requests.Response) -> int:
    """Seconds to wait, from Retry-After or the business-use-case usage header (minutes)."""
    if response.headers.get("Retry-After", "").isdigit():
        return max(1, int(response.headers["Retry-After"]))
    usage = response.headers.get("X-Business-Use-Case-Usage")
    if usage:
        try:
            entries = [e for group in json.loads(usage).values() for e in group]
            minutes = max(float(e.get("estimated_time_to_regain_access", 0)) for e in entries)
            if minutes > 0:
                return math.ceil(minutes * 60)
        except (ValueError, TypeError, AttributeError):
            pass
    return DEFAULT_THROTTLE_SECONDS


def _raise_for_error(response: requests.Response) -> None:
    if response.status_code < 400:
        return
    try:
        error = response.json().get("error", {})
    except ValueError:
        error = {}
    code = error.get("code")
    message = str(error.get("message") or response.reason or "Graph API error")
    text = (
        f"Meta API error {code}: {message}"
        if code is not None
        else f"Meta HTTP {response.status_code}: {message}"
    )
    kwargs = {"code": code, "status": response.status_code}
    if code in THROTTLE_CODES or response.status_code == 429:
        raise MetaThrottled(text, retry_after=_retry_after_seconds(response), **kwargs)
    if code == INVALID_TOKEN_CODE:
        raise MetaTokenInvalid(text, **kwargs)
    if response.status_code >= 500:
        raise MetaTransient(text, **kwargs)
    raise MetaBadRequest(text, **kwargs)


def _item_errors(entries: list[dict[str, Any]], id_key: str) -> list[ItemError]:
    errors = []
    for entry in entries or []:
        retailer_id = str(entry.get(id_key) or "")
        messages = [e.get("message", "") for e in entry.get("errors", [])] or [
            entry.get("message", "")
        ]
        if retailer_id and any(messages):
            errors.append(
                ItemError(retailer_id=retailer_id, message="; ".join(m for m in messages if m))
            )
    return errors


class MetaGraphClient:
    """Calls `items_batch` and `check_batch_request_status` for one catalog."""

    def __init__(
        self,
        *,
        base_url: str,
        api_version: str,
        access_token: str,
        session: requests.Session | None = None,
        timeout: tuple[float, float] = TIMEOUT,
    ) -> None:
        self.root = f"{base_url.rstrip('/')}/{api_version}"
        self._token = access_token
        self.session = session or requests.Session()
        self.timeout = timeout

    def _call(
        self, method: str, path: str, headers: dict[str, str] | None = None, **kwargs: Any
    ) -> dict[str, Any]:
        headers = {**(headers or {}), "Authorization": f"Bearer {self._token}"}
        try:
            response = self.session.request(
                method, f"{self.root}/{path}", headers=headers, timeout=self.timeout, **kwargs
            )
        except requests.Timeout as exc:
            raise MetaTransient("Meta API timed out") from exc
        except requests.RequestException as exc:
            raise MetaTransient(f"Meta API unreachable: {type(exc).__name__}") from exc
        _raise_for_error(response)
        try:
            return response.json()
        except ValueError as exc:
            raise MetaTransient("Meta API returned a non-JSON body") from exc

    def get_catalog(self, catalog_id: str) -> dict[str, Any]:
        """Read the catalog's id and name: a cheap check of token and catalog id."""
        return self._call("GET", catalog_id, params={"fields": "id,name"})

    def items_batch(self, catalog_id: str, requests_: list[dict[str, Any]]) -> BatchSubmission:
        """One call, its parameters as a JSON body (Graph reads JSON bodies as it reads forms):
        a form would URL-encode the 2-3 MB of a 5,000-item batch byte by byte in Python, and
        Meta would decode it again."""
        document = {"item_type": "PRODUCT_ITEM", "allow_upsert": True, "requests": requests_}
        body = self._call(
            "POST",
            f"{catalog_id}/items_batch",
            data=encode_json(document),
            headers={"Content-Type": "application/json"},
        )
        return BatchSubmission(
            handles=[str(h) for h in body.get("handles", [])],
            errors=_item_errors(body.get("validation_status", []), "retailer_id"),
        )

    def batch_status(self, catalog_id: str, handle: str) -> BatchStatus:
        body = self._call(
            "GET",
            f"{catalog_id}/check_batch_request_status",
            params={"handle": handle, "load_ids_of_invalid_requests": "true"},
        )
        data = (body.get("data") or [{}])[0]
        return BatchStatus(
            status=str(data.get("status", "")),
            errors=_item_errors(data.get("errors", []), "id"),
            invalid_ids=[str(i) for i in data.get("ids_of_invalid_requests", [])],
        )
