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
from time import perf_counter
from typing import Any, Self

from tui.instrument.framenames import FrameNames
from tui.instrument.loophistory import LoopHistory
from tui.instrument.loopstats import BusyPeriod, MonitorCost, Sample, Stall
from tui.instrument.owners import LOOPBEAT, CallbackLedger, context_of, owner_in_stack
from tui.instrument.selector import TimedSelector
from tui.instrument.stallcauses import CpuMark
from tui.instrument.stalls import WATCHDOG_POLL, StallWatchdog
from tui.instrument.stops import StopDetector
from tui.instrument.threadtimes import ThreadSampler

logger = logging.getLogger(__name__)


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
            a stall is blamed on; by default the current directory (loopbeat's
            own package is never project code, wherever it lies).
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
        self._names = FrameNames(project_roots or [os.getcwd()], excluded_files)
        self._subscribers: list[Callable[[Sample | Stall], None]] = []
        self._stall_subscribers: list[Callable[[Sample | Stall], None]] = []
        self._task: asyncio.Task[None] | None = None
        self._selector: TimedSelector | None = None
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
        self.stops = StopDetector()
        """When the whole process was stopped (``kill -STOP``, Ctrl+Z)."""
        self.on_stall: Callable[[Stall], None] | None = None
        """Told of each stall as it is handed over, on the thread that finished
        it: for a watcher that may outlive the loop (a test's)."""
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

    def start(self, loop: asyncio.AbstractEventLoop | None = None) -> None:
        """Start watching the running loop; call it from a coroutine on that loop.

        Args:
            loop: A loop about to run on this thread, to watch from its first
                callback on (a test's, started by ``run_forever``); by default
                the running one.

        Raises:
            RuntimeError: If no loop is running or the monitor already runs.
        """
        loop = loop or asyncio.get_running_loop()
        if self._watchdog is not None:
            raise RuntimeError("LoopMonitor is already running")
        self._loop_thread_id = threading.get_ident()
        self.loop_native_id = threading.get_native_id()
        self._attach(loop)
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
            on_ended=self._stall_ended,
            stops=self.stops,
        )
        self._watchdog.start()

    async def stop(self) -> None:
        """Stop watching, leaving no task, thread or selector proxy behind."""
        task = self._task
        self.halt()
        if task is not None:
            await asyncio.wait({task})

    def halt(self) -> None:
        """Stop watching without waiting for the heartbeat task to end.

        For a loop that is no longer running, or closed (a test's, after
        ``asyncio.run``): the task is cancelled if the loop can still run it,
        and everything else is undone at once.
        """
        if self._watchdog is not None:
            self._watchdog.stop()
            self._watchdog_cpu += self._watchdog.cpu_seconds
            self.stops.close()
            self._watchdog = None
        self.detach()

    def move_to(self, loop: asyncio.AbstractEventLoop) -> None:
        """Watch ``loop`` from its next callback on, the watchdog running on.

        A test suite runs one loop after another on one thread: moving keeps
        the watchdog thread (starting one costs a test about a millisecond)
        and times the new loop's selector and ticks. Starts the monitor if
        it has not started.
        """
        if self._watchdog is None:
            self.start(loop)
            return
        if threading.get_ident() != self._loop_thread_id:
            raise RuntimeError("a monitor watches loops of one thread only")
        if loop is self._loop and self._task is not None:
            return
        self.detach()
        self._attach(loop)

    def watchdog_holding(self) -> float | None:
        """The start of a stall the watchdog has caught and not handed over."""
        watchdog = self._watchdog
        return watchdog.holding if watchdog is not None else None

    def detach(self) -> None:
        """Stop timing the current loop; the watchdog, if any, sees it idle."""
        task = self._task
        loop: Any = self._loop
        alive = loop is not None and not loop.is_closed()
        if task is not None and not task.done() and alive:
            task.cancel()
        if self._selector is not None and loop is not None:
            if loop._selector is self._selector:
                loop._selector = self._selector.wrapped
            else:
                # Someone wrapped it after us; removing ours would drop theirs.
                self._selector.detach()
        self._task = self._selector = None
        # Read by the watchdog: neither busy nor due means nothing to catch.
        self._busy_since = None
        self._select_deadline = math.inf
        self._tick_due = math.inf
        self.ledger.uninstall()

    def _attach(self, loop: asyncio.AbstractEventLoop) -> None:
        """Time ``loop``'s selector and callbacks, and beat on it."""
        self._loop = loop
        selector = getattr(loop, "_selector", None) if self._use_selector else None
        if callable(getattr(selector, "select", None)):
            self.mode = "selector"
            # Inside an iteration of the loop (or just before its first), so
            # it is busy from now.
            self._busy_since = perf_counter()
            self._selector = TimedSelector(selector, self)
            loop._selector = self._selector  # type: ignore[attr-defined]
        else:
            self.mode = "tick"
        self._tick_due = perf_counter() + self.interval
        self.ledger.install()
        self._task = loop.create_task(
            self._beat(), name="loopbeat-heartbeat", context=context_of(LOOPBEAT)
        )

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

    def _running_owner(self) -> tuple[str, float, int] | None:
        """(owner, start, run) of the callback the loop runs now, for the watchdog.

        From the ledger while it times callbacks (a run in flight); else, or
        in a callback that began before the run did, from the loop thread's
        stack, read only when a stall is caught (the start is then unknown:
        NaN). The run comes from the callback's context either way, so a
        stall is charged to the run whose code held the loop.
        """
        current = self.ledger.current
        if current is not None:
            return current
        frame = sys._current_frames().get(self._loop_thread_id)
        owner = owner_in_stack(frame)
        del frame  # no frame kept: it would hold the loop's locals alive
        return None if owner is None else (owner[0], math.nan, owner[1])

    def _longest_owner(self, since: float) -> tuple[str, int] | None:
        """Whose callback took the longest since ``since`` (owner, run), if long."""
        records = self.ledger.long_callbacks(since, math.inf)
        if not records:
            return None
        longest = max(records, key=lambda r: r.duration)
        return longest.owner, longest.run

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

    def _stall_ended(self, stall: Stall) -> None:
        # Whole and frozen, from the watchdog's thread (or the loop's, inside
        # the selector): kept and told to subscribers on the loop, in order.
        if self.on_stall is not None:
            self.on_stall(stall)
        loop = self._loop
        if loop is not None and not loop.is_closed():
            loop.call_soon_threadsafe(self._stall_done, stall)

    def _stall_done(self, stall: Stall) -> None:
        self._stalls.append(stall)
        self._publish(stall)

    async def stalls_settled(self, until: float, timeout: float = 1.0) -> None:
        """Wait until every stall that began by ``until`` has been kept.

        The watchdog hands a stall over once it has ended and been explained,
        from its own thread; a run reads its stalls after this, not after a
        guess at how long that takes (a starved watchdog takes longer).
        Gives up after ``timeout`` seconds: a stall still going on then is
        not the run's to wait for.
        """
        deadline = perf_counter() + timeout
        while perf_counter() < deadline:
            holding = self.watchdog_holding()
            if holding is None or holding > until:
                break
            await asyncio.sleep(WATCHDOG_POLL)
        # A stall handed over just now is queued on the loop: let it be kept.
        await asyncio.sleep(0)
