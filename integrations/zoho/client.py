"""Zoho Inventory client: token refresh under a row lock, item pages, single items."""

import logging
from collections import deque
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from datetime import timedelta
from typing import Any

import requests
from django.conf import settings
from django.db import transaction
from django.utils import timezone

from integrations.http import ApiError, AuthError, HttpClient, RequestBudget, TerminalError
from integrations.zoho.models import CredentialStatus, ZohoCredential

logger = logging.getLogger(__name__)

PER_PAGE_MAX = 200


# Zoho's `code` for a record that does not exist ("Item does not exist.").
ITEM_DOES_NOT_EXIST = 1002


class ZohoApiError(TerminalError):
    """Zoho answered with a non-zero `code` (even on HTTP 200)."""

    def __init__(self, message: str, *, code: int, status: int | None = None) -> None:
        super().__init__(message, status=status)
        self.code = code


class ZohoClient(HttpClient):
    """One credential's view of Zoho Inventory."""

    def __init__(self, credential: ZohoCredential, **options: Any) -> None:
        self.credential = credential
        if "budget" not in options:
            limit = settings.ZOHO_REQUESTS_PER_MINUTE
            key = f"zoho:{credential.organization_id}"
            options["budget"] = RequestBudget(key=key, limit=limit) if limit else None
        super().__init__(
            base_url=credential.api_base,
            secrets=[credential.client_secret, credential.refresh_token, credential.access_token],
            **options,
        )

    # --- tokens -------------------------------------------------------------------------

    def get_valid_token(self, *, rejected: str | None = None) -> str:
        """The stored token if it has five minutes left, else one refresh shared by all workers.

        `rejected` is a token Zoho just refused. Several threads or workers can be refused at
        once; only the first to take the lock refreshes, the others find a different token
        stored and use it (Zoho allows 10 tokens per refresh token per 10 minutes).
        """
        credential = self.credential
        if rejected is None and not credential.is_expired():
            return credential.access_token
        with transaction.atomic():
            locked = ZohoCredential.objects.select_for_update().get(pk=credential.pk)
            if not locked.is_expired() and locked.access_token != rejected:
                self._adopt(locked)  # another worker refreshed while we waited for the lock
                return locked.access_token
            failure = self._refresh(locked)
        if failure is not None:
            # Recorded outside the lock's transaction, which the error would roll back.
            ZohoCredential.objects.filter(pk=credential.pk).update(
                status=CredentialStatus.NEEDS_ATTENTION, status_message=failure.message
            )
            raise failure
        self._adopt(locked)
        return locked.access_token

    def _adopt(self, fresh: ZohoCredential) -> None:
        self.credential = fresh
        self.base_url = fresh.api_base.rstrip("/")
        self.add_secret(fresh.access_token)

    def _refresh(self, locked: ZohoCredential) -> AuthError | None:
        """Refresh and store the token; return (not raise) a refusal so the caller can record it."""
        try:
            response = self.session.post(
                locked.token_url,
                data={
                    "grant_type": "refresh_token",
                    "refresh_token": locked.refresh_token,
                    "client_id": locked.client_id,
                    "client_secret": locked.client_secret,
                },
                timeout=self.timeout,
            )
            body = response.json() if response.content else {}
        except (requests.RequestException, ValueError) as exc:
            return AuthError(f"Zoho token refresh failed: {type(exc).__name__}")
        if response.status_code != 200 or "access_token" not in body:
            reason = self.redact(
                str(body.get("error") or body.get("message") or f"HTTP {response.status_code}")
            )
            return AuthError(
                f"Zoho refused the refresh token: {reason}", status=response.status_code
            )
        locked.access_token = body["access_token"]
        locked.expires_at = timezone.now() + timedelta(seconds=int(body.get("expires_in", 3600)))
        if body.get("api_domain"):
            locked.api_domain = body["api_domain"]
        locked.status, locked.status_message = CredentialStatus.OK, ""
        locked.save(
            update_fields=["access_token", "expires_at", "api_domain", "status", "status_message"]
        )
        logger.info("Refreshed the Zoho token of credential %s", locked.pk)
        return None

    # --- API ----------------------------------------------------------------------------

    def api(self, path: str, params: dict[str, Any] | None = None) -> dict[str, Any]:
        """GET an Inventory path; one forced refresh when Zoho says the token is no good."""
        rejected = None
        for retry_auth in (False, True):
            token = self.get_valid_token(rejected=rejected)
            try:
                return self._get(path, params, token)
            except AuthError:
                if retry_auth:
                    raise
                logger.info("Zoho rejected the access token; refreshing once")
                rejected = token
        raise AuthError("Zoho rejected a freshly refreshed token")  # pragma: no cover

    def _get(self, path: str, params: dict[str, Any] | None, token: str) -> dict[str, Any]:
        """One GET with a given token: no database access, so threads may call it."""
        query = {"organization_id": self.credential.organization_id, **(params or {})}
        response = self.request(
            "GET", path, params=query, headers={"Authorization": f"Zoho-oauthtoken {token}"}
        )
        return self._body(response)

    def _body(self, response: requests.Response) -> dict[str, Any]:
        try:
            body = response.json()
        except ValueError:
            raise TerminalError(
                f"Zoho returned a non-JSON body (HTTP {response.status_code})"
            ) from None
        code = body.get("code", 0)
        if code != 0:
            raise ZohoApiError(
                f"Zoho error {code}: {self.redact(str(body.get('message', '')))}", code=int(code)
            )
        return body

    def error_for(self, response: requests.Response) -> ApiError:
        try:
            body = response.json()
        except ValueError:
            return super().error_for(response)
        message = f"Zoho error {body.get('code')}: {self.redact(str(body.get('message', '')))}"
        if response.status_code == 401:
            return AuthError(message, status=401)
        return ZohoApiError(message, code=int(body.get("code") or 0), status=response.status_code)

    def fetch_products(
        self, page: int = 1, per_page: int = PER_PAGE_MAX, **params: Any
    ) -> dict[str, Any]:
        return _page_result(self.api("items", _page_query(page, per_page, params)))

    def iter_pages(
        self,
        per_page: int = PER_PAGE_MAX,
        *,
        window: int = 1,
        start: int = 1,
        go_on: Callable[[], bool] = lambda: True,
        expect_more: bool = True,
        **params: Any,
    ) -> Iterator[tuple[list[dict[str, Any]], bool]]:
        """Pages of items in order from page `start`, each with `page_context.has_more_page`.

        When `go_on()` turns false no further page is asked for: the pages already asked for
        are handed over, and the iteration ends after them even if Zoho has more.

        Zoho pages are numbered, so with `window` > 1 that many are requested at once instead
        of each waiting for the one before. At most `window - 1` requests go past the last
        page (they come back empty); errors surface in page order, after the pages before.
        With `expect_more` false (a catalog that may fit in one page), the first page is asked
        for alone and the window opens only once it says there is more: a 100-item catalog
        then costs one request, not `window`, for one more round trip on a larger one.
        """
        if window <= 1:
            page = start
            while True:
                result = self.fetch_products(page, per_page, **params)
                more = bool(result["page_context"].get("has_more_page"))
                yield result["items"], more
                if not more or not go_on():
                    return
                page += 1
        token = self.get_valid_token()  # refreshed here, so the threads never need the database
        with ThreadPoolExecutor(max_workers=window, thread_name_prefix="zoho-page") as pool:

            def fetch(number: int) -> tuple[int, Future[dict[str, Any]]]:
                query = _page_query(number, per_page, params)
                return number, pool.submit(self._get, "items", query, token)

            ahead = window if expect_more else 1
            pending = deque(fetch(n) for n in range(start, start + ahead))
            next_page = start + ahead
            try:
                while pending:
                    number, future = pending.popleft()
                    try:
                        result = _page_result(future.result())
                    except AuthError:
                        # The token died mid-run: refresh once (here) and read the page again.
                        result = self.fetch_products(number, per_page, **params)
                        token = self.credential.access_token
                    more = bool(result["page_context"].get("has_more_page"))
                    yield result["items"], more
                    if not more:
                        return
                    while go_on() and len(pending) < window:
                        pending.append(fetch(next_page))
                        next_page += 1
            finally:
                for _, future in pending:
                    future.cancel()

    def fetch_all_products(self, per_page: int = PER_PAGE_MAX) -> Iterator[dict[str, Any]]:
        """Every item, one page in memory at a time."""
        for items, _ in self.iter_pages(per_page):
            yield from items

    def fetch_item(self, item_id: str) -> dict[str, Any]:
        return self.api(f"items/{item_id}").get("item", {})


def _page_query(page: int, per_page: int, params: dict[str, Any]) -> dict[str, Any]:
    return {"page": page, "per_page": min(per_page, PER_PAGE_MAX), **params}


def _page_result(body: dict[str, Any]) -> dict[str, Any]:
    return {"items": body.get("items", []), "page_context": body.get("page_context", {})}
