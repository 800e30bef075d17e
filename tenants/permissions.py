"""Scope checks for API views."""

from typing import TYPE_CHECKING

from rest_framework.permissions import SAFE_METHODS, BasePermission
from rest_framework.request import Request

from tenants.authentication import TenantPrincipal

if TYPE_CHECKING:  # rest_framework.views imports this module through DRF settings
    from rest_framework.views import APIView


class HasTenantScope(BasePermission):
    """Require an authenticated tenant principal holding the view's scope.

    Views set `read_scope` (safe methods) and `write_scope` (the rest), or
    `required_scope` for both.
    """

    message = "Your API key lacks the scope this endpoint needs."

    def has_permission(self, request: Request, view: "APIView") -> bool:
        principal = request.user
        if not isinstance(principal, TenantPrincipal):
            return False
        scope = required_scope_for(request, view)
        if scope is None:
            return True
        if not principal.has_scope(scope):
            self.message = f"This endpoint needs the '{scope}' scope."
            return False
        return True


def required_scope_for(request: Request, view: "APIView") -> str | None:
    if getattr(view, "required_scope", None):
        return view.required_scope
    if request.method in SAFE_METHODS:
        return getattr(view, "read_scope", None)
    return getattr(view, "write_scope", None)


def current_tenant(request: Request) -> "TenantPrincipal":
    """The principal set by our authentication classes (views use `.tenant` on it)."""
    assert isinstance(request.user, TenantPrincipal)
    return request.user
