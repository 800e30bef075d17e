"""Admin for pulls: sync runs with progress, the Zoho credential, and the 'Sync Zoho' page."""

from datetime import timedelta
from typing import Any

from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.html import format_html, format_html_join
from django.views.decorators.http import require_POST

from common.admin_forms import SecretFieldsForm
from common.encryption import mask
from integrations.engine.runs import cancel_run
from integrations.models import (
    ACTIVE_STATUSES,
    Provider,
    SyncMode,
    SyncRun,
    SyncStatus,
    SyncTrigger,
)
from integrations.providers import PROVIDERS
from integrations.run_hints import hint_for
from integrations.schedule import next_scheduled_sync
from integrations.selectors import with_last_run
from integrations.shopify.models import ShopifyStore
from integrations.triggers import TriggerResult, trigger_sync
from integrations.woocommerce.models import WooCommerceStore
from integrations.zoho.models import ZohoCredential
from products_and_services.models import ExternalSource, Product
from tenants.admin_scoping import TenantScopedAdmin, allowed_tenants
from tenants.services import actor_for_user, record_audit

STATUS_COLOURS = {
    "queued": "#757575",
    "running": "#1565c0",
    "succeeded": "#2e7d32",
    "failed": "#c62828",
    "partial": "#ef6c00",
    "cancelled": "#6d4c41",
}
RETRYABLE = (SyncStatus.FAILED, SyncStatus.CANCELLED, SyncStatus.PARTIAL)


def announce(request: HttpRequest, result: TriggerResult) -> None:
    run = result.run
    link = reverse("admin:integrations_syncrun_change", args=[run.pk])
    verb = "Started" if result.created else "Already running:"
    messages.success(
        request,
        format_html(
            '{} {} sync run <a href="{}">#{}</a> (task {}).',
            verb,
            run.get_provider_display(),
            link,
            run.pk,
            run.task_id or "-",
        ),
    )


@admin.register(SyncRun)
class SyncRunAdmin(TenantScopedAdmin):
    list_display = (
        "id",
        "provider",
        "tenant",
        "mode",
        "trigger",
        "status_badge",
        "progress",
        "created",
        "updated",
        "unchanged",
        "deactivated",
        "failed",
        "duration",
        "created_at",
    )
    list_filter = ("provider", "status", "mode", "trigger", "tenant")
    list_select_related = ("tenant",)
    readonly_fields = (
        "tenant",
        "provider",
        "connection_id",
        "trigger",
        "mode",
        "status_badge",
        "progress",
        "task_id",
        "created_at",
        "started_at",
        "heartbeat_at",
        "finished_at",
        "duration",
        "total",
        "processed",
        "created",
        "updated",
        "unchanged",
        "deactivated",
        "failed",
        "error_count",
        "message",
        "hint",
        "error_list",
        "bookmark",
    )
    fields = readonly_fields

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    @admin.display(description="Status")
    def status_badge(self, run: SyncRun) -> str:
        if run.status == SyncStatus.QUEUED and run.chunks:
            # Between two chunks: it has started and waits its turn for a worker.
            return format_html(
                '<b style="color:{}">{}</b>', STATUS_COLOURS["running"], "Running (in turn)"
            )
        return format_html(
            '<b style="color:{}">{}</b>',
            STATUS_COLOURS.get(run.status, "#000"),
            run.get_status_display(),
        )

    @admin.display(description="Progress")
    def progress(self, run: SyncRun) -> str:
        """Honest: processed of total, indeterminate when the total is unknown, and a stopped
        run shows how far it got, never a full bar."""
        colour = STATUS_COLOURS.get(run.status, "#1565c0")
        if run.is_active and not run.total:
            return format_html(
                '<div class="cs-progress" data-status="{}" data-processed="{}" data-total="">'
                '<div class="progress" style="width:160px;height:12px" role="progressbar" '
                'aria-label="Sync progress, total not known yet">'
                '<div class="progress-bar progress-bar-striped progress-bar-animated" '
                'style="width:100%;background-color:{}"></div></div>'
                "<small>{} processed (total not known yet)</small></div>",
                run.status,
                run.processed,
                colour,
                run.processed,
            )
        percent = run.progress_percent
        if run.status in (SyncStatus.FAILED, SyncStatus.CANCELLED):
            verb = "Failed" if run.status == SyncStatus.FAILED else "Cancelled"
            label = (
                f"{verb} after {run.processed} of {run.total} items ({percent}%)"
                if run.total
                else f"{verb} after {run.processed} items"
            )
        elif run.total:
            label = f"{run.processed}/{run.total} ({percent}%)"
        else:
            label = f"{run.processed} items"
        return format_html(
            '<div class="cs-progress" data-status="{}" data-processed="{}" data-total="{}">'
            '<div class="progress" style="width:160px;height:12px;background:#e9ecef" '
            'role="progressbar" aria-valuenow="{}" aria-valuemin="0" aria-valuemax="100">'
            '<div class="progress-bar" style="width:{}%;background-color:{}"></div></div>'
            "<small>{}</small></div>",
            run.status,
            run.processed,
            run.total,
            percent,
            percent,
            colour,
            label,
        )

    @admin.display(description="What to do")
    def hint(self, run: SyncRun) -> str:
        if run.status == SyncStatus.CANCELLED:
            return "The run was cancelled: products it stored are kept, none were deactivated."
        if run.status != SyncStatus.FAILED:
            return "-"
        return hint_for(run.message) or "See the message above; Retry when it is fixed."

    @admin.display(description="Duration")
    def duration(self, run: SyncRun) -> str:
        if run.started_at is None:
            return "-"
        end = run.finished_at or run.heartbeat_at or run.started_at
        seconds = (end - run.started_at).total_seconds()
        return f"{seconds:.1f} s" if seconds < 60 else str(timedelta(seconds=round(seconds)))

    @admin.display(description="Errors")
    def error_list(self, run: SyncRun) -> str:
        if not run.errors:
            return "None"
        shown = format_html_join("", "<li>{}</li>", ((e,) for e in run.errors))
        more = run.error_count - len(run.errors)
        suffix = format_html("<p>…and {} more.</p>", more) if more > 0 else ""
        return format_html("<ul>{}</ul>{}", shown, suffix)

    def changelist_view(
        self, request: HttpRequest, extra_context: dict[str, Any] | None = None
    ) -> HttpResponse:
        active = self.get_queryset(request).filter(status__in=ACTIVE_STATUSES).exists()
        return super().changelist_view(request, {**(extra_context or {}), "auto_refresh": active})

    def change_view(
        self,
        request: HttpRequest,
        object_id: str,
        form_url: str = "",
        extra_context: dict[str, Any] | None = None,
    ) -> HttpResponse:
        run = self.get_queryset(request).filter(pk=object_id).first()
        active = run is not None and run.is_active
        controls = {
            "auto_refresh": active,
            "can_cancel": active and self.has_retry_permission(request),
            "can_retry": run is not None
            and run.status in RETRYABLE
            and self.has_retry_permission(request),
        }
        return super().change_view(
            request, object_id, form_url, {**(extra_context or {}), **controls}
        )

    def get_urls(self) -> list[Any]:
        return [
            path(
                "sync-zoho/",
                self.admin_site.admin_view(self.sync_zoho_view),
                name="integrations_sync_zoho",
            ),
            path(
                "<int:object_id>/retry/",
                self.admin_site.admin_view(require_POST(self.retry_view)),
                name="integrations_syncrun_retry",
            ),
            path(
                "<int:object_id>/cancel/",
                self.admin_site.admin_view(require_POST(self.cancel_view)),
                name="integrations_syncrun_cancel",
            ),
            *super().get_urls(),
        ]

    def _run_or_404(self, request: HttpRequest, object_id: int) -> SyncRun:
        run = self.get_queryset(request).filter(pk=object_id).first()
        if run is None or not self.has_view_permission(request, run):
            raise Http404("No such sync run.")
        return run

    def retry_view(self, request: HttpRequest, object_id: int) -> HttpResponse:
        """Start the same sync again (same connection, mode and selection)."""
        run = self._run_or_404(request, object_id)
        if run.status not in RETRYABLE:
            messages.error(request, f"Run #{run.pk} is {run.get_status_display().lower()}.")
        elif not self.has_retry_permission(request):
            messages.error(request, "You may not start syncs.")
        else:
            result = trigger_sync(
                tenant=run.tenant,
                provider=run.provider,
                connection_id=run.connection_id,
                trigger=SyncTrigger.ADMIN,
                mode=run.mode,
                selected_ids=run.selected_ids or (),
                actor=actor_for_user(request.user),
                audit_metadata={"retry_of": run.pk},
            )
            announce(request, result)
            run = result.run
        return HttpResponseRedirect(reverse("admin:integrations_syncrun_change", args=[run.pk]))

    def cancel_view(self, request: HttpRequest, object_id: int) -> HttpResponse:
        run = self._run_or_404(request, object_id)
        if not self.has_retry_permission(request):
            messages.error(request, "You may not cancel syncs.")
        elif cancel_run(run, reason=f"Cancelled by {request.user.get_username()}."):
            record_audit(
                tenant=run.tenant,
                actor=actor_for_user(request.user),
                action=f"{run.provider}_sync_cancelled",
                metadata={"sync_run_id": run.pk},
            )
            messages.success(
                request,
                f"Cancelled run #{run.pk}: it stops before its next page and deactivates nothing.",
            )
        else:
            messages.warning(request, f"Run #{run.pk} had already finished.")
        return HttpResponseRedirect(reverse("admin:integrations_syncrun_change", args=[run.pk]))

    def has_retry_permission(self, request: HttpRequest) -> bool:
        """Starting and stopping runs: whoever may see runs and change a connection."""
        return request.user.has_perm("integrations.view_syncrun") and any(
            request.user.has_perm(f"integrations.change_{model}")
            for model in ("zohocredential", "woocommercestore", "shopifystore")
        )

    def sync_zoho_view(self, request: HttpRequest) -> HttpResponse:
        """The 'Sync Zoho' top-menu page: pick the tenant (if several) and start a full sync."""
        connections = list(
            ZohoCredential.objects.filter(tenant__in=allowed_tenants(request), is_active=True)
            .select_related("tenant")
            .order_by("tenant__name")
        )
        if request.method == "POST":
            chosen = next(
                (c for c in connections if str(c.pk) == request.POST.get("connection")), None
            )
            if chosen is None:
                messages.error(request, "Choose one of your tenants' Zoho connections.")
                return HttpResponseRedirect(request.path)
            result = trigger_sync(
                tenant=chosen.tenant,
                provider=Provider.ZOHO,
                connection_id=chosen.pk,
                trigger=SyncTrigger.ADMIN,
                mode=SyncMode.FULL,
                actor=actor_for_user(request.user),
            )
            announce(request, result)
            return HttpResponseRedirect(
                reverse("admin:integrations_syncrun_change", args=[result.run.pk])
            )
        context = {
            **self.admin_site.each_context(request),
            "title": "Sync Zoho Inventory",
            "connections": connections,
            "provider_label": "Zoho Inventory",
            "add_url": reverse("admin:integrations_zohocredential_add"),
        }
        return TemplateResponse(request, "admin/integrations/start_sync.html", context)


WEBHOOK_URL_NAMES = {
    Provider.WOOCOMMERCE: "woo-store-webhook",
    Provider.SHOPIFY: "shopify-store-webhook",
}


class ConnectionAdmin(TenantScopedAdmin):
    """What every pull connection's admin offers: last run, next scheduled sync, Sync now
    (full or incremental) and Test connection, as buttons on its page and as list actions."""

    provider: str = ""
    actions = ("run_connection_test", "sync_now")
    change_form_template = "admin/integrations/connection_change_form.html"

    class Media:
        js = ("dashboard/copy.js",)

    def _url_name(self, action: str) -> str:
        return f"{self.opts.app_label}_{self.opts.model_name}_{action}"

    def get_urls(self) -> list[Any]:
        return [
            path(
                "<int:object_id>/sync-now/",
                self.admin_site.admin_view(require_POST(self.sync_now_view)),
                name=self._url_name("sync_now"),
            ),
            path(
                "<int:object_id>/test-connection/",
                self.admin_site.admin_view(require_POST(self.test_connection_view)),
                name=self._url_name("test_connection"),
            ),
            *super().get_urls(),
        ]

    def _connection_or_404(self, request: HttpRequest, object_id: int) -> Any:
        connection = self.get_queryset(request).filter(pk=object_id).first()
        if connection is None or not self.has_change_permission(request, connection):
            raise Http404("No such connection.")
        return connection

    def sync_now_view(self, request: HttpRequest, object_id: int) -> HttpResponse:
        """Start a full or incremental sync and open its run page."""
        connection = self._connection_or_404(request, object_id)
        mode = request.POST.get("mode", SyncMode.FULL)
        if mode not in (SyncMode.FULL, SyncMode.INCREMENTAL):
            messages.error(request, "Choose a full or an incremental sync.")
        elif not connection.is_active:
            messages.error(request, f"{connection} is inactive; activate it first.")
        else:
            result = trigger_sync(
                tenant=connection.tenant,
                provider=self.provider,
                connection_id=connection.pk,
                trigger=SyncTrigger.ADMIN,
                mode=mode,
                actor=actor_for_user(request.user),
            )
            announce(request, result)
            return HttpResponseRedirect(
                reverse("admin:integrations_syncrun_change", args=[result.run.pk])
            )
        return HttpResponseRedirect(
            reverse(f"admin:{self.opts.app_label}_{self.opts.model_name}_change", args=[object_id])
        )

    def test_connection_view(self, request: HttpRequest, object_id: int) -> HttpResponse:
        connection = self._connection_or_404(request, object_id)
        ok, message = PROVIDERS[self.provider].check(connection)
        self.message_user(
            request, f"{connection}: {message}", messages.SUCCESS if ok else messages.ERROR
        )
        return HttpResponseRedirect(
            reverse(f"admin:{self.opts.app_label}_{self.opts.model_name}_change", args=[object_id])
        )

    def change_view(
        self,
        request: HttpRequest,
        object_id: str,
        form_url: str = "",
        extra_context: dict[str, Any] | None = None,
    ) -> HttpResponse:
        connection = self.get_queryset(request).filter(pk=object_id).first()
        context: dict[str, Any] = {**(extra_context or {})}
        if connection is not None:
            upcoming = next_scheduled_sync(provider=self.provider, now=timezone.now())
            url_name = WEBHOOK_URL_NAMES.get(self.provider)
            context["connection_panel"] = {
                "sync_url": reverse(f"admin:{self._url_name('sync_now')}", args=[connection.pk]),
                "test_url": reverse(
                    f"admin:{self._url_name('test_connection')}", args=[connection.pk]
                ),
                "is_active": connection.is_active,
                "next_run": upcoming[0] if upcoming and connection.is_active else None,
                "next_mode": upcoming[1] if upcoming else "",
                "last_run": SyncRun.objects.filter(
                    provider=self.provider, connection_id=connection.pk
                ).first(),
                "webhook_url": request.build_absolute_uri(
                    reverse(url_name, kwargs={"store_id": connection.pk})
                )
                if url_name
                else "",
            }
        return super().change_view(request, object_id, form_url, context)

    def get_queryset(self, request: HttpRequest) -> QuerySet[Any]:
        return with_last_run(super().get_queryset(request), provider=self.provider)

    @admin.display(description="Last run")
    def last_run(self, obj: Any) -> str:
        pk = getattr(obj, "last_run_pk", None)
        if pk is None:
            return "never"  # never ran, or a form's unsaved object
        link = reverse("admin:integrations_syncrun_change", args=[pk])
        return format_html(
            '<a href="{}">#{} {}</a>', link, pk, SyncStatus(obj.last_run_status).label
        )

    @admin.action(description="Test connection")
    def run_connection_test(self, request: HttpRequest, queryset: QuerySet[Any]) -> None:
        for connection in queryset.select_related("tenant"):
            ok, message = PROVIDERS[self.provider].check(connection)
            self.message_user(
                request, f"{connection}: {message}", messages.SUCCESS if ok else messages.ERROR
            )

    @admin.action(description="Sync now (full)")
    def sync_now(self, request: HttpRequest, queryset: QuerySet[Any]) -> None:
        for connection in queryset.select_related("tenant"):
            if not connection.is_active:
                messages.error(request, f"{connection} is inactive; activate it first.")
                continue
            announce(
                request,
                trigger_sync(
                    tenant=connection.tenant,
                    provider=self.provider,
                    connection_id=connection.pk,
                    trigger=SyncTrigger.ADMIN,
                    mode=SyncMode.FULL,
                    actor=actor_for_user(request.user),
                ),
            )

    def delete_view(
        self, request: HttpRequest, object_id: str, extra_context: dict[str, Any] | None = None
    ) -> HttpResponse:
        connection = self.get_object(request, object_id)
        if connection is not None:
            count = Product.objects.filter(external_connection=connection.connection_key).count()
            if count:
                messages.warning(
                    request,
                    f"{count} products came from this connection. Deleting it stops "
                    "their updates; the products themselves are kept.",
                )
        return super().delete_view(request, object_id, extra_context)


class ZohoCredentialForm(SecretFieldsForm):
    secret_fields = ("client_secret", "refresh_token")

    class Meta:
        model = ZohoCredential
        fields = (
            "tenant",
            "client_id",
            "client_secret",
            "refresh_token",
            "organization_id",
            "data_centre",
            "currency",
            "scope",
            "api_domain",
            "accounts_url",
            "is_active",
        )


@admin.register(ZohoCredential)
class ZohoCredentialAdmin(ConnectionAdmin):
    provider = Provider.ZOHO
    form = ZohoCredentialForm
    list_display = (
        "tenant",
        "organization_id",
        "data_centre",
        "token_state",
        "secret",
        "status",
        "last_run",
        "is_active",
    )
    list_select_related = ("tenant",)
    readonly_fields = (
        "token_state",
        "secret",
        "refresh",
        "expires_at",
        "status",
        "status_message",
        "last_run",
    )

    @admin.display(description="Token")
    def token_state(self, obj: ZohoCredential) -> str:
        colour = {"Valid": "#2e7d32", "Expired": "#ef6c00"}.get(obj.token_status, "#757575")
        return format_html('<b style="color:{}">{}</b>', colour, obj.token_status)

    @admin.display(description="Stored client secret")
    def secret(self, obj: ZohoCredential) -> str:
        return mask(obj.client_secret)

    @admin.display(description="Stored refresh token")
    def refresh(self, obj: ZohoCredential) -> str:
        return mask(obj.refresh_token)

    def save_model(
        self, request: HttpRequest, obj: ZohoCredential, form: ZohoCredentialForm, change: bool
    ) -> None:
        if change and "refresh_token" in form.changed_secrets():
            obj.access_token, obj.expires_at, obj.status, obj.status_message = "", None, "ok", ""
        super().save_model(request, obj, form, change)


class OptionalWebhookSecretForm(SecretFieldsForm):
    """The webhook secret is only needed for native webhooks, so it may stay empty."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["webhook_secret"].required = False
        self.fields["webhook_secret"].help_text = (
            "Secret of the store's native webhooks (see docs/webhooks.md). "
            + self.fields["webhook_secret"].help_text
        )


class WooCommerceStoreForm(OptionalWebhookSecretForm):
    secret_fields = ("consumer_key", "consumer_secret", "webhook_secret")

    class Meta:
        model = WooCommerceStore
        fields = (
            "tenant",
            "name",
            "store_url",
            "consumer_key",
            "consumer_secret",
            "query_string_auth",
            "verify_ssl",
            "currency",
            "webhook_secret",
            "is_active",
        )


@admin.register(WooCommerceStore)
class WooCommerceStoreAdmin(ConnectionAdmin):
    provider = Provider.WOOCOMMERCE
    form = WooCommerceStoreForm
    list_display = ("name", "tenant", "store_url", "key", "currency", "last_run", "is_active")
    list_select_related = ("tenant",)
    readonly_fields = ("key", "last_run")

    @admin.display(description="Stored consumer key")
    def key(self, obj: WooCommerceStore) -> str:
        return mask(obj.consumer_key)

    def save_model(self, request: HttpRequest, obj: Any, form: Any, change: bool) -> None:
        """Save, and say plainly when the store is on plain HTTP."""
        super().save_model(request, obj, form, change)
        if not obj.uses_https:
            messages.warning(request, obj.HTTP_WARNING)


class ShopifyStoreForm(OptionalWebhookSecretForm):
    secret_fields = ("access_token", "webhook_secret")

    class Meta:
        model = ShopifyStore
        fields = (
            "tenant",
            "shop_domain",
            "access_token",
            "api_version",
            "currency",
            "webhook_secret",
            "is_active",
        )


@admin.register(ShopifyStore)
class ShopifyStoreAdmin(ConnectionAdmin):
    provider = Provider.SHOPIFY
    form = ShopifyStoreForm
    list_display = (
        "shop_domain",
        "tenant",
        "api_version",
        "token",
        "currency",
        "last_run",
        "is_active",
    )
    list_select_related = ("tenant",)
    readonly_fields = ("token", "last_run")

    @admin.display(description="Stored access token")
    def token(self, obj: ShopifyStore) -> str:
        return mask(obj.access_token)


BaseProductAdmin = type(admin.site._registry[Product])


def _connection_pk(connection_key: str) -> int | None:
    """`zoho:3` → 3; a key without a number names no connection."""
    number = connection_key.partition(":")[2]
    return int(number) if number.isdigit() else None


class IntegrationProductAdmin(BaseProductAdmin):  # type: ignore[misc, valid-type]
    """Adds the selective Zoho pull to the product list."""

    actions = (*BaseProductAdmin.actions, "sync_selected_from_zoho")

    @admin.action(description="Sync selected items from Zoho")
    def sync_selected_from_zoho(self, request: HttpRequest, queryset: QuerySet[Product]) -> None:
        zoho = queryset.filter(external_source=ExternalSource.ZOHO).select_related("tenant")
        skipped = queryset.count() - zoho.count()
        by_connection: dict[tuple[Any, str], list[str]] = {}
        for product in zoho:
            key = (product.tenant, product.external_connection)
            by_connection.setdefault(key, []).append(product.external_id)
        for (tenant, connection_key), item_ids in by_connection.items():
            # Each item goes back to the credential it came from (its key's connection).
            credential = ZohoCredential.objects.filter(
                tenant=tenant, is_active=True, pk=_connection_pk(connection_key)
            ).first()
            if credential is None:
                messages.error(
                    request, f"{tenant}: the Zoho connection of these items is gone or inactive."
                )
                continue
            announce(
                request,
                trigger_sync(
                    tenant=tenant,
                    provider=Provider.ZOHO,
                    connection_id=credential.pk,
                    trigger=SyncTrigger.ADMIN,
                    mode=SyncMode.SELECTED,
                    selected_ids=item_ids,
                    actor=actor_for_user(request.user),
                ),
            )
        if skipped:
            messages.warning(
                request, f"{skipped} selected product(s) did not come from Zoho and were skipped."
            )


admin.site.unregister(Product)
admin.site.register(Product, IntegrationProductAdmin)

# Tokens, plugin events and store deliveries register their admins in their own module.
from integrations.webhooks import admin as webhook_admin  # noqa: E402, F401
