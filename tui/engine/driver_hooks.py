"""Statement hooks for the database drivers Django's ``execute_wrapper`` misses.

Simulated latency means one thing on every driver: one network round trip
per statement (and per fetch that goes back to the server), spent on the
thread that would wait for it, so the knob never blocks the loop by itself:

* aiosqlite runs ``sqlite3`` on a thread per connection: SQLite's trace
  callback on that thread sleeps (the GIL is released, as for a socket);
* psycopg's ``AsyncConnection`` waits for the server from the loop itself:
  its cursors' ``execute`` awaits the round trip before the real one,
  holding the connection as the real one does;
* ``AsyncCursor.stream`` sends its statement once, then the rows come as
  the server sends them: the send is charged, where the connection waits;
* a server-side cursor's fetches are round trips of their own (``FETCH``):
  ``ServerCursor`` (the sync one, which Django's ``aiterator`` and
  ``iterator`` use on PostgreSQL) sleeps on its thread, ``AsyncServerCursor``
  awaits.

Each hook notes the statement on the request's recorder with the thread
that ran it, and does nothing for work no loopbeat request asked for.
``install_driver_hooks`` returns what undoes them (``EngineHooks`` keeps it).
"""

import asyncio
import functools
import threading
import time
from collections.abc import Callable
from typing import Any

from tui.engine.record import CURRENT, RequestRecorder, Statement

Undo = Callable[[], None]


def install_driver_hooks() -> list[Undo]:
    """Hook every driver that is installed; returns the undo of each hook."""
    undo: list[Undo] = []
    undo += _hook_aiosqlite()
    undo += _hook_psycopg()
    return undo


def _rows(cursor: Any) -> int | None:
    rowcount = getattr(cursor, "rowcount", -1)
    return rowcount if isinstance(rowcount, int) and rowcount >= 0 else None


def _note(recorder: RequestRecorder, started: float, rows: int | None) -> None:
    recorder.statement(
        Statement(
            threading.current_thread().name,
            time.perf_counter() - started,
            recorder.latency,
            rows,
        )
    )


def _replace(owner: type, name: str, replacement: Any) -> Undo:
    """Put ``replacement`` on ``owner`` itself; the undo restores exactly what
    was there (or removes it, for a method ``owner`` inherited)."""
    own = owner.__dict__.get(name)
    setattr(owner, name, functools.wraps(getattr(owner, name))(replacement))
    if own is None:
        return lambda: delattr(owner, name)
    return lambda: setattr(owner, name, own)


# --- aiosqlite -------------------------------------------------------------------


def _native_statement(recorder: RequestRecorder, sql: str) -> None:
    """SQLite's trace callback, on an aiosqlite connection's own thread."""
    started = time.perf_counter()
    if recorder.latency:
        time.sleep(recorder.latency)
    _note(recorder, started, None)


def _hook_aiosqlite() -> list[Undo]:
    try:
        from aiosqlite.core import Connection
    except ImportError:  # not every project has it
        return []
    connect: Any = Connection._connect

    async def connect_traced(connection: Any) -> Any:
        done = await connect(connection)
        recorder = CURRENT.get()
        if recorder is not None:
            # aiosqlite's thread does not share the request's context: the
            # recorder is bound to the callback here, on the loop.
            hook = functools.partial(_native_statement, recorder)
            await connection.set_trace_callback(hook)
        return done

    return [_replace(Connection, "_connect", connect_traced)]


# --- psycopg -----------------------------------------------------------------------


def _hook_psycopg() -> list[Undo]:
    try:
        import psycopg
    except ImportError:  # an optional extra
        return []
    undo = [
        _replace(
            psycopg.AsyncCursor, "execute", _awaiting(psycopg.AsyncCursor.execute)
        ),
        _replace(
            psycopg.AsyncCursor,
            "executemany",
            _awaiting(psycopg.AsyncCursor.executemany),
        ),
    ]
    # Server-side cursors: DECLARE is one round trip, every FETCH another.
    for name in ("execute", "fetchone", "fetchmany", "fetchall"):
        async_method = getattr(psycopg.AsyncServerCursor, name)
        undo.append(_replace(psycopg.AsyncServerCursor, name, _awaiting(async_method)))
    for name in ("fetchone", "fetchmany", "fetchall"):
        sync_method = getattr(psycopg.ServerCursor, name)
        undo.append(_replace(psycopg.ServerCursor, name, _sleeping(sync_method)))
    wait = psycopg.AsyncConnection.wait
    undo.append(_replace(psycopg.AsyncConnection, "wait", _streaming(wait)))
    return undo


STREAM_SEND = "_stream_send_gen"
"""psycopg's generator that sends ``AsyncCursor.stream``'s statement: the one
round trip a stream starts with (its chunks then come as the server sends
them). Hooked where the connection waits for it, not around the stream, so
no wrapper runs per row."""


def _streaming(wait: Any) -> Any:
    """``AsyncConnection.wait`` that charges a stream's statement its round
    trip; every other wait is psycopg's own (``execute`` is hooked itself)."""

    async def round_trip(connection: Any, gen: Any, *args: Any, **kwargs: Any) -> Any:
        recorder = CURRENT.get()
        code = getattr(gen, "gi_code", None)
        if recorder is None or getattr(code, "co_name", "") != STREAM_SEND:
            return await wait(connection, gen, *args, **kwargs)
        started = time.perf_counter()
        if recorder.latency:
            # The stream holds the connection's lock already, as a real
            # round trip would.
            await asyncio.sleep(recorder.latency)
        try:
            return await wait(connection, gen, *args, **kwargs)
        finally:
            _note(recorder, started, None)

    return round_trip


def _awaiting(method: Any) -> Any:
    """An async cursor method that first awaits the request's round trip.

    The wait holds the connection's lock, as the real round trip does: one
    connection carries one statement at a time, so statements gathered on a
    shared connection wait their turn for the simulated trip too.
    """

    async def round_trip(cursor: Any, *args: Any, **kwargs: Any) -> Any:
        recorder = CURRENT.get()
        if recorder is None:
            return await method(cursor, *args, **kwargs)
        started = time.perf_counter()
        if recorder.latency:
            async with cursor.connection.lock:
                await asyncio.sleep(recorder.latency)
        try:
            return await method(cursor, *args, **kwargs)
        finally:
            _note(recorder, started, _rows(cursor))

    return round_trip


def _sleeping(method: Any) -> Any:
    """A sync cursor method that first waits the round trip on its thread."""

    def round_trip(cursor: Any, *args: Any, **kwargs: Any) -> Any:
        recorder = CURRENT.get()
        if recorder is None:
            return method(cursor, *args, **kwargs)
        started = time.perf_counter()
        if recorder.latency:
            time.sleep(recorder.latency)
        try:
            return method(cursor, *args, **kwargs)
        finally:
            _note(recorder, started, _rows(cursor))

    return round_trip
