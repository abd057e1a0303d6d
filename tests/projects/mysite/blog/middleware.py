"""The project's own middleware, as real projects write it."""

import time
import uuid

from django.utils.deprecation import MiddlewareMixin


class RequestIdMiddleware(MiddlewareMixin):
    """Tags each response with an id (Django's mixin: sync and async)."""

    def process_request(self, request):
        request.request_id = uuid.uuid4().hex

    def process_response(self, request, response):
        response["X-Request-Id"] = getattr(request, "request_id", "")
        return response


class LegacyTimingMiddleware:
    """Times each request, written the old way: sync only."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        started = time.perf_counter()
        response = self.get_response(request)
        response["X-Elapsed-Ms"] = f"{(time.perf_counter() - started) * 1000:.1f}"
        return response
