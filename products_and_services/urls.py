from rest_framework.routers import SimpleRouter

from products_and_services.api import ProductViewSet

router = SimpleRouter(trailing_slash="/?")
router.register("products", ProductViewSet, basename="product")

urlpatterns = router.urls
