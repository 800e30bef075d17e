"""Sync-run REST endpoints: read-only, scoped to the caller's tenant."""

from collections.abc import Mapping

from django.db.models import QuerySet
from drf_spectacular.utils import (
    OpenApiExample,
    OpenApiResponse,
    extend_schema,
    extend_schema_view,
)
from rest_framework import serializers, status, viewsets
from rest_framework.exceptions import NotFound, ValidationError
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from common.serializer_fields import StrictIntegerField
from integrations.models import SyncMode, SyncRun, SyncTrigger
from integrations.providers import PROVIDERS
from integrations.triggers import trigger_sync
from tenants.permissions import current_tenant
from tenants.scopes import CATALOG_READ, INTEGRATIONS_MANAGE


class SyncRunSerializer(serializers.ModelSerializer):
    progress_percent = serializers.IntegerField(read_only=True)
    duration_seconds = serializers.SerializerMethodField()

    class Meta:
        model = SyncRun
        fields = (
            "id",
            "provider",
            "connection_id",
            "trigger",
            "mode",
            "status",
            "task_id",
            "created_at",
            "started_at",
            "finished_at",
            "duration_seconds",
            "total",
            "processed",
            "progress_percent",
            "created",
            "updated",
            "unchanged",
            "deactivated",
            "failed",
            "error_count",
            "errors",
            "message",
            "bookmark",
        )
        read_only_fields = fields

    def get_duration_seconds(self, run: SyncRun) -> float | None:
        if run.started_at is None:
            return None
        end = run.finished_at or run.heartbeat_at or run.started_at
        return round((end - run.started_at).total_seconds(), 3)


RUN_EXAMPLE = OpenApiExample(
    "A finished Zoho run",
    value={
        "id": 42,
        "provider": "zoho",
        "connection_id": 3,
        "trigger": "admin",
        "mode": "full",
        "status": "succeeded",
        "task_id": "5d0c1f3e-1b7a-4a43-9f0e-0c7b8a1d2e3f",
        "created_at": "2026-11-23T08:00:00Z",
        "started_at": "2026-11-23T08:00:01Z",
        "finished_at": "2026-11-23T08:00:09Z",
        "duration_seconds": 8.0,
        "total": 1000,
        "processed": 1000,
        "progress_percent": 100,
        "created": 10,
        "updated": 3,
        "unchanged": 987,
        "deactivated": 1,
        "failed": 0,
        "error_count": 0,
        "errors": [],
        "message": "",
        "bookmark": "2026-11-23T07:59:58+00:00",
    },
    response_only=True,
)


@extend_schema_view(
    list=extend_schema(summary="List sync runs", tags=["sync"], examples=[RUN_EXAMPLE]),
    retrieve=extend_schema(
        summary="Get a sync run (poll it for progress)", tags=["sync"], examples=[RUN_EXAMPLE]
    ),
)
class SyncRunViewSet(viewsets.ReadOnlyModelViewSet):
    """Pull runs of the caller's tenant, newest first; another tenant's run answers 404."""

    serializer_class = SyncRunSerializer
    filterset_fields = ("provider", "status", "mode", "trigger")
    ordering_fields = ("created_at",)
    ordering = ("-created_at",)
    read_scope = CATALOG_READ

    def get_queryset(self) -> QuerySet[SyncRun]:
        if getattr(self, "swagger_fake_view", False):
            return SyncRun.objects.none()
        return SyncRun.objects.filter(tenant=current_tenant(self.request).tenant)


class SyncTriggerRequest(serializers.Serializer):
    connection_id = StrictIntegerField(
        required=False, min_value=1, help_text="Which connection; optional when the tenant has one."
    )
    mode = serializers.ChoiceField(
        choices=[SyncMode.FULL, SyncMode.INCREMENTAL], default=SyncMode.FULL
    )


class SyncTriggerResponse(serializers.Serializer):
    status = serializers.ChoiceField(
        choices=["accepted", "already_running"],
        help_text="accepted (202): a new run was queued; already_running (409): the run in "
        "progress for this connection, whose ids follow.",
    )
    message = serializers.CharField()
    task_id = serializers.CharField()
    sync_run_id = serializers.IntegerField()
    organization_id = serializers.CharField(required=False)


class SyncTriggerView(APIView):
    """Start a pull for one of the tenant's connections; answers 202 at once.

    A connection runs one pull at a time: when one is queued, running or waiting to retry,
    the answer is 409 with that run's id and task id (poll it like a new one).
    """

    required_scope = INTEGRATIONS_MANAGE
    provider: str = ""

    @extend_schema(
        request=SyncTriggerRequest,
        responses={
            202: SyncTriggerResponse,
            409: SyncTriggerResponse,
            404: OpenApiResponse(description="No connection with that id in your tenant."),
        },
        tags=["sync"],
        examples=[
            OpenApiExample("Full sync", value={"mode": "full"}, request_only=True),
            OpenApiExample(
                "Accepted",
                value={
                    "status": "accepted",
                    "message": "Zoho Inventory sync has been scheduled",
                    "task_id": "5d0c1f3e-1b7a-4a43-9f0e-0c7b8a1d2e3f",
                    "sync_run_id": 42,
                    "organization_id": "60001234",
                },
                response_only=True,
                status_codes=["202"],
            ),
            OpenApiExample(
                "Already in progress",
                value={
                    "status": "already_running",
                    "message": "A Zoho Inventory sync is already in progress",
                    "task_id": "5d0c1f3e-1b7a-4a43-9f0e-0c7b8a1d2e3f",
                    "sync_run_id": 43,
                    "organization_id": "60001234",
                },
                response_only=True,
                status_codes=["409"],
            ),
        ],
    )
    def post(self, request: Request) -> Response:
        principal = current_tenant(request)
        if not isinstance(request.data, Mapping):
            raise ValidationError({"detail": "The body must be a JSON object (or empty)."})
        body = SyncTriggerRequest(data=request.data)
        body.is_valid(raise_exception=True)
        spec = PROVIDERS[self.provider]
        connections = spec.connection_model.objects.filter(tenant=principal.tenant)
        connection_id = body.validated_data.get("connection_id")
        if connection_id is not None:
            connection = connections.filter(pk=connection_id).first()
            if connection is None:
                raise NotFound(f"No {spec.label} connection {connection_id} in your tenant.")
        else:
            active = list(connections.filter(is_active=True)[:2])
            if not active:
                raise ValidationError(
                    {"detail": f"No {spec.label} integration is configured for this tenant."}
                )
            if len(active) > 1:
                raise ValidationError({"connection_id": ["Several connections exist; choose one."]})
            connection = active[0]
        if not connection.is_active:
            raise ValidationError(
                {"connection_id": [f"{spec.label} connection {connection.pk} is inactive."]}
            )
        identity = spec.identity(connection)
        result = trigger_sync(
            tenant=principal.tenant,
            provider=self.provider,
            connection_id=connection.pk,
            trigger=SyncTrigger.API,
            mode=body.validated_data["mode"],
            actor=principal.actor,
            audit_metadata=identity,
        )
        if result.created:
            state, message, code = (
                "accepted",
                f"{spec.label} sync has been scheduled",
                status.HTTP_202_ACCEPTED,
            )
        else:
            state, message, code = (
                "already_running",
                f"A {spec.label} sync is already in progress",
                status.HTTP_409_CONFLICT,
            )
        payload = {
            "status": state,
            "message": message,
            "task_id": result.task_id,
            "sync_run_id": result.run.pk,
            **identity,
        }
        return Response(payload, status=code)
