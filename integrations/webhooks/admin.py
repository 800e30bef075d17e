"""Admin: integration tokens (shown once), plugin events and store deliveries, with replay."""

from typing import Any

from django import forms
from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.html import format_html

from integrations.models import WebhookLog
from integrations.webhooks.models import IntegrationToken, WooCommerceEventLog
from integrations.webhooks.native import reset_for_replay as reset_deliveries
from integrations.webhooks.plugin_events import reset_for_replay as reset_events
from integrations.webhooks.tasks import enqueue_delivery, enqueue_event
from integrations.webhooks.tokens import issue_token, revoke_token
from tenants.admin_scoping import TenantScopedAdmin
from tenants.services import actor_for_user

STATUS_COLOURS = {
    "queued": "#757575",
    "success": "#2e7d32",
    "error": "#c62828",
    "rejected": "#c62828",
    "duplicate": "#1565c0",
    "stale": "#ef6c00",
    "ignored": "#757575",
}


class TokenCreateForm(forms.ModelForm):
    class Meta:
        model = IntegrationToken
        fields = ("tenant", "integration_type", "name", "environment")


@admin.register(IntegrationToken)
class IntegrationTokenAdmin(TenantScopedAdmin):
    list_display = (
        "name",
        "tenant",
        "integration_type",
        "prefix",
        "is_active",
        "usage_count",
        "last_used_at",
        "created_at",
    )
    list_filter = ("integration_type", "is_active", "tenant")
    search_fields = ("name", "prefix")
    list_select_related = ("tenant",)
    actions = ("revoke_tokens",)
    shown_fields = (
        "tenant",
        "integration_type",
        "name",
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
        if obj is None:
            kwargs["form"] = TokenCreateForm
        return super().get_form(request, obj, **kwargs)

    def get_fields(self, request: HttpRequest, obj: Any = None) -> tuple[str, ...]:
        return TokenCreateForm.Meta.fields if obj is None else self.shown_fields

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> tuple[str, ...]:
        return () if obj is None else tuple(f for f in self.shown_fields if f != "name")

    def save_model(
        self, request: HttpRequest, obj: IntegrationToken, form: forms.ModelForm, change: bool
    ) -> None:
        if change:
            super().save_model(request, obj, form, change)
            return
        issued = issue_token(created_by=request.user, **form.cleaned_data)
        # The admin's success message and history entry describe `obj`: make it the saved row.
        for model_field in IntegrationToken._meta.concrete_fields:
            setattr(obj, model_field.attname, getattr(issued.token, model_field.attname))
        obj._state.adding = False
        messages.warning(
            request, f"Copy this token now; it will not be shown again: {issued.plain_token}"
        )

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
    """Every store delivery (and one row per sync run), with what became of it."""

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
