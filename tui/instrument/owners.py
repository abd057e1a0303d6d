"""Who the event loop worked for: every callback timed and charged to its owner.

The loop thread is shared by the demo (Django and its views), the screen
(Textual and Rich drawing) and loopbeat itself (the heartbeat, the ping
probe). To judge the demo alone, every callback the loop runs is timed, wall
clock and the loop thread's CPU clock, and charged to the owner named in the
context it runs in (``OWNER``, a context variable: asyncio runs each callback
in the context its task or ``call_soon`` captured, so a request's tasks carry
the owner of whoever started them).

The timing wraps ``asyncio.Handle._run``, as aiodebug does to find slow
callbacks: one wrapper for every handle of every loop, doing nothing more
than calling the original on threads other than the watched loop's. It is
put in place only while someone wants the timings (a run in flight: see
``CallbackLedger.want``): at idle it would cost the loop a clock read and a
Python call per callback for figures nobody reads (``benchmarks/
heartbeat_accuracy.py`` measures the monitor's idle cost). The owner of the
callback running now can still be told without it (``owner_in_stack``).

Standard library only.
"""

import asyncio.events
import contextvars
import threading
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from time import perf_counter, thread_time
from types import FrameType
from typing import Any

DEMO = "demo"
"""Django serving a run's requests, and the views."""
SCREEN = "screen"
"""Textual and Rich: keys, layout, drawing frames."""
LOOPBEAT = "loopbeat"
"""The instrument: heartbeat ticks, the ping probe and its requests."""
OTHER = "other"
"""Anything started without an owner."""
OWNERS = (DEMO, SCREEN, LOOPBEAT, OTHER)

OWNER: contextvars.ContextVar[str] = contextvars.ContextVar(
    "loopbeat_owner", default=OTHER
)
"""The owner of the work done in this context."""
RUN: contextvars.ContextVar[int] = contextvars.ContextVar("loopbeat_run", default=0)
"""Which of the demo's runs the work in this context serves (0: none).

Runs in flight together share the owner ``DEMO``; this tells whose code held
the loop, so one run's freeze is not read as every overlapping run's."""
MAX_RUNS_TRACKED = 64
"""Per-run sums kept at once; a run's sums are taken when it ends."""

LONG_CALLBACK = 0.002
"""Callbacks at least this long (seconds) are kept one by one, not just summed."""


@dataclass(frozen=True, slots=True)
class CallbackRecord:
    """One long callback: when, how long, how much of it on a CPU, for whom."""

    start: float
    duration: float
    cpu: float
    owner: str
    run: int = 0
    """The demo run it served (``RUN``), 0 for none."""

    @property
    def end(self) -> float:
        """When it returned (perf_counter seconds)."""
        return self.start + self.duration


@dataclass(frozen=True, slots=True)
class OwnerTotals:
    """Wall and CPU seconds of the loop's callbacks for one owner, and how many."""

    wall: float = 0.0
    cpu: float = 0.0
    count: int = 0

    def __sub__(self, other: "OwnerTotals") -> "OwnerTotals":
        return OwnerTotals(
            self.wall - other.wall, self.cpu - other.cpu, self.count - other.count
        )


class CallbackLedger:
    """Times the callbacks of one loop thread and sums them per owner.

    Installed for a loop thread (``install``), it times callbacks only while
    at least one span wants them (``want``, ``unwant``): between runs the
    loop runs its callbacks untouched.

    Args:
        capacity: Long callbacks kept (older ones make way).
    """

    def __init__(self, capacity: int = 4096) -> None:
        self._thread = 0
        self._installed = False
        self.wanted = 0
        """Spans that want callbacks timed now (runs in flight)."""
        self.timing = False
        """Whether callbacks are timed now: installed and wanted (a plain
        attribute, read by the selector at every select)."""
        self._totals: dict[str, list[float]] = {o: [0.0, 0.0, 0] for o in OWNERS}
        self._runs: dict[int, list[float]] = {}
        self.long: deque[CallbackRecord] = deque(maxlen=capacity)
        """Callbacks of at least ``LONG_CALLBACK``, oldest first."""
        self.current: tuple[str, float, int] | None = None
        """(owner, start, run) of the callback running now, while timing; read
        by the watchdog."""
        self._original: Callable[[Any], None] | None = None

    def _update(self) -> None:
        self.timing = self._installed and self.wanted > 0
        if self.timing:
            self._patch()
        else:
            self._unpatch()

    def install(self) -> None:
        """Time the callbacks of the calling thread's loop while wanted."""
        if self._installed:
            raise RuntimeError("the ledger is already installed")
        self._thread = threading.get_ident()
        self._installed = True
        self._update()

    def uninstall(self) -> None:
        """Stop timing; the original ``Handle._run`` is put back."""
        self._installed = False
        self._update()

    def want(self) -> None:
        """A span (a run) wants callbacks timed from now until ``unwant``.

        The callback running now, if any, started untimed and is not charged.
        """
        self.wanted += 1
        self._update()

    def unwant(self) -> None:
        """The span that called ``want`` is over; timing stops with the last."""
        self.wanted = max(0, self.wanted - 1)
        self._update()

    def _patch(self) -> None:
        if self._original is not None:
            return  # still in place: someone wrapped it after us (below)
        original = asyncio.events.Handle._run
        self._original = original
        ledger = self

        def _run(handle: asyncio.events.Handle) -> None:
            if not ledger.timing or threading.get_ident() != ledger._thread:
                return original(handle)
            context = handle._context  # type: ignore[attr-defined]
            owner = context.get(OWNER, OTHER)
            run = context.get(RUN, 0) if owner == DEMO else 0
            started, cpu = perf_counter(), thread_time()
            ledger.current = (owner, started, run)
            try:
                return original(handle)
            finally:
                ledger._charge(owner, run, started, cpu)

        _run.__wrapped__ = original  # type: ignore[attr-defined]
        setattr(asyncio.events.Handle, "_run", _run)  # noqa: B010 (a method)

    def _unpatch(self) -> None:
        self.current = None
        if self._original is None:
            return
        if getattr(asyncio.events.Handle._run, "__wrapped__", None) is self._original:
            setattr(asyncio.events.Handle, "_run", self._original)  # noqa: B010
            self._original = None
        # Else someone wrapped it after us, and removing ours would drop
        # theirs: ours stays, passing every callback straight through while
        # nobody wants timings, and is used again when someone does.

    def _charge(self, owner: str, run: int, started: float, cpu_started: float) -> None:
        ended, cpu = perf_counter(), thread_time() - cpu_started
        self.current = None
        duration = ended - started
        totals = self._totals.get(owner) or self._totals[OTHER]
        totals[0] += duration
        totals[1] += cpu
        totals[2] += 1
        if run:
            mine = self._runs.get(run)
            if mine is None:
                if len(self._runs) >= MAX_RUNS_TRACKED:  # an abandoned run's
                    del self._runs[next(iter(self._runs))]
                mine = self._runs[run] = [0.0, 0.0, 0]
            mine[0] += duration
            mine[1] += cpu
            mine[2] += 1
        if duration >= LONG_CALLBACK:
            self.long.append(CallbackRecord(started, duration, cpu, owner, run))

    def totals(self) -> dict[str, OwnerTotals]:
        """The running sums per owner of the callbacks timed so far."""
        return {
            owner: OwnerTotals(wall, cpu, int(count))
            for owner, (wall, cpu, count) in self._totals.items()
        }

    def run_totals(self, run: int) -> OwnerTotals:
        """Wall and CPU of the loop's callbacks for one demo run so far."""
        wall, cpu, count = self._runs.get(run, (0.0, 0.0, 0))
        return OwnerTotals(wall, cpu, int(count))

    def forget_run(self, run: int) -> None:
        """Drop a finished run's sums (they are bounded, but need not wait)."""
        self._runs.pop(run, None)

    def long_callbacks(self, since: float, until: float) -> list[CallbackRecord]:
        """The long timed callbacks that started within ``[since, until]``."""
        return [r for r in tuple(self.long) if since <= r.start <= until]


_HANDLE_RUN = asyncio.events.Handle._run.__code__


def owner_in_stack(frame: FrameType | None) -> tuple[str, int] | None:
    """The owner of the callback a thread's stack is running, and its run.

    ``frame`` is the innermost frame of the loop thread, from
    ``sys._current_frames()``; the handle ``Handle._run`` is running holds
    the context its callback runs in, which names the owner (``OWNER``) and,
    for the demo's work, the run it serves (``RUN``), as the ledger would.
    For the watchdog, while the ledger is not timing: it costs nothing until
    a stall is caught. None when the stack runs no callback.
    """
    while frame is not None:
        if frame.f_code is _HANDLE_RUN:
            handle = frame.f_locals.get("self")
            context = getattr(handle, "_context", None)
            if isinstance(context, contextvars.Context):
                owner = context.get(OWNER, OTHER)
                return owner, context.get(RUN, 0) if owner == DEMO else 0
            return None
        frame = frame.f_back
    return None


def context_of(owner: str) -> contextvars.Context:
    """A copy of the current context with ``OWNER`` set, for ``create_task``."""
    context = contextvars.copy_context()
    context.run(OWNER.set, owner)
    return context
