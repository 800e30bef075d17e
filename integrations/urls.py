from rest_framework.routers import SimpleRouter

from integrations.api import SyncRunViewSet

router = SimpleRouter(trailing_slash="/?")
router.register("sync-runs", SyncRunViewSet, basename="sync-run")

urlpatterns = router.urls
