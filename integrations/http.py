"""The HTTP base every provider client stands on.

Timeouts on every call; 429 honoured with Retry-After; 5xx and network faults
retried with exponential backoff and full jitter, a bounded number of times; a
request budget per connection shared by all workers; typed errors that say
whether trying again later can help; secrets redacted from every message.
"""

import logging
import random
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

import requests
from django.conf import settings
from django.core.cache import cache

logger = logging.getLogger(__name__)

DEFAULT_TIMEOUT = (5.0, 30.0)


class ApiError(Exception):
    """A provider call failed. `retryable` says whether a later attempt may succeed."""

    retryable = False

    def __init__(self, message: str, *, status: int | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.status = status


class TerminalError(ApiError):
    """Our request or configuration is wrong (4xx): retrying unchanged will not help."""


class AuthError(TerminalError):
    """Credentials were refused; an admin must fix the connection."""


class RetryableError(ApiError):
    """Network fault, 5xx or throttling that outlasted our retries: try the run again later."""

    retryable = True


def backoff_delay(attempt: int, base: float, cap: float) -> float:
    """Exponential backoff with full jitter: uniform in [0, min(cap, base·2^attempt)]."""
    return random.uniform(0, min(cap, base * (2**attempt)))


def retry_after_seconds(response: requests.Response) -> float | None:
    value = response.headers.get("Retry-After", "").strip()
    try:
        return max(0.0, float(value)) if value else None
    except ValueError:
        return None


@dataclass
class RequestBudget:
    """At most `limit` requests per `period` seconds for one key, across processes (the cache)."""

    key: str
    limit: int
    period: float = 60.0
    sleep: Callable[[float], None] = time.sleep
    clock: Callable[[], float] = time.time

    def acquire(self) -> float:
        """Wait for a slot; returns the seconds waited."""
        waited = 0.0
        while True:
            now = self.clock()
            window = int(now // self.period)
            slot_key = f"budget:{self.key}:{window}"
            cache.add(slot_key, 0, timeout=int(self.period * 2))
            try:
                used = cache.incr(slot_key)
            except ValueError:  # expired between add and incr
                continue
            if used <= self.limit:
                return waited
            pause = (window + 1) * self.period - now + 0.01
            self.sleep(pause)
            waited += pause


class HttpClient:
    """A requests.Session wrapper with the retry rules above. Subclasses add provider logic."""

    def __init__(
        self,
        *,
        base_url: str,
        budget: RequestBudget | None = None,
        timeout: tuple[float, float] = DEFAULT_TIMEOUT,
        max_retries: int = 4,
        backoff_base: float | None = None,
        backoff_cap: float = 30.0,
        max_retry_after: float = 120.0,
        secrets: Iterable[str] = (),
        sleep: Callable[[float], None] = time.sleep,
        session: requests.Session | None = None,
        verify: bool = True,
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self.budget = budget
        self.timeout = timeout
        self.max_retries = max_retries
        self.backoff_base = (
            settings.PULL_HTTP_BACKOFF_SECONDS if backoff_base is None else backoff_base
        )
        self.backoff_cap = backoff_cap
        self.max_retry_after = max_retry_after
        self.sleep = sleep
        self.session = session or requests.Session()
        self.session.verify = verify
        self._secrets = [s for s in secrets if s]
        self.calls = 0

    def redact(self, text: str) -> str:
        for secret in self._secrets:
            text = text.replace(secret, "[redacted]")
        return text

    def add_secret(self, secret: str) -> None:
        if secret:
            self._secrets.append(secret)

    def url(self, path: str) -> str:
        return (
            path
            if path.startswith(("http://", "https://"))
            else f"{self.base_url}/{path.lstrip('/')}"
        )

    def throttle_delay(self, response: requests.Response) -> float | None:
        """Seconds to wait when the response says 'slow down'; providers extend this."""
        if response.status_code == 429:
            return (
                retry_after_seconds(response)
                or backoff_delay(1, self.backoff_base, self.backoff_cap) + 1
            )
        return None

    def error_for(self, response: requests.Response) -> ApiError:
        detail = self.redact(response.text[:300]) if response.text else response.reason
        message = (
            f"HTTP {response.status_code} from {self.redact(response.url.split('?')[0])}: {detail}"
        )
        if response.status_code in (401, 403):
            return AuthError(message, status=response.status_code)
        return TerminalError(message, status=response.status_code)

    def request(self, method: str, path: str, **kwargs: Any) -> requests.Response:
        url = self.url(path)
        kwargs.setdefault("timeout", self.timeout)
        for attempt in range(self.max_retries + 1):
            last_try = attempt == self.max_retries
            if self.budget is not None:
                self.budget.acquire()
            self.calls += 1
            try:
                response = self.session.request(method, url, **kwargs)
            except (requests.ConnectionError, requests.Timeout) as exc:
                reason = "timed out" if isinstance(exc, requests.Timeout) else "unreachable"
                if last_try:
                    raise RetryableError(f"{self.redact(url.split('?')[0])} {reason}") from None
                self.sleep(backoff_delay(attempt, self.backoff_base, self.backoff_cap))
                continue
            wait = self.throttle_delay(response)
            if wait is not None:
                if last_try or wait > self.max_retry_after:
                    raise RetryableError(
                        f"Still throttled after {attempt + 1} tries (wait {wait:.0f} s)", status=429
                    )
                logger.info("Throttled by %s; waiting %.1f s", self.base_url, wait)
                self.sleep(wait)
                continue
            if response.status_code >= 500:
                if last_try:
                    raise RetryableError(
                        f"HTTP {response.status_code} from {self.redact(url.split('?')[0])}",
                        status=response.status_code,
                    )
                self.sleep(backoff_delay(attempt, self.backoff_base, self.backoff_cap))
                continue
            if response.status_code >= 400:
                raise self.error_for(response)
            return response
        raise RetryableError(
            "retries exhausted"
        )  # pragma: no cover - the loop always returns or raises
