from django.urls import re_path

from knowledge.api import CatalogSearchView

urlpatterns = [re_path(r"^search/?$", CatalogSearchView.as_view(), name="catalog-search")]
