"""Admin: integration tokens (shown once), plugin events and store deliveries, with replay."""

from typing import Any

from django import forms
from django.contrib import admin, messages
from django.db.models import ForeignKey, QuerySet
from django.forms import ModelChoiceField
from django.http import HttpRequest
from django.utils.html import format_html

from integrations.models import WebhookLog
from integrations.webhooks.models import IntegrationToken, WooCommerceEventLog
from integrations.webhooks.native import reset_for_replay as reset_deliveries
from integrations.webhooks.plugin_events import reset_for_replay as reset_events
from integrations.webhooks.tasks import enqueue_delivery, enqueue_event
from integrations.webhooks.tokens import (
    TokenStoreError,
    bind_token,
    checked_store,
    issue_token,
    revoke_token,
)
from integrations.woocommerce.models import WooCommerceStore
from tenants.admin_scoping import TenantScopedAdmin, allowed_tenants
from tenants.services import actor_for_user

SYNC_RUN_EVENT = "product_sync"  # the row each sync run leaves (integrations.engine.runs)
STATUS_COLOURS = {
    "queued": "#757575",
    "success": "#2e7d32",
    "error": "#c62828",
    "rejected": "#c62828",
    "duplicate": "#1565c0",
    "stale": "#ef6c00",
    "ignored": "#757575",
}


class TokenStoreForm(forms.ModelForm):
    """The store must be the token's tenant's, and only WooCommerce tokens have one."""

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        tenant = cleaned.get("tenant") or getattr(self.instance, "tenant", None)
        kind = cleaned.get("integration_type") or self.instance.integration_type
        if tenant is not None and kind:
            try:
                checked_store(tenant=tenant, integration_type=kind, store=cleaned.get("store"))
            except TokenStoreError as exc:
                self.add_error("store", str(exc))
        return cleaned


class TokenCreateForm(TokenStoreForm):
    class Meta:
        model = IntegrationToken
        fields = ("tenant", "integration_type", "name", "environment", "store")
        help_texts = {"store": "Empty: the tenant's first WooCommerce store."}


class TokenChangeForm(TokenStoreForm):
    class Meta:
        model = IntegrationToken
        fields = ("name", "store")


@admin.register(IntegrationToken)
class IntegrationTokenAdmin(TenantScopedAdmin):
    list_display = (
        "name",
        "tenant",
        "integration_type",
        "store",
        "prefix",
        "is_active",
        "usage_count",
        "last_used_at",
        "created_at",
    )
    list_filter = ("integration_type", "is_active", "tenant")
    search_fields = ("name", "prefix")
    list_select_related = ("tenant", "store")
    actions = ("revoke_tokens",)

    class Media:
        js = ("dashboard/copy.js",)

    editable_fields = ("name", "store")
    shown_fields = (
        "tenant",
        "integration_type",
        "name",
        "store",
        "environment",
        "prefix",
        "is_active",
        "usage_count",
        "last_used_at",
        "created_by",
        "created_at",
        "revoked_at",
    )

    def get_form(
        self, request: HttpRequest, obj: IntegrationToken | None = None, **kwargs: Any
    ) -> Any:
        kwargs["form"] = TokenCreateForm if obj is None else TokenChangeForm
        return super().get_form(request, obj, **kwargs)

    def get_fields(self, request: HttpRequest, obj: Any = None) -> tuple[str, ...]:
        return TokenCreateForm.Meta.fields if obj is None else self.shown_fields

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> tuple[str, ...]:
        if obj is None:
            return ()
        return tuple(f for f in self.shown_fields if f not in self.editable_fields)

    def save_model(
        self, request: HttpRequest, obj: IntegrationToken, form: forms.ModelForm, change: bool
    ) -> None:
        if change:
            store = form.cleaned_data.get("store")
            obj.store_id = form.initial.get("store")  # the binding before this form
            obj.save(update_fields=["name"])
            bind_token(token=obj, store=store, actor=actor_for_user(request.user))
            return
        issued = issue_token(created_by=request.user, **form.cleaned_data)
        # The admin's success message and history entry describe `obj`: make it the saved row.
        for model_field in IntegrationToken._meta.concrete_fields:
            setattr(obj, model_field.attname, getattr(issued.token, model_field.attname))
        obj._state.adding = False
        messages.warning(
            request,
            format_html(
                'Copy this token now; it will not be shown again: <code id="cs-new-token">{}'
                '</code> <button type="button" class="btn btn-sm btn-light" '
                'data-copy-target="cs-new-token">Copy</button>',
                issued.plain_token,
            ),
        )

    def formfield_for_foreignkey(
        self, db_field: ForeignKey, request: HttpRequest, **kwargs: Any
    ) -> ModelChoiceField | None:
        if db_field.related_model is WooCommerceStore:
            kwargs["queryset"] = WooCommerceStore.objects.filter(
                tenant__in=allowed_tenants(request)
            ).select_related("tenant")
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    @admin.action(description="Revoke selected tokens")
    def revoke_tokens(self, request: HttpRequest, queryset: QuerySet[IntegrationToken]) -> None:
        tokens = list(queryset.select_related("tenant").filter(is_active=True))
        for token in tokens:
            revoke_token(token=token, actor=actor_for_user(request.user))
        self.message_user(request, f"Revoked {len(tokens)} token(s).", messages.SUCCESS)


class ReadOnlyLogAdmin(TenantScopedAdmin):
    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(WooCommerceEventLog)
class WooCommerceEventLogAdmin(ReadOnlyLogAdmin):
    list_display = (
        "received_at",
        "tenant",
        "event_type",
        "woo_product_id",
        "outcome",
        "processed_successfully",
        "attempts",
        "event_id",
    )
    list_filter = ("event_type", "processed_successfully", "outcome", "tenant")
    search_fields = ("event_id", "woo_product_id", "error")
    list_select_related = ("tenant",)
    actions = ("replay",)

    @admin.action(description="Replay selected failed events")
    def replay(self, request: HttpRequest, queryset: QuerySet[WooCommerceEventLog]) -> None:
        ids = reset_events(queryset)
        for pk in ids:
            enqueue_event(pk)
        skipped = queryset.count() - len(ids)
        note = f" {skipped} were not failed and were left alone." if skipped else ""
        self.message_user(request, f"Queued {len(ids)} event(s) again.{note}", messages.SUCCESS)


@admin.register(WebhookLog)
class WebhookLogAdmin(ReadOnlyLogAdmin):
    """Every store delivery, with what became of it. Pull runs also leave a row each
    (event `product_sync`); they belong to Sync runs, so this list leaves them out."""

    list_display = (
        "received_at",
        "provider",
        "event",
        "status_badge",
        "outcome",
        "tenant",
        "connection_id",
        "processing_ms",
        "delivery_id",
    )
    list_filter = ("provider", "status", "event")
    search_fields = ("delivery_id", "webhook_id", "error")
    list_select_related = ("tenant",)
    actions = ("replay",)

    @admin.display(description="Status")
    def status_badge(self, log: WebhookLog) -> str:
        return format_html(
            '<b style="color:{}">{}</b>', STATUS_COLOURS.get(log.status, "#000"), log.status
        )

    def get_queryset(self, request: HttpRequest) -> QuerySet[WebhookLog]:
        return super().get_queryset(request).exclude(event=SYNC_RUN_EVENT)

    @admin.action(description="Replay selected failed deliveries")
    def replay(self, request: HttpRequest, queryset: QuerySet[WebhookLog]) -> None:
        ids = reset_deliveries(queryset)
        for pk in ids:
            enqueue_delivery(pk)
        skipped = queryset.count() - len(ids)
        note = (
            f" {skipped} were not failed deliveries (only 'error' rows can be replayed)."
            if skipped
            else ""
        )
        self.message_user(
            request, f"Queued {len(ids)} delivery(ies) again.{note}", messages.SUCCESS
        )
