"""Turn any exception a view raises into a JSON error the client can show."""

from asgiref.sync import iscoroutinefunction, markcoroutinefunction
from django.http import HttpRequest, HttpResponse, JsonResponse


class JsonErrorMiddleware:
    """Answer failed requests with ``{"error": ...}`` instead of an HTML page.

    Sync- and async-capable, so it adds no thread hop to async views: Django
    only runs ``process_exception`` when a view has raised.
    """

    sync_capable = True
    async_capable = True

    def __init__(self, get_response) -> None:
        self.get_response = get_response
        if iscoroutinefunction(get_response):
            markcoroutinefunction(self)

    def __call__(self, request: HttpRequest):
        return self.get_response(request)

    def process_exception(
        self, request: HttpRequest, exception: Exception
    ) -> HttpResponse:
        return JsonResponse(
            {"error": f"{type(exception).__name__}: {exception}"}, status=500
        )
