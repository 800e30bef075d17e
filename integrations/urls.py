from django.urls import re_path
from rest_framework.routers import SimpleRouter

from integrations.api import SyncRunViewSet, SyncTriggerView
from integrations.providers import PROVIDERS

router = SimpleRouter(trailing_slash="/?")
router.register("sync-runs", SyncRunViewSet, basename="sync-run")

urlpatterns = [
    *router.urls,
    *(
        re_path(
            rf"^sync/{provider}/?$",
            SyncTriggerView.as_view(provider=provider),
            name=f"sync-{provider}",
        )
        for provider in PROVIDERS
    ),
]
