"""Keep staff users who are not superusers inside their own tenants in the admin."""

from typing import Any

from django.contrib import admin
from django.db.models import ForeignKey, QuerySet
from django.forms import ModelChoiceField
from django.http import HttpRequest

from tenants.models import Tenant


def allowed_tenants(request: HttpRequest) -> QuerySet[Tenant]:
    if request.user.is_superuser:
        return Tenant.objects.all()
    return Tenant.objects.filter(members=request.user)


class TenantScopedAdmin(admin.ModelAdmin):
    """Filters rows by `tenant_field` and limits tenant choices on forms."""

    tenant_field = "tenant"

    def get_queryset(self, request: HttpRequest) -> QuerySet[Any]:
        queryset = super().get_queryset(request)
        if request.user.is_superuser:
            return queryset
        return queryset.filter(**{f"{self.tenant_field}__in": allowed_tenants(request)})

    def formfield_for_foreignkey(
        self, db_field: ForeignKey, request: HttpRequest, **kwargs: Any
    ) -> ModelChoiceField | None:
        if db_field.related_model is Tenant:
            kwargs["queryset"] = allowed_tenants(request)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)
