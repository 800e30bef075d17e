"""WooCommerce REST v3 client: products by page, variations, single products.

WooCommerce reads consumer keys only over HTTPS (HTTP Basic, or the query string when the
host strips the header). Over plain HTTP it ignores them and wants a one-legged OAuth 1.0a
signature in the query string, which `requests-oauthlib` makes (HMAC-SHA256, signed with
`consumer_secret&` as WooCommerce checks it). Plain HTTP sends the key in the clear and is
logged as a warning.
"""

import logging
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from django.conf import settings
from oauthlib.oauth1 import SIGNATURE_HMAC_SHA256, SIGNATURE_TYPE_QUERY
from requests.adapters import DEFAULT_POOLSIZE, HTTPAdapter
from requests_oauthlib import OAuth1

from integrations.http import HttpClient, TerminalError
from integrations.woocommerce.models import WooCommerceStore

logger = logging.getLogger(__name__)

PER_PAGE = 100  # WooCommerce's maximum


@dataclass(frozen=True)
class ProductPage:
    items: list[dict[str, Any]]
    total: int
    total_pages: int


def _gmt(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S")


class WooClient(HttpClient):
    def __init__(
        self, store: WooCommerceStore, *, pool_size: int | None = None, **options: Any
    ) -> None:
        super().__init__(
            base_url=store.api_base,
            secrets=[store.consumer_key, store.consumer_secret],
            verify=store.verify_ssl,
            **options,
        )
        self.store = store
        # One kept-alive connection per request in flight: requests' default pool keeps 10,
        # and a larger window would close a connection after each of the extra requests and
        # open a new one for the next ("Connection pool is full, discarding connection").
        size = max(DEFAULT_POOLSIZE, pool_size or settings.WOO_VARIATION_CONCURRENCY)
        adapter = HTTPAdapter(pool_maxsize=size)
        self.session.mount("https://", adapter)
        self.session.mount("http://", adapter)
        if not store.uses_https:
            logger.warning(
                "WooCommerce store %s is on plain HTTP: requests are signed with OAuth 1.0a, "
                "but the key and the catalog travel unencrypted. Use HTTPS.",
                store.pk,
            )
            self.session.auth = OAuth1(
                store.consumer_key,
                client_secret=store.consumer_secret,
                signature_method=SIGNATURE_HMAC_SHA256,
                signature_type=SIGNATURE_TYPE_QUERY,
            )
        elif not store.query_string_auth:
            self.session.auth = (store.consumer_key, store.consumer_secret)

    def get(self, path: str, params: dict[str, Any] | None = None) -> Any:
        query = dict(params or {})
        if self.store.query_string_auth and self.store.uses_https:
            query.update(
                consumer_key=self.store.consumer_key, consumer_secret=self.store.consumer_secret
            )
        response = self.request("GET", path, params=query)
        try:
            return response, response.json()
        except ValueError:
            raise TerminalError(f"WooCommerce returned a non-JSON body from {path}") from None

    def fetch_products_batch(
        self,
        page: int,
        *,
        modified_after: datetime | None = None,
        published_after: datetime | None = None,
    ) -> ProductPage:
        """One page of products, optionally only those modified or published after a moment.

        `after` filters on the publication date: a scheduled product that goes live keeps its
        modified date, so only this filter finds it.
        """
        params: dict[str, Any] = {
            "page": page,
            "per_page": PER_PAGE,
            "orderby": "id",
            "order": "asc",
        }
        if modified_after is not None:
            params.update(modified_after=_gmt(modified_after), dates_are_gmt="true")
        if published_after is not None:
            params.update(after=_gmt(published_after), dates_are_gmt="true")
        response, body = self.get("products", params)
        return ProductPage(
            items=list(body),
            total=int(response.headers.get("X-WP-Total") or len(body)),
            total_pages=int(response.headers.get("X-WP-TotalPages") or 1),
        )

    def fetch_products_by_ids(self, product_ids: list[int]) -> list[dict[str, Any]]:
        """The products among these ids the store still lists (`include`; the default status
        `any` leaves out the trash, as the full listing does), a page of 100 ids at a time."""
        found: list[dict[str, Any]] = []
        for start in range(0, len(product_ids), PER_PAGE):
            ids = product_ids[start : start + PER_PAGE]
            params = {"include": ",".join(map(str, ids)), "per_page": PER_PAGE, "orderby": "id"}
            found.extend(self.get("products", params)[1])
        return found

    def fetch_variations(self, product_id: int) -> list[dict[str, Any]]:
        variations: list[dict[str, Any]] = []
        page = 1
        while True:
            response, body = self.get(
                f"products/{product_id}/variations", {"page": page, "per_page": PER_PAGE}
            )
            variations.extend(body)
            if page >= int(response.headers.get("X-WP-TotalPages") or 1):
                return variations
            page += 1

    def fetch_product(self, product_id: str) -> dict[str, Any]:
        return self.get(f"products/{product_id}")[1]
