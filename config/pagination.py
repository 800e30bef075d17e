"""Pagination shared by every list endpoint."""

from rest_framework.pagination import PageNumberPagination


class StandardPagination(PageNumberPagination):
    """Page-number pagination; clients pick a page size up to a hard cap."""

    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 500
