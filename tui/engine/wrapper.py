"""loopbeat's ASGI wrapper around the target's application.

A request loopbeat sends carries, in its scope's ``extensions``, the
``RequestRecorder`` to fill: the wrapper makes it the current one for
everything that serves the request (``tui.engine.record.CURRENT``), notes
which view the path resolves to and where that view will run, and calls the
project's application exactly as an ASGI server would. Requests without it
pass straight through. The lifespan protocol, which Django cannot host
(``ASGIHandler`` raises for anything but ``http``), is answered here.
"""

import asyncio
import threading
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any

from tui.engine.record import CURRENT, RequestRecorder

EXTENSION = "loopbeat"
"""The key under ``scope["extensions"]`` that carries a request's recorder."""
PING_PATH = "/__loopbeat__/ping"
"""Answered here, not by the project, for a target without a trivial view
of its own to ping: the latency another request feels before Django."""
CONTROL_PATH = "/__loopbeat__/control"
"""Answered here after ``await asyncio.sleep(CONTROL_WAIT)``: the noise
check's control case, which must keep the loop beating on any project."""
CONTROL_WAIT = 0.1
_OWN_PATHS = (PING_PATH, CONTROL_PATH)
VIEWS_KEPT = 1024
"""Paths whose view is remembered (a typed path per request at most)."""

Scope = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[MutableMapping[str, Any]]]
Send = Callable[[MutableMapping[str, Any]], Awaitable[None]]


def recorder_of(scope: Scope) -> RequestRecorder | None:
    """The recorder a request carries, if loopbeat sent it."""
    extension = (scope.get("extensions") or {}).get(EXTENSION)
    return extension if isinstance(extension, RequestRecorder) else None


def resolved_view(path: str) -> Any:
    """The view ``path`` resolves to in the project's URLconf, or None."""
    from django.urls import Resolver404, resolve

    try:
        return resolve(path).func
    except Resolver404:
        return None
    except Exception:  # a broken URLconf is the request's to report
        return None


def is_async_view(view: Any) -> bool:
    """Whether Django runs ``view`` on the loop (an async def, or async CBV).

    The same test Django's handler applies (``asgiref.sync.iscoroutinefunction``,
    which also sees the mark ``View.as_view`` puts on an async class's view).
    """
    from asgiref.sync import iscoroutinefunction

    view_class = getattr(view, "view_class", None)
    return iscoroutinefunction(view) or bool(
        getattr(view_class, "view_is_async", False)
    )


class RecordingApp:
    """The target's ASGI application, with each loopbeat request recorded.

    Args:
        app: The project's ASGI application.
    """

    def __init__(self, app: Any) -> None:
        self.app = app
        self._views: dict[str, tuple[Any, bool]] = {}
        """What each path resolved to, and whether its view is async: the
        URLconf does not change during a session, and resolving it again
        for every request would be loop time every request pays."""

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "lifespan":
            await _answer_lifespan(receive, send)
            return
        if scope.get("path") in _OWN_PATHS and EXTENSION in (
            scope.get("extensions") or {}
        ):
            await _answer_own(scope["path"], send)
            return
        recorder = recorder_of(scope)
        if recorder is None:
            await self.app(scope, receive, send)
            return
        view, on_the_loop = self._view(scope.get("path", "/"))
        if view is not None:
            if on_the_loop:
                # An async view's own code runs in the request's task, here.
                recorder.view_ran_on(threading.current_thread().name)
            else:
                recorder.view = view
        token = CURRENT.set(recorder)
        try:
            await self.app(scope, receive, send)
        finally:
            CURRENT.reset(token)

    def _view(self, path: str) -> tuple[Any, bool]:
        known = self._views.get(path)
        if known is None:
            view = resolved_view(path)
            known = (view, view is not None and is_async_view(view))
            _bounded_put(self._views, path, known, VIEWS_KEPT)
        return known


def _bounded_put(cache: dict[str, Any], key: str, value: Any, most: int) -> None:
    if len(cache) >= most:
        del cache[next(iter(cache))]
    cache[key] = value


async def _answer_own(path: str, send: Send) -> None:
    """loopbeat's own two paths, answered without the project."""
    if path == CONTROL_PATH:
        await asyncio.sleep(CONTROL_WAIT)
    await send({"type": "http.response.start", "status": 204, "headers": []})
    await send({"type": "http.response.body", "body": b""})


async def _answer_lifespan(receive: Receive, send: Send) -> None:
    while True:
        message = await receive()
        if message["type"] == "lifespan.startup":
            await send({"type": "lifespan.startup.complete"})
        elif message["type"] == "lifespan.shutdown":
            await send({"type": "lifespan.shutdown.complete"})
            return
