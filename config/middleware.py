"""Request guards that must run before any view reads the body, and the admin's language."""

from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.utils import translation

API_PREFIXES = ("/v1/", "/api/")


class ApiBodySizeLimitMiddleware:
    """Answer 413 with a JSON body for API and webhook requests over the size limit.

    The check uses Content-Length, so an oversized body is refused before it is read.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.path.startswith(API_PREFIXES):
            try:
                length = int(request.META.get("CONTENT_LENGTH") or 0)
            except ValueError:
                return JsonResponse({"detail": "Invalid Content-Length header."}, status=400)
            if length > settings.API_MAX_BODY_BYTES:
                return JsonResponse(
                    {
                        "detail": "Request body is too large.",
                        "max_bytes": settings.API_MAX_BODY_BYTES,
                    },
                    status=413,
                )
        return self.get_response(request)


class ApiJsonNotFoundMiddleware:
    """Answer unknown paths under /v1/ and /api/ with a JSON 404, as the API promises.

    Views of the API already answer JSON; this catches what no view handled (an unknown
    sync provider, a mistyped path), which Django would answer with an HTML page.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if (
            response.status_code == 404
            and request.path.startswith(API_PREFIXES)
            and not response.get("Content-Type", "").startswith("application/json")
        ):
            return JsonResponse({"detail": "Not found."}, status=404)
        return response


class AdminLanguageMiddleware:
    """The admin speaks each staff user's chosen language (English or Persian, right to left).

    Only admin pages are translated, and only for the request: the API and webhooks keep their
    English messages whatever a browser's Accept-Language says.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if not request.path.startswith("/admin/"):
            return self.get_response(request)
        from tenants.admin_language import session_language

        language = session_language(request)
        with translation.override(language):
            request.LANGUAGE_CODE = language
            response = self.get_response(request)
        response.headers.setdefault("Content-Language", language)
        return response
