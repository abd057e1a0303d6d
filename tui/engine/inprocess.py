"""Call an ASGI application in-process: a real HTTP request, without a socket."""

import asyncio
import json
import time
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit


@dataclass(frozen=True)
class AsgiResponse:
    """What the application answered."""

    status: int
    body: bytes
    received: float
    """When the last byte of the body arrived (``time.perf_counter``): what the
    client waited for, before Django's own clean-up after the response."""
    location: str | None = None
    """The ``Location`` a redirect points to."""

    def json(self) -> Any:
        """The body decoded as JSON (``{}`` if it is not JSON)."""
        try:
            return json.loads(self.body)
        except ValueError:
            return {}


async def get(
    app: Any,
    url: str,
    headers: Mapping[str, str] | None = None,
    *,
    host: str = "localhost",
    method: str = "GET",
    extensions: Mapping[str, Any] | None = None,
) -> AsgiResponse:
    """Send ``method url`` (path plus optional query) to ``app``; collect the answer.

    ``headers`` are sent besides ``Host`` (one the project's ``ALLOWED_HOSTS``
    accepts); names are lower-cased as ASGI wants. ``extensions`` go into the
    scope's ``extensions``, where loopbeat's wrapper finds a request's recorder.

    The request body is sent at once; ``http.disconnect`` is only reported
    after the response has ended, because Django cancels a view whose client
    has gone away.
    """
    parts = urlsplit(url)
    scope = {
        "type": "http",
        "asgi": {"version": "3.0", "spec_version": "2.3"},
        "http_version": "1.1",
        "method": method,
        "scheme": "http",
        "path": parts.path,
        "raw_path": parts.path.encode(),
        "query_string": parts.query.encode(),
        "root_path": "",
        "headers": [
            (b"host", host.encode("idna")),
            *((k.lower().encode(), v.encode()) for k, v in (headers or {}).items()),
        ],
        "client": ("127.0.0.1", 0),
        "server": (host, 80),
        "extensions": dict(extensions or {}),
    }
    finished = asyncio.Event()
    request_sent = False
    status = 0
    received = 0.0
    location: str | None = None
    chunks: list[bytes] = []

    async def receive() -> dict:
        nonlocal request_sent
        if not request_sent:
            request_sent = True
            return {"type": "http.request", "body": b"", "more_body": False}
        await finished.wait()
        return {"type": "http.disconnect"}

    async def send(message: dict) -> None:
        nonlocal status, received, location
        if message["type"] == "http.response.start":
            status = message["status"]
            for name, value in message.get("headers", ()):
                if bytes(name).lower() == b"location":
                    location = bytes(value).decode("latin-1")
        elif message["type"] == "http.response.body":
            chunks.append(message.get("body", b""))
            if not message.get("more_body", False):
                received = time.perf_counter()
                finished.set()

    try:
        await app(scope, receive, send)
    finally:
        finished.set()
    ended = received or time.perf_counter()
    return AsgiResponse(status, b"".join(chunks), ended, location)
