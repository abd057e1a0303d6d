"""Request-level plumbing: per-request simulated latency, and errors as JSON."""

import math
from collections.abc import Callable
from typing import Any

from asgiref.sync import iscoroutinefunction, markcoroutinefunction
from django.http import HttpRequest, HttpResponse, JsonResponse

from demoapp import netsim


class _BothModes:
    """Sync- and async-capable, so it adds no thread hop to async views."""

    sync_capable = True
    async_capable = True

    def __init__(self, get_response: Callable[..., Any]) -> None:
        self.get_response = get_response
        self.is_async = iscoroutinefunction(get_response)
        if self.is_async:
            markcoroutinefunction(self)

    def __call__(self, request: HttpRequest) -> Any:
        raise NotImplementedError


class SimulatedLatencyMiddleware(_BothModes):
    """Run the request with the latency its ``X-Loopbeat-Latency-Ms`` header asks.

    The latency travels with the request, not through a process-wide setting:
    two runs in flight with different latencies each get their own. A header
    that is not a duration is answered with 400.
    """

    def __call__(self, request: HttpRequest) -> Any:
        raw = request.headers.get(netsim.LATENCY_HEADER, "0")
        try:
            latency_ms = float(raw)
        except ValueError:
            latency_ms = math.nan
        if not math.isfinite(latency_ms) or latency_ms < 0:
            return self._refuse(f"{netsim.LATENCY_HEADER}: {raw!r} is not a duration")
        if self.is_async:
            return self._call_async(request, latency_ms)
        with netsim.simulated_latency(latency_ms):
            return self.get_response(request)

    async def _call_async(self, request: HttpRequest, latency_ms: float) -> Any:
        with netsim.simulated_latency(latency_ms):
            return await self.get_response(request)

    def _refuse(self, message: str) -> Any:
        response = JsonResponse({"error": message}, status=400)
        if not self.is_async:
            return response

        async def answer() -> HttpResponse:
            return response

        return answer()


class JsonErrorMiddleware(_BothModes):
    """Answer failed requests with ``{"error": ...}`` instead of an HTML page.

    Django only runs ``process_exception`` when a view has raised.
    """

    def __call__(self, request: HttpRequest) -> Any:
        return self.get_response(request)

    def process_exception(
        self, request: HttpRequest, exception: Exception
    ) -> HttpResponse:
        return JsonResponse(
            {"error": f"{type(exception).__name__}: {exception}"}, status=500
        )
