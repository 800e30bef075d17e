"""The API key scopes, in one place so models, forms and commands agree."""

CATALOG_READ = "catalog:read"
CATALOG_WRITE = "catalog:write"
INTEGRATIONS_MANAGE = "integrations:manage"

ALL_SCOPES: tuple[str, ...] = (CATALOG_READ, CATALOG_WRITE, INTEGRATIONS_MANAGE)
SCOPE_CHOICES = [(scope, scope) for scope in ALL_SCOPES]
