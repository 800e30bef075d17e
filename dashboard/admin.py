"""Celery's own tables (beat schedules, task results) are for operators: superusers only.

Merchant staff never see them in the sidebar or the dashboard, whatever permissions a group
grants by mistake.
"""

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

INTERNAL_APPS = ("django_celery_beat", "django_celery_results")


class SuperusersOnly:
    def has_module_permission(self, request: HttpRequest) -> bool:
        return request.user.is_active and request.user.is_superuser

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return request.user.is_active and request.user.is_superuser

    def has_add_permission(self, request: HttpRequest, *args: Any) -> bool:
        return request.user.is_active and request.user.is_superuser

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return request.user.is_active and request.user.is_superuser

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return request.user.is_active and request.user.is_superuser


for model, model_admin in list(admin.site._registry.items()):
    if model._meta.app_label in INTERNAL_APPS:
        admin_class = type(model_admin)
        admin.site.unregister(model)
        admin.site.register(
            model, type(f"SuperusersOnly{admin_class.__name__}", (SuperusersOnly, admin_class), {})
        )
