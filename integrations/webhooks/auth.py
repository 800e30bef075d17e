"""DRF authentication for store-side plugins: `Authorization: Bearer wc_sk_…`."""

from dataclasses import dataclass, field
from typing import Any

from drf_spectacular.extensions import OpenApiAuthenticationExtension
from rest_framework import exceptions
from rest_framework.authentication import BaseAuthentication, get_authorization_header
from rest_framework.request import Request

from integrations.webhooks.models import IntegrationToken
from integrations.webhooks.tokens import find_active_token
from tenants.models import Tenant

BAD_TOKEN = "Invalid or revoked integration token."


@dataclass
class TokenPrincipal:
    """A plugin calling for the token's tenant; it holds no API scopes."""

    token: IntegrationToken
    is_authenticated: bool = field(default=True, init=False)

    @property
    def tenant(self) -> Tenant:
        return self.token.tenant

    def __str__(self) -> str:
        return f"integration_token:{self.token.prefix}"


class IntegrationTokenAuthentication(BaseAuthentication):
    """Missing or unknown tokens answer 401; the check is constant-time (see tokens.py)."""

    def authenticate(self, request: Request) -> tuple[TokenPrincipal, IntegrationToken]:
        parts = get_authorization_header(request).split()
        if len(parts) != 2 or parts[0].lower() != b"bearer":
            raise exceptions.NotAuthenticated("Send the token as 'Authorization: Bearer wc_sk_…'.")
        try:
            plain = parts[1].decode("ascii")
        except UnicodeDecodeError:
            raise exceptions.AuthenticationFailed(BAD_TOKEN) from None
        token = find_active_token(plain)
        if token is None:
            raise exceptions.AuthenticationFailed(BAD_TOKEN)
        return TokenPrincipal(token=token), token

    def authenticate_header(self, request: Request) -> str:
        return 'Bearer realm="catalog-sync"'


class IntegrationTokenScheme(OpenApiAuthenticationExtension):
    """How the OpenAPI schema describes the plugin's bearer token."""

    target_class = IntegrationTokenAuthentication
    name = "IntegrationToken"

    def get_security_definition(self, auto_schema: Any) -> dict[str, str]:
        return {
            "type": "http",
            "scheme": "bearer",
            "description": "An integration token (wc_sk_live_… or wc_sk_test_…).",
        }
