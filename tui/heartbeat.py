"""The event loop's heartbeat: how late it is, how long it blocks, and where.

Three measurements, all on the ``time.perf_counter()`` clock the rest of the
project uses:

* **Tick lag.** A task sleeps ``interval`` and records how late it woke. That is
  what every timer and request on the loop experiences, but a tick under-reads
  a block by up to one interval.
* **Busy periods.** The time from the loop leaving its selector's ``select()``
  to entering it again is exactly how long it could not react. It is timed at
  the selector where the loop has one (the default asyncio loop) and inferred
  from late ticks elsewhere (uvloop, ...): see ``LoopMonitor.mode``.
* **Stalls.** A watchdog thread notices a busy period longer than a threshold
  and captures the loop thread's stack, so the stall gets a file and a line.

Standard library only: the UI and the headless report both use this module, and
neither Textual nor Django may leak into it.
"""

import asyncio
import logging
import math
import os
import sys
import threading
from collections.abc import Callable, Iterable
from time import perf_counter, process_time, thread_time
from typing import Any, Self

from tui.framenames import FrameNames
from tui.loophistory import LoopHistory
from tui.loopstats import BusyPeriod, MonitorCost, Sample, Stall
from tui.owners import LOOPBEAT, CallbackLedger, context_of, owner_in_stack
from tui.stalls import CpuMark, StallWatchdog
from tui.threadtimes import ThreadSampler

logger = logging.getLogger(__name__)

_REPO_ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
MARK_REUSE = 0.0002
"""Seconds a CPU mark stays good for between runs (``LoopMonitor._read_mark``)."""


class _TimedSelector:
    """Stands in for the loop's selector and times the gaps between selects.

    The loop calls ``select()`` once per iteration, so the time between one
    call returning and the next starting is exactly one busy period.
    """

    __slots__ = ("_monitor", "wrapped")

    def __init__(self, wrapped: Any, monitor: "LoopMonitor") -> None:
        self.wrapped = wrapped
        self._monitor: LoopMonitor | None = monitor

    def select(self, timeout: float | None = None) -> Any:
        """Forward to the real selector, noting when the loop stops being busy.

        The hot path, twice per iteration of the loop, so the common case is
        written out here: only a busy period or a late wake-up worth keeping
        calls out (``LoopMonitor._busy_ended``, ``_late_wake``). When the
        last CPU mark still holds, see ``LoopMonitor._read_mark``.
        """
        monitor = self._monitor
        if monitor is None:
            return self.wrapped.select(timeout)
        entered = perf_counter()
        mark = monitor._cpu_mark
        if mark is None or entered - mark.at >= MARK_REUSE or monitor.ledger.wanted:
            mark = monitor._read_mark()
            entered = mark.at
        since = monitor._busy_since
        if since is not None:  # always, while installed: start() sets it first
            duration = entered - since
            monitor._busy_total += duration
            if duration >= monitor.busy_floor:
                monitor._busy_ended(since, duration)
            # Cleared only after the period is kept: the watchdog takes a
            # change here to mean the period is over and its record is in.
            monitor._busy_since = None
        monitor._cpu_mark = mark
        if timeout is not None:
            # epoll and poll wait whole milliseconds, rounded up (selectors.py).
            monitor._select_deadline = entered + math.ceil(timeout * 1e3) * 1e-3
        events = self.wrapped.select(timeout)
        now = perf_counter()
        if now - mark.at >= MARK_REUSE or monitor.ledger.wanted:
            mark = monitor._read_mark()
            now = mark.at
        deadline = monitor._select_deadline
        if deadline != math.inf:
            monitor.timed_wakes += 1
            if now - deadline >= monitor.busy_floor:
                monitor._late_wake(deadline, now - deadline)
        monitor._cpu_mark = mark
        monitor._busy_since = now
        # Reset only after _busy_since is set: the watchdog reads the two to
        # tell "late to wake" from "busy", and must never see neither.
        monitor._select_deadline = math.inf
        return events

    def detach(self) -> None:
        """Stop timing but keep forwarding, for when the proxy cannot be removed."""
        self._monitor = None

    def __getattr__(self, name: str) -> Any:
        return getattr(self.wrapped, name)


class LoopMonitor(LoopHistory):
    """Watches the running asyncio loop: tick lag, busy periods and stalls.

    Start it on the loop it should watch, best as an async context manager::

        async with LoopMonitor() as monitor:
            ...
            print(monitor.stats().p99)

    Apart from the watchdog thread everything runs on the loop thread, and the
    readers it inherits from ``LoopHistory`` (``samples``, ``stats``, ...) are
    meant to be called there too.

    Args:
        interval, window, capacity, busy_floor, max_stalls: As for
            ``LoopHistory``.
        stall_threshold: A busy period longer than this (seconds) is a stall.
        project_roots: Directories holding project code, for naming the frame
            a stall is blamed on; by default the repository holding ``tui``.
        use_selector: Time busy periods at the loop's selector when it has one;
            False forces tick mode.
        excluded_files: Files under the project roots that are never blamed
            (the monitor itself always is one), such as a simulation hook that
            only stands in for waiting on a network.
    """

    def __init__(
        self,
        interval: float = 0.005,
        window: float = 60.0,
        capacity: int | None = None,
        stall_threshold: float = 0.05,
        busy_floor: float = 0.001,
        project_roots: Iterable[str] | None = None,
        max_stalls: int = 100,
        use_selector: bool = True,
        excluded_files: Iterable[str] = (),
    ) -> None:
        super().__init__(interval, window, capacity, busy_floor, max_stalls)
        self.stall_threshold = stall_threshold
        self._use_selector = use_selector
        self._names = FrameNames(project_roots or [_REPO_ROOT], excluded_files)
        self._subscribers: list[Callable[[Sample | Stall], None]] = []
        self._stall_subscribers: list[Callable[[Sample | Stall], None]] = []
        self._task: asyncio.Task[None] | None = None
        self._selector: _TimedSelector | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._loop_thread_id = 0
        self.loop_native_id = 0
        """The loop thread's native id, for its scheduler times."""
        self._watchdog: StallWatchdog | None = None
        self._select_deadline = math.inf
        self._cpu_mark: CpuMark | None = None
        self.timed_wakes = 0
        """select() calls that had a timeout: each a moment the loop was due."""
        self.late_wake_count = 0
        """Of those, the ones that came back at least ``busy_floor`` late."""
        self.ledger = CallbackLedger()
        """Every callback the loop runs, timed and charged to its owner."""
        self.sampler = ThreadSampler()
        """Readings of every thread, taken by the watchdog while runs want them."""
        self._ticks = 0
        self._tick_seconds = 0.0
        self._watchdog_cpu = 0.0

    @property
    def own_cost(self) -> MonitorCost:
        """What watching has cost so far (see ``MonitorCost``)."""
        return MonitorCost(self._ticks, self._tick_seconds, self._watchdog_cpu)

    async def __aenter__(self) -> Self:
        self.start()
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.stop()

    def start(self) -> None:
        """Start watching the running loop; call it from a coroutine on that loop.

        Raises:
            RuntimeError: If no loop is running or the monitor already runs.
        """
        loop = asyncio.get_running_loop()
        if self._task is not None:
            raise RuntimeError("LoopMonitor is already running")
        self._loop = loop
        self._loop_thread_id = threading.get_ident()
        self.loop_native_id = threading.get_native_id()
        selector = getattr(loop, "_selector", None) if self._use_selector else None
        if callable(getattr(selector, "select", None)):
            self.mode = "selector"
            # We are inside an iteration of the loop, so it is busy from now.
            self._busy_since = perf_counter()
            self._selector = _TimedSelector(selector, self)
            loop._selector = self._selector  # type: ignore[attr-defined]
        else:
            self.mode = "tick"
        self._tick_due = perf_counter() + self.interval
        self.ledger.install()
        self._task = loop.create_task(
            self._beat(), name="loopbeat-heartbeat", context=context_of(LOOPBEAT)
        )
        self._watchdog = StallWatchdog(
            loop_thread_id=self._loop_thread_id,
            stuck_since=self.stuck_since if self.mode == "selector" else None,
            busy_since=self._unresponsive_since,
            busy_periods=lambda: tuple(self._busy),
            late_wakes=lambda: tuple(self._late),
            running_owner=self._running_owner,
            cpu_mark=lambda: self._cpu_mark,
            sampler=self.sampler,
            threshold=self.stall_threshold,
            names=self._names,
            on_caught=self._stall_caught,
            on_ended=self._stall_ended,
        )
        self._watchdog.start()

    async def stop(self) -> None:
        """Stop watching, leaving no task, thread or selector proxy behind."""
        if self._task is None:
            return
        if self._watchdog is not None:
            self._watchdog.stop()
            self._watchdog_cpu += self._watchdog.cpu_seconds
        self._task.cancel()
        await asyncio.wait({self._task})
        if self._selector is not None:
            loop: Any = self._loop
            if loop._selector is self._selector:
                loop._selector = self._selector.wrapped
            else:
                # Someone wrapped it after us; removing ours would drop theirs.
                self._selector.detach()
        self._task = self._selector = self._watchdog = None
        self._busy_since = None
        self._select_deadline = math.inf
        self._tick_due = math.inf
        self.ledger.uninstall()

    def subscribe(
        self, callback: Callable[[Sample | Stall], None], samples: bool = True
    ) -> Callable[[], None]:
        """Call ``callback`` on the loop thread with every new sample and stall.

        Stalls arrive once they have ended, with their duration filled in. A
        callback that raises is logged (``logging``, this module's logger) and
        stays subscribed.

        Args:
            callback: Receives each ``Sample`` and ``Stall``.
            samples: False to receive stalls only: a reader that can take the
                ticks in bulk (``samples(since=...)``) spares the loop a call
                every tick.

        Returns:
            A function that unsubscribes the callback.
        """
        chosen = self._subscribers if samples else self._stall_subscribers
        chosen.append(callback)

        def unsubscribe() -> None:
            if callback in chosen:
                chosen.remove(callback)

        return unsubscribe

    async def _beat(self) -> None:
        interval = self.interval
        while True:
            await asyncio.sleep(self._tick_due - perf_counter())
            now = perf_counter()
            sample = self._record(now, now - self._tick_due)
            # Due again before subscribers run, so a slow one shows up as lag.
            self._tick_due = now + interval
            self._ticks += 1
            self._tick_seconds += perf_counter() - now
            if self._subscribers:
                self._publish(sample)

    def _read_mark(self) -> CpuMark:
        """The loop thread's and the process's CPU clocks, and the time.

        A stall's split needs the clocks as it began: the last select() the
        loop entered or left. While a run is in flight (the ledger times
        callbacks) they are read at every select. Between runs a mark taken
        less than ``MARK_REUSE`` before is used again: at idle the loop
        leaves select() and re-enters it within microseconds, and two CPU
        clock reads (system calls) each way were much of what watching an
        idle loop cost. The error is bounded: the loop's CPU since the mark,
        and other threads', over at most ``MARK_REUSE``.
        """
        # CPU clocks before the wall clock: the loop can lose the GIL between
        # any two reads, for as long as a starving thread keeps it. A mark
        # read after that wait would leave it out, and the late wake-up or
        # busy period measured from the earlier wall time would read as
        # nobody of ours running: "machine busy" on a quiet machine.
        cpu = thread_time(), process_time()
        return CpuMark(perf_counter(), *cpu)

    def _late_wake(self, deadline: float, late: float) -> None:
        """Keep a late wake-up from select(); a long one may be a stall."""
        self.late_wake_count += 1
        self._late_total += late
        self._keep_late(BusyPeriod(deadline, late))
        if late >= self.stall_threshold and self._watchdog is not None:
            # Whoever held the GIL may have kept the watchdog out too.
            self._watchdog.late_seen(deadline, late, self._cpu_mark)

    def stuck_since(self) -> float | None:
        """Since when the loop has been unable to react, busy or late to wake.

        None while it waits in select() within its timeout. Read from the
        watchdog's thread.
        """
        busy = self._busy_since
        if busy is not None:
            return busy
        deadline = self._select_deadline
        return deadline if perf_counter() > deadline else None

    def _busy_ended(self, since: float, duration: float) -> None:
        """Keep a busy period of at least ``busy_floor``; a long one may be a stall."""
        self._keep_busy(BusyPeriod(since, duration))
        if duration >= self.stall_threshold and self._watchdog is not None:
            # Whoever held the GIL may have kept the watchdog out too.
            self._watchdog.busy_seen(
                since, duration, self._cpu_mark, self._longest_owner(since)
            )

    def _running_owner(self) -> tuple[str, float] | None:
        """(owner, start) of the callback the loop runs now, for the watchdog.

        From the ledger while it times callbacks (a run in flight); between
        runs from the loop thread's stack, read only when a stall is caught.
        """
        current = self.ledger.current
        if current is not None or self.ledger.wanted:
            return current
        frame = sys._current_frames().get(self._loop_thread_id)
        owner = owner_in_stack(frame)
        del frame  # no frame kept: it would hold the loop's locals alive
        return None if owner is None else (owner, math.nan)

    def _longest_owner(self, since: float) -> str | None:
        """Whose callback took the longest since ``since``, if any was long."""
        records = self.ledger.long_callbacks(since, math.inf)
        return max(records, key=lambda r: r.duration).owner if records else None

    def _publish(self, item: Sample | Stall) -> None:
        callbacks = tuple(self._subscribers)
        if isinstance(item, Stall):
            callbacks += tuple(self._stall_subscribers)
        for callback in callbacks:
            try:
                callback(item)
            except Exception:
                # One broken panel must not stop the heartbeat everyone reads.
                logger.exception("loopbeat subscriber %r failed", callback)

    def _stall_caught(self, stall: Stall) -> None:
        self._stalls.append(stall)

    def _stall_ended(self, stall: Stall) -> None:
        # From the watchdog's thread: subscribers are called on the loop's.
        if self._loop is not None and not self._loop.is_closed():
            self._loop.call_soon_threadsafe(self._publish, stall)
