"""Simulated network latency and a per-request record of who ran each query.

One SQLite trace callback is installed on every connection, Django's (through
the ``connection_created`` signal) and aiosqlite's (``open_native``). SQLite
calls it as each statement starts running, inside ``sqlite3_step`` and so on
the thread that executes the query. There it

* sleeps for the simulated round trip, which turns the local file into a
  "remote" database whose waiting is I/O: ``time.sleep`` releases the GIL,
  just as a socket read would; and
* notes the thread's name in the current request's ``StatementLog``.

A trace callback rather than a SQL function called from the query: it fires
for every statement, lazy foreign-key loads of an N+1 included, without
changing the SQL that the views show on screen.
"""

import contextvars
import functools
import math
import threading
import time
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager, contextmanager
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from typing import Any

import aiosqlite
from asgiref.sync import SyncToAsync

LATENCY_HEADER = "X-Loopbeat-Latency-Ms"
"""The request header that carries a request's simulated latency, in ms."""

# Per request, not per process: several runs with different latencies can be
# in flight at once. asgiref's sync_to_async runs the sync function inside a
# copy of the caller's context, so a value set for the request (by
# ``SimulatedLatencyMiddleware``) is seen on whichever worker thread runs its
# queries; aiosqlite's threads do not share it, so ``open_native`` binds it.
_latency_seconds: contextvars.ContextVar[float] = contextvars.ContextVar(
    "loopbeat_latency_seconds", default=0.0
)


@contextmanager
def simulated_latency(milliseconds: float) -> Iterator[None]:
    """Add ``milliseconds`` to every statement run in this context.

    Raises:
        ValueError: for a negative or non-finite value. The upper bound is
            the client's to enforce (``tui.runs``): the server only refuses
            what cannot be a duration.
    """
    if not math.isfinite(milliseconds) or milliseconds < 0:
        raise ValueError(f"latency must be a duration in ms, not {milliseconds}")
    token = _latency_seconds.set(milliseconds / 1000)
    try:
        yield
    finally:
        _latency_seconds.reset(token)


def current_latency_ms() -> float:
    """The simulated round trip in force in this context, in milliseconds."""
    return _latency_seconds.get() * 1000


@dataclass
class StatementLog:
    """The statements one request ran: how many, on which threads, and how
    many ``sync_to_async`` hops the view made to get them."""

    count: int = 0
    threads: list[str] = field(default_factory=list)
    hops: int = 0

    def note(self, thread_name: str) -> None:
        self.count += 1
        if thread_name not in self.threads:
            self.threads.append(thread_name)


# asgiref's sync_to_async runs the sync function inside a copy of the caller's
# context, so a log set in an async view is seen by the worker thread too.
_current_log: contextvars.ContextVar[StatementLog | None] = contextvars.ContextVar(
    "loopbeat_statement_log", default=None
)


@contextmanager
def recording() -> Iterator[StatementLog]:
    """Record the statements run in this context (and threads it hands work to)."""
    log = StatementLog()
    token = _current_log.set(log)
    try:
        yield log
    finally:
        _current_log.reset(token)


def _on_statement(
    log: StatementLog | None, latency_seconds: float | None, sql: str
) -> None:
    if latency_seconds is None:
        latency_seconds = _latency_seconds.get()
    if latency_seconds:
        time.sleep(latency_seconds)
    log = log or _current_log.get()
    if log is not None:
        log.note(threading.current_thread().name)


def on_django_connection_created(sender, connection, **kwargs) -> None:
    """Signal receiver: hook every new Django SQLite connection."""
    if connection.vendor == "sqlite":
        # Read at each statement: the connection lives for one request, but
        # the latency and the log belong to the context running the query.
        connection.connection.set_trace_callback(partial(_on_statement, None, None))


@asynccontextmanager
async def open_native(path: str | Path) -> AsyncIterator[aiosqlite.Connection]:
    """Open an aiosqlite connection with the same latency and recording hook.

    aiosqlite runs each connection on a thread of its own that does not share
    our context, so the current request's log and latency are bound here.
    """
    hook = partial(_on_statement, _current_log.get(), _latency_seconds.get())
    async with aiosqlite.connect(path) as connection:
        await connection.set_trace_callback(hook)
        yield connection


def count_thread_hops() -> None:
    """Count every ``sync_to_async`` call a recorded view makes: one thread hop.

    Each ``a*`` method and each ``async for`` fetch of the async ORM is one
    ``sync_to_async`` call (``aiterator`` makes one per chunk), so the count
    tells one fetch from a stream of chunks where statements cannot: SQLite
    runs both as a single statement. Installed once, from the app config; it
    wraps asgiref's ``SyncToAsync.__call__`` and counts only inside
    ``recording()``.
    """
    call: Any = SyncToAsync.__call__
    if getattr(call, "counts_hops", False):
        return

    @functools.wraps(call)
    async def counted(self: SyncToAsync, *args: Any, **kwargs: Any) -> Any:
        log = _current_log.get()
        if log is not None:
            log.hops += 1
        return await call(self, *args, **kwargs)

    counted.counts_hops = True  # type: ignore[attr-defined]
    setattr(SyncToAsync, "__call__", counted)  # noqa: B010 (a method)
