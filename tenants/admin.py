"""Admin for tenants, API keys (shown once) and the read-only audit log."""

from typing import Any

from django import forms
from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.html import format_html

from tenants.admin_scoping import TenantScopedAdmin, allowed_tenants
from tenants.models import AuditLog, Tenant, TenantApiKey
from tenants.scopes import SCOPE_CHOICES
from tenants.services import actor_for_user, issue_api_key, revoke_api_key


@admin.register(Tenant)
class TenantAdmin(admin.ModelAdmin):
    list_display = ("name", "slug", "is_active", "created_at")
    list_filter = ("is_active",)
    search_fields = ("name", "slug")
    prepopulated_fields = {"slug": ("name",)}
    filter_horizontal = ("members",)
    readonly_fields = ("id", "created_at")

    def get_queryset(self, request: HttpRequest) -> QuerySet[Tenant]:
        return allowed_tenants(request)


class ApiKeyCreateForm(forms.ModelForm):
    scopes = forms.MultipleChoiceField(choices=SCOPE_CHOICES, widget=forms.CheckboxSelectMultiple)

    class Meta:
        model = TenantApiKey
        fields = ("tenant", "name", "scopes")


@admin.register(TenantApiKey)
class TenantApiKeyAdmin(TenantScopedAdmin):
    list_display = (
        "name",
        "tenant",
        "prefix",
        "scope_list",
        "created_at",
        "last_used_at",
        "revoked_at",
    )
    list_filter = ("tenant", "revoked_at")
    search_fields = ("name", "prefix")
    list_select_related = ("tenant",)
    actions = ("revoke_keys",)

    class Media:
        js = ("dashboard/copy.js",)

    def get_form(self, request: HttpRequest, obj: TenantApiKey | None = None, **kwargs: Any) -> Any:
        if obj is None:
            kwargs["form"] = ApiKeyCreateForm
        return super().get_form(request, obj, **kwargs)

    def get_readonly_fields(
        self, request: HttpRequest, obj: TenantApiKey | None = None
    ) -> tuple[str, ...]:
        if obj is None:
            return ()
        return (
            "tenant",
            "prefix",
            "scopes",
            "created_by",
            "created_at",
            "last_used_at",
            "revoked_at",
        )

    def get_fields(self, request: HttpRequest, obj: TenantApiKey | None = None) -> tuple[str, ...]:
        if obj is None:
            return ("tenant", "name", "scopes")
        return (
            "tenant",
            "name",
            "prefix",
            "scopes",
            "created_by",
            "created_at",
            "last_used_at",
            "revoked_at",
        )

    @admin.display(description="Scopes")
    def scope_list(self, obj: TenantApiKey) -> str:
        return ", ".join(obj.scopes)

    def save_model(
        self, request: HttpRequest, obj: TenantApiKey, form: forms.ModelForm, change: bool
    ) -> None:
        if change:
            super().save_model(request, obj, form, change)
            return
        issued = issue_api_key(
            tenant=form.cleaned_data["tenant"],
            name=form.cleaned_data["name"],
            scopes=list(form.cleaned_data["scopes"]),
            created_by=request.user,
        )
        # The admin's success message and history entry describe `obj`: make it the saved row.
        for model_field in TenantApiKey._meta.concrete_fields:
            setattr(obj, model_field.attname, getattr(issued.api_key, model_field.attname))
        obj._state.adding = False
        messages.warning(
            request,
            format_html(
                'Copy this API key now; it will not be shown again: <code id="cs-new-api-key">{}'
                '</code> <button type="button" class="btn btn-sm btn-light" '
                'data-copy-target="cs-new-api-key">Copy</button>',
                issued.plain_key,
            ),
        )

    def has_delete_permission(self, request: HttpRequest, obj: TenantApiKey | None = None) -> bool:
        return False

    @admin.action(description="Revoke selected keys")
    def revoke_keys(self, request: HttpRequest, queryset: QuerySet[TenantApiKey]) -> None:
        count = 0
        for api_key in queryset.select_related("tenant").filter(revoked_at__isnull=True):
            revoke_api_key(api_key=api_key, actor=actor_for_user(request.user))
            count += 1
        self.message_user(request, f"Revoked {count} key(s).", messages.SUCCESS)


@admin.register(AuditLog)
class AuditLogAdmin(TenantScopedAdmin):
    list_display = ("created_at", "tenant", "actor", "action")
    list_filter = ("action", "tenant")
    search_fields = ("actor", "action")
    list_select_related = ("tenant",)
    date_hierarchy = "created_at"

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: AuditLog | None = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: AuditLog | None = None) -> bool:
        return False
