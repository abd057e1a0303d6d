"""What one request did, recorded out of band: statements, threads, hops.

The ASGI wrapper (``tui.engine.wrapper``) opens a ``RequestRecorder`` for each
request loopbeat sends and puts it in a context variable; the database hooks
and the thread-hop counter add to it from whichever thread runs the work, and
the client reads one frozen ``RequestRecord`` when the response is in. The
project's response is never read for it: its body is the project's.

Several threads write to one recorder at once (aiosqlite runs a thread per
connection; a burst's gathered queries land together), so every write takes
its lock, and the record handed out is a frozen copy made under the same lock.

Standard library only.
"""

import contextvars
import threading
from dataclasses import dataclass, field
from typing import Any

SYNC_TO_ASYNC = "sync_to_async"
"""A hop from the loop to a worker thread (asgiref's ``SyncToAsync``)."""
ASYNC_TO_SYNC = "async_to_sync"
"""A hop from a worker thread back to the loop (asgiref's ``AsyncToSync``)."""
DJANGO = "django"
"""A hop of Django's own request handling: signals, the response's close."""
MIDDLEWARE = "middleware"
"""A hop a middleware made (``MiddlewareMixin`` hooks, a sync-only class)."""
VIEW = "view"
"""A hop of the view's own code: the async ORM, ``sync_to_async``, a sync view."""


@dataclass(frozen=True, slots=True)
class Statement:
    """One database statement, as the hook around it saw it."""

    thread: str
    """The thread that ran it."""
    seconds: float
    """How long it took, simulated latency included."""
    latency: float
    """The simulated latency added to it, in seconds."""
    rows: int | None = None
    """Rows the backend said it returned, where it says (psycopg: yes)."""


@dataclass(frozen=True, slots=True)
class Hop:
    """One thread hop: which way, and the code that asked for it."""

    kind: str
    """``SYNC_TO_ASYNC`` or ``ASYNC_TO_SYNC``."""
    caller: str
    """What was run across the hop: ``SessionMiddleware.process_request``."""
    stage: str = VIEW
    """Whose hop it was: ``DJANGO``, ``MIDDLEWARE`` or ``VIEW``."""


@dataclass(frozen=True, slots=True)
class RaisedError:
    """An exception a view (or middleware) raised while serving the request."""

    kind: str
    """The exception's class name: ``SynchronousOnlyOperation``."""
    message: str
    """The first line of its message."""
    where: str | None = None
    """The innermost project frame it was raised in, if known."""

    def __str__(self) -> str:
        text = f"{self.kind}: {self.message}" if self.message else self.kind
        return f"{text} (at {self.where})" if self.where else text


@dataclass(frozen=True)
class RequestRecord:
    """Everything recorded for one request, frozen once the response was in."""

    latency: float = 0.0
    """The simulated latency per statement the request asked for (seconds)."""
    statements: tuple[Statement, ...] = ()
    hops: tuple[Hop, ...] = ()
    view_thread: str | None = None
    """The thread the view's own code ran on, when known."""
    raised: RaisedError | None = None

    @property
    def queries(self) -> int:
        """How many statements ran."""
        return len(self.statements)

    @property
    def query_threads(self) -> tuple[str, ...]:
        """The threads that ran statements, in order of first use."""
        return tuple(dict.fromkeys(s.thread for s in self.statements))

    @property
    def rows(self) -> int | None:
        """Rows returned, where every statement's backend said; else None."""
        counts = [s.rows for s in self.statements]
        if not counts or any(count is None for count in counts):
            return None
        return sum(c for c in counts if c is not None)

    @property
    def view_hops(self) -> int:
        """Thread hops the view's own code made."""
        return sum(hop.stage == VIEW for hop in self.hops)

    @property
    def latency_applied(self) -> float:
        """Simulated latency actually added, over all statements (seconds)."""
        return sum(s.latency for s in self.statements)


@dataclass
class RequestRecorder:
    """The open record of one request; safe to write from any thread.

    Args:
        latency: Simulated round trip to add to each statement, in seconds.
    """

    latency: float = 0.0
    view: Any = None
    """The sync view the request resolved to, so the hop that runs it can note
    its thread; None for an async view (it runs on the loop) or no view."""
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)
    _statements: list[Statement] = field(default_factory=list, repr=False)
    _hops: list[Hop] = field(default_factory=list, repr=False)
    _view_thread: str | None = field(default=None, repr=False)
    _raised: RaisedError | None = field(default=None, repr=False)

    def statement(self, statement: Statement) -> None:
        """Note one statement (from the thread that ran it)."""
        with self._lock:
            self._statements.append(statement)

    def hop(self, hop: Hop) -> None:
        """Note one thread hop."""
        with self._lock:
            self._hops.append(hop)

    def view_ran_on(self, thread: str) -> None:
        """Note the thread the view's own code ran on (the first one told)."""
        with self._lock:
            if self._view_thread is None:
                self._view_thread = thread

    def raised(self, error: RaisedError) -> None:
        """Note the exception the request raised (the first one told)."""
        with self._lock:
            if self._raised is None:
                self._raised = error

    def freeze(self) -> RequestRecord:
        """A frozen copy of what is recorded so far."""
        with self._lock:
            return RequestRecord(
                self.latency,
                tuple(self._statements),
                tuple(self._hops),
                self._view_thread,
                self._raised,
            )


CURRENT: contextvars.ContextVar[RequestRecorder | None] = contextvars.ContextVar(
    "loopbeat_request", default=None
)
"""The recorder of the request the current code serves, if loopbeat sent it.

asgiref's ``sync_to_async`` runs its function in a copy of the caller's
context, so a worker thread serving the request sees it too; threads that do
not share the context (aiosqlite's) are handed it when they are made."""
