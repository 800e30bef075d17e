"""OpenAPI descriptions of our authentication schemes (drf-spectacular extensions)."""

from typing import Any

from drf_spectacular.extensions import OpenApiAuthenticationExtension


class TenantApiKeyScheme(OpenApiAuthenticationExtension):
    target_class = "tenants.authentication.TenantApiKeyAuthentication"
    name = ["TenantId", "TenantApiKey"]

    def get_security_definition(self, auto_schema: Any) -> list[dict[str, str]]:
        return [
            {
                "type": "apiKey",
                "in": "header",
                "name": "X-TENANT-ID",
                "description": "Tenant slug or UUID.",
            },
            {
                "type": "apiKey",
                "in": "header",
                "name": "X-TENANT-API-KEY",
                "description": "A key from `manage.py create_api_key` or the admin.",
            },
        ]


class TenantSessionScheme(OpenApiAuthenticationExtension):
    target_class = "tenants.authentication.TenantSessionAuthentication"
    name = "StaffSession"

    def get_security_definition(self, auto_schema: Any) -> dict[str, str]:
        return {"type": "apiKey", "in": "cookie", "name": "sessionid"}
