"""Where loopbeat hooks into Django, asgiref and the drivers, for any project.

Every process-wide change the engine makes is here, installed and removed
together by ``EngineHooks`` (the monitor's own two, ``asyncio.Handle._run``
and the loop's selector, are ``tui.instrument.heartbeat``'s; ``tui.engine.patches``
lists them all):

* ``connection_created`` receiver: appends ``statement_hook`` to each new
  Django connection's ``execute_wrappers``, so every statement, on every
  backend, runs through it on the thread that runs the statement;
* ``got_request_exception`` receiver: notes what a view raised, and where;
* a filter on the ``django.request`` logger: a failure of a request loopbeat
  sent is reported by loopbeat, not printed over the screen;
* ``SyncToAsync.__call__`` and ``AsyncToSync.__call__``: every thread hop a
  request makes, with what it ran across;
* the drivers Django does not run (aiosqlite, psycopg's async side and
  server-side fetches): ``tui.engine.driver_hooks``.

All of them do nothing for work that no loopbeat request asked for: they
read the request's recorder from ``tui.engine.record.CURRENT``.
"""

import functools
import logging
import sys
import threading
import time
from collections.abc import Callable
from typing import Any
from weakref import WeakSet

from tui.engine.driver_hooks import install_driver_hooks
from tui.engine.record import (
    ASYNC_TO_SYNC,
    CURRENT,
    DJANGO,
    MIDDLEWARE,
    SYNC_TO_ASYNC,
    VIEW,
    Hop,
    RaisedError,
    RequestRecorder,
    Statement,
)
from tui.instrument.framenames import FrameNames


def statement_hook(
    execute: Callable[..., Any], sql: str, params: Any, many: bool, context: dict
) -> Any:
    """Django's ``execute_wrapper``: add the request's latency, note the thread.

    The simulated round trip is a sleep on the thread that runs the statement,
    which releases the GIL as waiting on a socket does; on a worker thread the
    loop goes on, and on the loop's own thread (the guard lifted) it blocks
    the loop, as a synchronous driver waiting for the network would.
    """
    recorder = CURRENT.get()
    if recorder is None:
        return execute(sql, params, many, context)
    started = time.perf_counter()
    if recorder.latency:
        time.sleep(recorder.latency)
    try:
        return execute(sql, params, many, context)
    finally:
        rowcount = getattr(context.get("cursor"), "rowcount", -1)
        recorder.statement(
            Statement(
                threading.current_thread().name,
                time.perf_counter() - started,
                recorder.latency,
                rowcount if isinstance(rowcount, int) and rowcount >= 0 else None,
            )
        )


DJANGOS_OWN_MODULES = ("django.core.", "django.utils.log")
"""Where the functions of Django's own request handling live."""


def describe_hop(kind: str, func: Any) -> Hop:
    """A hop running ``func``: ``SessionMiddleware.process_request``, whose it is.

    Django's own hops are its signals (``request_started``'s sync receivers
    are sent together, in one hop) and the response's ``close``; a method of
    an object with a ``get_response`` is a middleware's; the rest are the
    view's (the async ORM, ``sync_to_async``, a sync view). Said on the loop
    for every hop of every request: what a function is, once worked out, is
    remembered by its class or its code (a few per project).
    """
    while isinstance(func, functools.partial):
        func = func.func
    owner = getattr(func, "__self__", None)
    if owner is not None and not isinstance(owner, type(sys)):
        name = getattr(func, "__name__", None) or type(func).__name__
        kind_of_owner: Any = type(owner)
        caller, stage = _method_hop(kind_of_owner, name, hasattr(owner, "get_response"))
        return Hop(kind, caller, stage)
    code = getattr(func, "__code__", None)
    if code is not None and code.co_name == "sync_send":
        signal = _signal_sent_by(func)
        if signal is not None:
            return Hop(kind, signal, DJANGO)
    wrapped = getattr(func, "__wrapped__", None)
    if hasattr(wrapped, "get_response") and not isinstance(wrapped, type):
        # A sync-only middleware made Django adapt the stack: the whole of
        # it, from this outermost class down, runs across this one hop.
        caller = f"{type(wrapped).__name__} and below, adapted to sync"
        return Hop(kind, caller, MIDDLEWARE)
    caller, stage = _function_hop(func)
    return Hop(kind, caller, stage)


@functools.lru_cache(maxsize=512)
def _method_hop(owner: Any, name: str, has_get_response: bool) -> tuple[str, str]:
    classes = {cls.__name__ for cls in owner.__mro__}
    caller = f"{owner.__name__}.{name}"
    if "HttpResponseBase" in classes or "BaseHandler" in classes:
        return caller, DJANGO
    return caller, MIDDLEWARE if has_get_response else VIEW


def _function_hop(func: Any) -> tuple[str, str]:
    name = getattr(func, "__name__", None) or type(func).__name__
    caller = getattr(func, "__qualname__", name)
    # Django's handler calls its own functions across too: turning an
    # exception into a response, logging it.
    module = getattr(func, "__module__", "") or ""
    return caller, DJANGO if module.startswith(DJANGOS_OWN_MODULES) else VIEW


def _signal_sent_by(func: Any) -> str | None:
    """``request_started`` for the function ``Signal.asend`` runs receivers in."""
    if not getattr(func, "__qualname__", "").startswith("Signal."):
        return None
    names = _signal_names()
    for cell in getattr(func, "__closure__", None) or ():
        try:
            value = cell.cell_contents
        except ValueError:  # an empty cell
            continue
        name = names.get(id(value))
        if name is not None:
            return name
    return "a signal"


@functools.cache
def _signal_names() -> dict[int, str]:
    """Django's request and model signals by identity (they live for good)."""
    from django.core import signals as core_signals
    from django.db.models import signals as model_signals
    from django.dispatch import Signal

    return {
        id(signal): attribute
        for module in (core_signals, model_signals)
        for attribute, signal in vars(module).items()
        if isinstance(signal, Signal)
    }


class EngineHooks:
    """Installs and removes the engine's hooks; nothing else patches.

    Args:
        names: How a raised exception's frames are named and which are the
            project's, for where it was raised.
    """

    def __init__(self, names: FrameNames) -> None:
        self.names = names
        self._undo: list[Callable[[], None]] = []
        self._wrapped: WeakSet[Any] = WeakSet()

    @property
    def hooked_connections(self) -> list[Any]:
        """The Django connections ``statement_hook`` was added to (alive)."""
        return list(self._wrapped)

    @property
    def installed(self) -> bool:
        """Whether the hooks are in place."""
        return bool(self._undo)

    def install(self) -> None:
        """Put every hook in place (Django must be set up)."""
        if self._undo:
            raise RuntimeError("the engine's hooks are already installed")
        self._hook_django()
        self._hook_logging()
        self._hook_asgiref()
        self._undo.extend(install_driver_hooks())

    def uninstall(self) -> None:
        """Take every hook out again, in reverse order; safe to call twice."""
        while self._undo:
            self._undo.pop()()

    # --- Django ----------------------------------------------------------------

    def _hook_django(self) -> None:
        from django.core.signals import got_request_exception
        from django.db import connections
        from django.db.backends.signals import connection_created

        def connection_made(sender: Any, connection: Any, **kwargs: Any) -> None:
            if statement_hook not in connection.execute_wrappers:
                connection.execute_wrappers.append(statement_hook)
                self._wrapped.add(connection)

        def exception_raised(sender: Any, request: Any = None, **kwargs: Any) -> None:
            recorder = CURRENT.get()
            error = sys.exc_info()[1]
            if recorder is not None and error is not None:
                recorder.raised(self._raised(error))

        connection_created.connect(connection_made, weak=False)
        got_request_exception.connect(exception_raised, weak=False)
        for connection in connections.all(initialized_only=True):
            if connection.connection is not None:
                connection_made(None, connection)

        def undo() -> None:
            connection_created.disconnect(connection_made)
            got_request_exception.disconnect(exception_raised)
            for connection in list(self._wrapped):
                while statement_hook in connection.execute_wrappers:
                    connection.execute_wrappers.remove(statement_hook)

        self._undo.append(undo)

    def _raised(self, error: BaseException) -> RaisedError:
        where = None
        tb = error.__traceback__
        while tb is not None:
            path, project = self.names.describe(tb.tb_frame.f_code.co_filename)
            if project:
                where = f"{path}:{tb.tb_lineno} in {tb.tb_frame.f_code.co_name}"
            tb = tb.tb_next
        message = str(error).strip().splitlines()
        return RaisedError(type(error).__name__, message[0] if message else "", where)

    def _hook_logging(self) -> None:
        """Keep Django's request log quiet for the requests loopbeat sends.

        With ``DEBUG`` on, Django prints a traceback to the terminal for every
        request that failed: over the live screen, and into a CI log as if
        loopbeat had crashed. loopbeat reports those failures itself, as an
        error row with the exception's line and where; other requests' log
        lines are left as the project configured them.
        """
        logger = logging.getLogger("django.request")

        def not_loopbeats(record: logging.LogRecord) -> bool:
            return CURRENT.get() is None

        logger.addFilter(not_loopbeats)
        self._undo.append(lambda: logger.removeFilter(not_loopbeats))

    # --- asgiref ---------------------------------------------------------------

    def _hook_asgiref(self) -> None:
        from asgiref.sync import AsyncToSync, SyncToAsync

        sync_to_async_call: Any = SyncToAsync.__call__
        async_to_sync_call: Any = AsyncToSync.__call__

        @functools.wraps(sync_to_async_call)
        async def hop_to_a_thread(self: Any, *args: Any, **kwargs: Any) -> Any:
            recorder = CURRENT.get()
            if recorder is None:
                return await sync_to_async_call(self, *args, **kwargs)
            recorder.hop(describe_hop(SYNC_TO_ASYNC, self.func))
            if recorder.view is None or not _runs(self.func, recorder.view):
                return await sync_to_async_call(self, *args, **kwargs)
            # The view itself crosses here (a sync view under ASGI): note the
            # thread it runs on. The instance is this request's own.
            func = self.func
            self.func = _noting_the_thread(func, recorder)
            try:
                return await sync_to_async_call(self, *args, **kwargs)
            finally:
                self.func = func

        @functools.wraps(async_to_sync_call)
        def hop_to_the_loop(self: Any, *args: Any, **kwargs: Any) -> Any:
            recorder = CURRENT.get()
            if recorder is not None:
                recorder.hop(describe_hop(ASYNC_TO_SYNC, self.awaitable))
            return async_to_sync_call(self, *args, **kwargs)

        SyncToAsync.__call__ = hop_to_a_thread  # type: ignore[method-assign]
        AsyncToSync.__call__ = hop_to_the_loop  # type: ignore[method-assign]

        def undo() -> None:
            SyncToAsync.__call__ = sync_to_async_call  # type: ignore[method-assign]
            AsyncToSync.__call__ = async_to_sync_call  # type: ignore[method-assign]

        self._undo.append(undo)


def _runs(func: Any, view: Any) -> bool:
    """Whether ``func`` is ``view``, or wraps it (``make_view_atomic``)."""
    while func is not None:
        if func is view:
            return True
        func = getattr(func, "__wrapped__", None)
    return False


def _noting_the_thread(func: Any, recorder: RequestRecorder) -> Any:
    @functools.wraps(func)
    def noted(*args: Any, **kwargs: Any) -> Any:
        recorder.view_ran_on(threading.current_thread().name)
        return func(*args, **kwargs)

    return noted
