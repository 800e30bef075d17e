"""Sync-run REST endpoints: read-only, scoped to the caller's tenant."""

from django.db.models import QuerySet
from drf_spectacular.utils import OpenApiExample, extend_schema, extend_schema_view
from rest_framework import serializers, viewsets

from integrations.models import SyncRun
from tenants.permissions import current_tenant
from tenants.scopes import CATALOG_READ


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
