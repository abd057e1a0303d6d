"""Every process-wide change loopbeat makes, listed, and a way to check them.

Each is installed and removed in one place, named here; ``process_state``
reads them all, so a test can hold the state before a session to the state
after it (``tests/test_patches.py``).

=====================================  =====================================
change                                 installed and removed by
=====================================  =====================================
``asyncio.events.Handle._run``         ``tui.instrument.owners.CallbackLedger``, with
                                       the monitor, while a run wants it
                                       (times every callback)
the loop's ``_selector``               ``tui.instrument.heartbeat.LoopMonitor`` (times
                                       every ``select()``)
``asgiref`` ``SyncToAsync.__call__``,  ``tui.engine.hooks.EngineHooks``, with
``AsyncToSync.__call__``               the bench (thread hops)
``aiosqlite`` ``Connection._connect``  ``tui.engine.driver_hooks``, with the
                                       hooks (statements on aiosqlite's
                                       threads)
``psycopg`` cursors' ``execute`` and   the same (psycopg's async statements,
fetches: ``AsyncCursor``,              and server-side fetches, each a round
``AsyncServerCursor``,                 trip)
``ServerCursor``; ``AsyncConnection``'s
``wait`` (a stream's statement)
a filter on ``django.request``'s log   the same (loopbeat reports the
                                       failures of its own requests)
Django's ``connection_created`` and    the same (every statement through
``got_request_exception`` receivers,   ``execute_wrapper``; a view's error)
each connection's ``execute_wrappers``
the loop's exception handler           ``AbandonedRequests``, with the bench
                                       (requests cut short at the end)
``gc.freeze()``                        ``tui.instrument.memory``, with the bench
the root logger's handlers             ``tui.ui.app.LoopbeatApp`` (the events
                                       panel), on mount and unmount
SIGTERM and SIGHUP handlers            the app, on the loop (quit cleanly)
Textual's ``Footer`` watchers          ``tui.ui.widgets.footer`` prunes what
                                       Textual leaves (its issue #6666)
=====================================  =====================================

Kept for the life of the process, on purpose: ``mallopt(M_ARENA_MAX)``
(``tui.instrument.memory``: arenas made meanwhile stay), Django's set-up with its
``DJANGO_SETTINGS_MODULE`` (Django cannot be set up twice), the project's
root on ``sys.path`` (its modules are imported by then), and the demo's
``LOOPBEAT_DATABASE_URL``.
"""

import asyncio
import gc
import logging
from collections.abc import Awaitable
from typing import Any, TypeVar

T = TypeVar("T")
ExceptionHandler = Any
"""What ``loop.get_exception_handler()`` returns: a callable or None."""
UNWIND_WITHIN = 0.5
"""Seconds the end of a session waits for abandoned requests to unwind."""


def drop_abandoned(loop: asyncio.AbstractEventLoop, context: dict) -> None:
    """An exception handler for a loop loopbeat owns (headless mode's), to
    its close: requests abandoned by Ctrl+C end with ``RequestAborted`` or a
    cancellation, which is no news then; every other error is reported.

    A driver cancelled mid-statement can outlast the bench (psycopg waits
    for the server to confirm the cancel), and its request's error would
    otherwise be printed as the loop closes.
    """
    from django.core.exceptions import RequestAborted

    error = context.get("exception")
    if isinstance(error, RequestAborted | asyncio.CancelledError):
        return
    loop.default_exception_handler(context)


async def owning_the_loop(work: Awaitable[T]) -> T:
    """``work``, on a loop whose errors go through ``drop_abandoned``:
    for ``asyncio.run`` in loopbeat's own headless modes."""
    asyncio.get_running_loop().set_exception_handler(drop_abandoned)
    return await work


class AbandonedRequests:
    """Keeps the errors of requests cut short at the end of a session quiet.

    A quit with runs in flight abandons their requests: Django's tasks for
    them end with ``RequestAborted`` or a cancellation, which is no news at
    that point, and would otherwise print "exception was never retrieved" on
    a terminal just restored. Every other error goes to the handler that was
    there before. Installed when the bench starts; removed when it stops,
    once the abandoned tasks have had the loop to finish on.
    """

    def __init__(self) -> None:
        self._loop: asyncio.AbstractEventLoop | None = None
        self._previous: ExceptionHandler = None

    def install(self) -> None:
        """Chain in front of the running loop's exception handler."""
        loop = asyncio.get_running_loop()
        self._loop, self._previous = loop, loop.get_exception_handler()
        loop.set_exception_handler(self._handle)

    async def uninstall(self) -> None:
        """Let abandoned requests finish, then put the previous handler back.

        Waits for Django's request tasks a moment (``UNWIND_WITHIN``): a
        cancelled driver can take a round trip to unwind (psycopg asks the
        server to cancel the statement), and its request's error must still
        find this handler.
        """
        loop = self._loop
        if loop is None:
            return
        for _ in range(3):  # their cancellations unwind over a few iterations
            await asyncio.sleep(0)
        current = asyncio.current_task()
        unwinding = [
            task
            for task in asyncio.all_tasks(loop)
            if task is not current
            and getattr(task.get_coro(), "__qualname__", "").startswith("ASGIHandler.")
        ]
        if unwinding:
            await asyncio.wait(unwinding, timeout=UNWIND_WITHIN)
        gc.collect()  # an unretrieved error is reported as its task is freed
        if loop.get_exception_handler() == self._handle:
            loop.set_exception_handler(self._previous)
        self._loop = None

    def _handle(self, loop: asyncio.AbstractEventLoop, context: dict) -> None:
        from django.core.exceptions import RequestAborted

        error = context.get("exception")
        if isinstance(error, RequestAborted | asyncio.CancelledError):
            return
        if self._previous is not None:
            self._previous(loop, context)
        else:
            loop.default_exception_handler(context)


def process_state(loop: asyncio.AbstractEventLoop | None = None) -> dict[str, Any]:
    """What every process-wide change touches, as it is now (for tests)."""
    import asyncio.events

    state: dict[str, Any] = {
        "Handle._run": asyncio.events.Handle._run,
        "gc.frozen": gc.get_freeze_count(),
        "root logger handlers": tuple(logging.getLogger().handlers),
        "django.request filters": tuple(logging.getLogger("django.request").filters),
    }
    if loop is not None:
        state["loop selector"] = type(getattr(loop, "_selector", None))
        state["loop exception handler"] = loop.get_exception_handler()
    try:
        from asgiref.sync import AsyncToSync, SyncToAsync

        state["SyncToAsync.__call__"] = SyncToAsync.__call__
        state["AsyncToSync.__call__"] = AsyncToSync.__call__
    except ImportError:  # pragma: no cover (Django brings asgiref)
        pass
    try:
        from aiosqlite.core import Connection

        state["aiosqlite Connection._connect"] = Connection._connect
    except ImportError:
        pass
    try:
        import psycopg

        for cursor in (psycopg.AsyncCursor, psycopg.AsyncServerCursor):
            for name in ("execute", "executemany", "fetchone", "fetchmany"):
                state[f"psycopg {cursor.__name__}.{name}"] = cursor.__dict__.get(name)
        state["psycopg ServerCursor.fetchmany"] = psycopg.ServerCursor.fetchmany
        state["psycopg AsyncConnection.wait"] = psycopg.AsyncConnection.wait
    except ImportError:
        pass
    try:
        from django.core.signals import got_request_exception
        from django.db import connections
        from django.db.backends.signals import connection_created

        state["connection_created receivers"] = len(connection_created.receivers)
        state["got_request_exception receivers"] = len(got_request_exception.receivers)
        state["execute_wrappers"] = tuple(
            len(c.execute_wrappers) for c in connections.all(initialized_only=True)
        )
    except ImportError:
        pass
    return state
