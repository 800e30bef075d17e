"""DRF authentication: tenant API keys, and staff sessions from the admin.

Both put the resolved tenant and the caller's scopes on the request user, so
views and permissions never look at headers themselves.
"""

from dataclasses import dataclass, field

from django.contrib.auth.models import AbstractBaseUser
from rest_framework import exceptions
from rest_framework.authentication import BaseAuthentication, SessionAuthentication
from rest_framework.request import Request

from tenants.models import Tenant, TenantApiKey
from tenants.scopes import ALL_SCOPES
from tenants.services import find_active_key, tenant_matches, touch_key

TENANT_HEADER = "HTTP_X_TENANT_ID"
KEY_HEADER = "HTTP_X_TENANT_API_KEY"


@dataclass
class TenantPrincipal:
    """Who is calling, for which tenant, with which scopes."""

    tenant: Tenant
    scopes: frozenset[str]
    actor: str
    user: AbstractBaseUser | None = None
    api_key: TenantApiKey | None = None
    is_authenticated: bool = field(default=True, init=False)
    is_active: bool = field(default=True, init=False)

    @property
    def is_staff(self) -> bool:
        return bool(self.user and self.user.is_staff)

    def has_scope(self, scope: str) -> bool:
        return scope in self.scopes

    def __str__(self) -> str:
        return self.actor


class TenantApiKeyAuthentication(BaseAuthentication):
    """`X-TENANT-ID` (slug or UUID) plus `X-TENANT-API-KEY`; the key must belong to that tenant."""

    def authenticate(self, request: Request) -> tuple[TenantPrincipal, TenantApiKey] | None:
        tenant_id = request.META.get(TENANT_HEADER, "")
        plain_key = request.META.get(KEY_HEADER, "")
        if not plain_key:
            return None
        if not tenant_id:
            raise exceptions.AuthenticationFailed("X-TENANT-ID header is required with an API key.")
        api_key = find_active_key(plain_key)
        if api_key is None or not tenant_matches(api_key.tenant, tenant_id):
            raise exceptions.AuthenticationFailed("Invalid, revoked or mismatched API key.")
        touch_key(api_key)
        principal = TenantPrincipal(
            tenant=api_key.tenant,
            scopes=frozenset(api_key.scopes),
            actor=f"api_key:{api_key.prefix}",
            api_key=api_key,
        )
        return principal, api_key

    def authenticate_header(self, request: Request) -> str:
        return 'ApiKey realm="catalog-sync", header="X-TENANT-API-KEY"'


def tenants_for_staff(user: AbstractBaseUser) -> "list[Tenant]":
    """The tenants a staff user may act for: all for superusers, else their memberships."""
    queryset = Tenant.objects.filter(is_active=True)
    if not user.is_superuser:
        queryset = queryset.filter(members=user)
    return list(queryset.order_by("name"))


def resolve_staff_tenant(user: AbstractBaseUser, identifier: str) -> Tenant:
    """Pick the tenant for a staff session: the one named, or the only one they have."""
    allowed = tenants_for_staff(user)
    if identifier:
        for tenant in allowed:
            if tenant_matches(tenant, identifier):
                return tenant
        raise exceptions.AuthenticationFailed("You have no access to that tenant.")
    if len(allowed) == 1:
        return allowed[0]
    raise exceptions.AuthenticationFailed(
        "Send X-TENANT-ID to choose a tenant." if allowed else "Your user belongs to no tenant."
    )


class TenantSessionAuthentication(SessionAuthentication):
    """Staff logged into the admin may call the API with every scope of their tenant."""

    def authenticate(self, request: Request) -> tuple[TenantPrincipal, None] | None:
        result = super().authenticate(request)
        if result is None:
            return None
        user = result[0]
        if not user.is_staff:
            return None
        tenant = resolve_staff_tenant(user, request.META.get(TENANT_HEADER, ""))
        principal = TenantPrincipal(
            tenant=tenant,
            scopes=frozenset(ALL_SCOPES),
            actor=f"user:{user.get_username()}",
            user=user,
        )
        return principal, None
