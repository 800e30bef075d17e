"""Meta additions to the admin: config with a connection test, and product sync status."""

from typing import Any

from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.html import format_html

from common.admin_forms import SecretFieldsForm
from common.encryption import mask
from meta_integration.models import MetaAppConfig, MetaDeletion, MetaParkedRound
from meta_integration.outbox import reset_attempts
from meta_integration.services import config_saved, test_connection
from meta_integration.status import (
    STATE_COLOURS,
    STATE_FILTERS,
    MetaSyncState,
    state_label,
    sync_state,
)
from products_and_services.admin import ProductAdmin
from products_and_services.models import Product
from tenants.admin_scoping import TenantScopedAdmin


class MetaAppConfigForm(SecretFieldsForm):
    secret_fields = ("access_token",)

    class Meta:
        model = MetaAppConfig
        fields = (
            "tenant",
            "name",
            "catalog_id",
            "access_token",
            "api_version",
            "currency",
            "currency_mapping",
            "default_product_url",
            "include_images",
            "is_active",
        )


@admin.register(MetaAppConfig)
class MetaAppConfigAdmin(TenantScopedAdmin):
    form = MetaAppConfigForm
    list_display = (
        "tenant",
        "name",
        "catalog_id",
        "token",
        "status_badge",
        "paused_until",
        "is_active",
    )
    list_filter = ("status", "is_active")
    list_select_related = ("tenant",)
    readonly_fields = (
        "token",
        "status",
        "status_message",
        "status_changed_at",
        "paused_until",
        "unreachable_since",
        "outage_message",
        "waiting_for_meta",
    )
    actions = ("run_connection_test",)

    @admin.display(description="Batches Meta is still processing")
    def waiting_for_meta(self, obj: MetaAppConfig) -> str:
        """Parked batches (see meta_integration.parking): the tenant's pushes wait for them."""
        parked = list(MetaParkedRound.objects.filter(tenant_id=obj.tenant_id).order_by("pk"))
        if not parked:
            return "None"
        products = sum(len(round_.state.get("plans", [])) for round_ in parked)
        first = parked[0]
        return (
            f"{len(parked)} batch(es) with {products} product(s), sent "
            f"{first.created_at:%Y-%m-%d %H:%M:%S} UTC; checked again from "
            f"{first.next_poll_at:%H:%M:%S} UTC; treated as an outage after "
            f"{first.deadline:%H:%M:%S} UTC. Further pushes wait until Meta is done."
        )

    @admin.display(description="Stored access token")
    def token(self, obj: MetaAppConfig) -> str:
        return mask(obj.access_token)

    @admin.display(description="Status")
    def status_badge(self, obj: MetaAppConfig) -> str:
        if obj.status == "ok" and obj.unreachable_since is not None:
            return format_html(
                '<b style="color:#ef6c00" title="{}">Meta unreachable since {} UTC</b>',
                obj.outage_message,
                obj.unreachable_since.strftime("%Y-%m-%d %H:%M"),
            )
        colour = "#2e7d32" if obj.status == "ok" else "#c62828"
        return format_html('<b style="color:{}">{}</b>', colour, obj.get_status_display())

    def save_model(
        self, request: HttpRequest, obj: MetaAppConfig, form: MetaAppConfigForm, change: bool
    ) -> None:
        super().save_model(request, obj, form, change)
        config_saved(obj, token_changed="access_token" in form.changed_secrets())

    @admin.action(description="Test connection")
    def run_connection_test(self, request: HttpRequest, queryset: QuerySet[MetaAppConfig]) -> None:
        for config in queryset.select_related("tenant"):
            result = test_connection(config)
            level = messages.SUCCESS if result.ok else messages.ERROR
            self.message_user(request, f"{config.tenant}: {result.message}", level)


@admin.register(MetaDeletion)
class MetaDeletionAdmin(TenantScopedAdmin):
    list_display = (
        "retailer_id",
        "product_name",
        "tenant",
        "attempts",
        "next_attempt",
        "last_error",
    )
    list_filter = ("tenant",)
    search_fields = ("retailer_id", "product_name")
    list_select_related = ("tenant",)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


class MetaSyncStateFilter(admin.SimpleListFilter):
    title = "Meta sync status"
    parameter_name = "meta_sync"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, str]]:
        return [(state.value, state.label) for state in MetaSyncState]

    def queryset(self, request: HttpRequest, queryset: QuerySet[Product]) -> QuerySet[Product]:
        condition = STATE_FILTERS.get(self.value() or "")
        return queryset.filter(condition) if condition is not None else queryset


class MetaProductAdmin(ProductAdmin):
    """The catalog's product admin plus the Meta sync status, filter and actions."""

    list_display = (*ProductAdmin.list_display, "meta_sync_status")
    list_filter = (*ProductAdmin.list_filter, MetaSyncStateFilter)
    actions = (*ProductAdmin.actions, "reset_meta_attempts", "push_to_meta_now")
    readonly_fields = (
        *ProductAdmin.readonly_fields,
        "meta_sync_status",
        "meta_sync_attempts",
        "meta_sync_last_error",
        "meta_sync_last_attempt",
        "meta_sync_last_success",
        "meta_sync_next_attempt",
        "meta_retailer_id",
    )
    fieldsets = (
        *ProductAdmin.fieldsets,
        (
            "Meta Catalog Sync Status",
            {
                "classes": ("collapse",),
                "fields": (
                    "meta_sync_status",
                    "meta_sync_attempts",
                    "meta_sync_last_error",
                    "meta_sync_last_attempt",
                    "meta_sync_last_success",
                    "meta_sync_next_attempt",
                    "meta_retailer_id",
                ),
            },
        ),
    )

    @admin.display(description="Meta sync status")
    def meta_sync_status(self, obj: Product) -> str:
        state = sync_state(obj)
        return format_html(
            '<span style="color:{};font-weight:600" title="{}">{}</span>',
            STATE_COLOURS[state],
            obj.meta_sync_last_error,
            state_label(obj),
        )

    @admin.action(description="Reset Meta sync attempts")
    def reset_meta_attempts(self, request: HttpRequest, queryset: QuerySet[Product]) -> None:
        count = reset_attempts(queryset)
        self.message_user(
            request, f"Reset {count} product(s); they will be pushed to Meta now.", messages.SUCCESS
        )

    @admin.action(description="Push to Meta now")
    def push_to_meta_now(self, request: HttpRequest, queryset: QuerySet[Product]) -> None:
        queryset.update(meta_payload_hash="")
        count = reset_attempts(queryset)
        self.message_user(
            request, f"Queued {count} product(s) for an immediate push to Meta.", messages.SUCCESS
        )


admin.site.unregister(Product)
admin.site.register(Product, MetaProductAdmin)
