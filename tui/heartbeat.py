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
import site
import sys
import sysconfig
import threading
from bisect import bisect_left, bisect_right
from collections import deque
from collections.abc import Callable, Iterable
from itertools import islice
from operator import attrgetter
from time import perf_counter, thread_time
from typing import Any, Self

from tui.loopstats import (
    BusyPeriod,
    LagStats,
    MonitorCost,
    Sample,
    Stall,
    corrected_lags,
    percentile,
)

logger = logging.getLogger(__name__)

WATCHDOG_POLL = 0.005
"""Seconds between the watchdog's looks at a stall, to see it end."""

_THIS_FILE = os.path.abspath(__file__)
_REPO_ROOT = os.path.dirname(os.path.dirname(_THIS_FILE))
_NOT_PROJECT = {".venv", "site-packages", "dist-packages"}


class _FrameNames:
    """Names code locations briefly and tells project code from libraries."""

    def __init__(
        self, project_roots: Iterable[str], excluded_files: Iterable[str] = ()
    ) -> None:
        self._roots = [os.path.abspath(root) for root in project_roots]
        self._excluded = {_THIS_FILE, *(os.path.abspath(f) for f in excluded_files)}
        libraries = {sysconfig.get_path(n) for n in ("purelib", "platlib", "stdlib")}
        libraries.update(site.getsitepackages())
        # Longest first, so a venv inside the project shortens to site-packages.
        self._prefixes = sorted(
            {*self._roots, *(os.path.abspath(path) for path in libraries if path)},
            key=len,
            reverse=True,
        )
        self._known: dict[str, tuple[str, bool]] = {}

    def describe(self, filename: str) -> tuple[str, bool]:
        """Return the short path of a code file and whether it is project code."""
        known = self._known.get(filename)
        if known is None:
            known = self._known[filename] = self._describe(filename)
        return known

    def _describe(self, filename: str) -> tuple[str, bool]:
        if filename.startswith("<"):  # "<frozen runpy>", "<string>": no file
            return filename, False
        path = os.path.abspath(filename)
        short = next(
            (
                os.path.relpath(path, prefix)
                for prefix in self._prefixes
                if path.startswith(prefix + os.sep)
            ),
            filename,
        )
        project = path not in self._excluded and any(
            path.startswith(root + os.sep)
            and _NOT_PROJECT.isdisjoint(os.path.relpath(path, root).split(os.sep))
            for root in self._roots
        )
        return short, project


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
        """Forward to the real selector, noting when the loop stops being busy."""
        monitor = self._monitor
        if monitor is None:
            return self.wrapped.select(timeout)
        monitor._busy_ended(perf_counter())
        events = self.wrapped.select(timeout)
        monitor._busy_since = perf_counter()
        return events

    def detach(self) -> None:
        """Stop timing but keep forwarding, for when the proxy cannot be removed."""
        self._monitor = None

    def __getattr__(self, name: str) -> Any:
        return getattr(self.wrapped, name)


_time = attrgetter("t")
_start = attrgetter("start")
_end = attrgetter("end")


def _overlap(period: BusyPeriod, since: float, until: float) -> float:
    return max(0.0, min(period.end, until) - max(period.start, since))


class LoopMonitor:
    """Watches the running asyncio loop: tick lag, busy periods and stalls.

    Start it on the loop it should watch, best as an async context manager::

        async with LoopMonitor() as monitor:
            ...
            print(monitor.stats().p99)

    Apart from the watchdog thread everything runs on the loop thread, and the
    readers (``samples``, ``stats``, ...) are meant to be called there too.

    Args:
        interval: Seconds between heartbeat ticks.
        window: Seconds of history kept (older ticks and busy periods are
            dropped as new ones come), and the span statistics cover when no
            span is given.
        capacity: Most ticks, and most busy periods, kept; by default enough
            ticks for ``window``. Memory stops growing once ``window`` has
            passed, however busy the loop.
        stall_threshold: A busy period longer than this (seconds) is a stall.
        busy_floor: Busy periods shorter than this (seconds) only go into the
            running total for utilization, not into the list of periods.
        project_roots: Directories holding project code, for naming the frame
            a stall is blamed on; by default the repository holding ``tui``.
        max_stalls: Most stalls kept.
        use_selector: Time busy periods at the loop's selector when it has one;
            False forces tick mode.
        excluded_files: Files under the project roots that are never blamed
            (the monitor itself always is one), such as a simulation hook that
            only stands in for waiting on a network.

    Attributes:
        mode: "selector" when busy periods are timed at the loop's selector,
            "tick" when they are inferred from late ticks (each late tick
            becomes a period from when it was due, lasting its lag: a lower
            bound that misses up to one interval of the block).
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
        if interval <= 0 or window <= 0:
            raise ValueError("interval and window must be positive")
        self.interval = interval
        self.window = window
        self.stall_threshold = stall_threshold
        self.busy_floor = busy_floor
        self.mode = "tick"
        capacity = capacity or int(window / interval) + 16
        self._use_selector = use_selector
        self._names = _FrameNames(project_roots or [_REPO_ROOT], excluded_files)
        self._samples: deque[Sample] = deque(maxlen=capacity)
        # The running busy total as of each sample, to read utilization off.
        self._totals: deque[float] = deque(maxlen=capacity)
        self._busy: deque[BusyPeriod] = deque(maxlen=capacity)
        self._stalls: deque[Stall] = deque(maxlen=max_stalls)
        self._busy_total = 0.0
        self._busy_since: float | None = None
        self._tick_due = math.inf
        self._subscribers: list[Callable[[Sample | Stall], None]] = []
        self._task: asyncio.Task[None] | None = None
        self._selector: _TimedSelector | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._loop_thread_id = 0
        self._stopping = threading.Event()
        self._watchdog: threading.Thread | None = None
        self._ticks = 0
        self._tick_seconds = 0.0
        self._watchdog_cpu = 0.0

    @property
    def own_cost(self) -> MonitorCost:
        """What watching has cost so far (see ``MonitorCost``)."""
        return MonitorCost(self._ticks, self._tick_seconds, self._watchdog_cpu)

    @property
    def capacity(self) -> int:
        """Most ticks (and most busy periods) kept."""
        return self._samples.maxlen or 0

    @property
    def max_stalls(self) -> int:
        """Most stalls kept."""
        return self._stalls.maxlen or 0

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
        self._task = loop.create_task(self._beat(), name="loopbeat-heartbeat")
        self._stopping = threading.Event()
        self._watchdog = threading.Thread(
            target=self._watch,
            args=(self._stopping,),
            name="loopbeat-watchdog",
            daemon=True,
        )
        self._watchdog.start()

    async def stop(self) -> None:
        """Stop watching, leaving no task, thread or selector proxy behind."""
        if self._task is None:
            return
        self._stopping.set()
        if self._watchdog is not None:
            # Prompt: the watchdog's wait returns as soon as the event is set.
            self._watchdog.join()
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
        self._tick_due = math.inf

    def subscribe(
        self, callback: Callable[[Sample | Stall], None]
    ) -> Callable[[], None]:
        """Call ``callback`` on the loop thread with every new sample and stall.

        Stalls arrive once they have ended, with their duration filled in. A
        callback that raises is logged (``logging``, this module's logger) and
        stays subscribed.

        Args:
            callback: Receives each ``Sample`` and ``Stall``.

        Returns:
            A function that unsubscribes the callback.
        """
        self._subscribers.append(callback)

        def unsubscribe() -> None:
            if callback in self._subscribers:
                self._subscribers.remove(callback)

        return unsubscribe

    @property
    def stalls(self) -> list[Stall]:
        """The most recent stalls, oldest first; the last may still be going on."""
        return list(self._stalls)

    def samples(
        self, since: float | None = None, until: float | None = None
    ) -> list[Sample]:
        """Return the ticks taken within a span, by default the last ``window``.

        Args:
            since: Start of the span (perf_counter seconds).
            until: End of the span (perf_counter seconds); by default now.
        """
        since, until = self._span(since, until)
        first = bisect_left(self._samples, since, key=_time)
        end = bisect_right(self._samples, until, key=_time)
        return list(islice(self._samples, first, end))

    def busy_periods(
        self, since: float | None = None, until: float | None = None
    ) -> list[BusyPeriod]:
        """Return the busy periods of at least ``busy_floor`` overlapping a span.

        A period still going on at ``until`` (the loop is blocked right now) is
        included, cut off at ``until``.

        Args:
            since: Start of the span (perf_counter seconds).
            until: End of the span (perf_counter seconds); by default now.
        """
        since, until = self._span(since, until)
        # Periods never overlap, so both their starts and their ends are sorted.
        first = bisect_right(self._busy, since, key=_end)
        end = bisect_left(self._busy, until, key=_start)
        periods = list(islice(self._busy, first, end))
        current = self._unresponsive_since()
        if current is not None and until - current >= self.busy_floor:
            periods.append(BusyPeriod(current, until - current))
        return periods

    def stats(
        self,
        since: float | None = None,
        until: float | None = None,
        corrected: bool = True,
    ) -> LagStats:
        """Summarize the loop's lateness over a span, by default the last ``window``.

        The UI shows the corrected figures: with ``corrected`` the percentiles
        include the ticks that long lags swallowed (see ``corrected_lags``).
        ``max`` and ``blocked`` take the larger of the busy-period and tick-lag
        readings: busy periods are exact for blocks, but only tick lag sees the
        loop thread waiting for the GIL after select() returns.

        Args:
            since: Start of the span (perf_counter seconds), e.g. when a request
                was sent.
            until: End of the span (perf_counter seconds); by default now.
            corrected: Correct the percentiles for missed ticks.
        """
        since, until = self._span(since, until)
        lags = [sample.lag for sample in self.samples(since, until)]
        values = sorted(corrected_lags(lags, self.interval) if corrected else lags)
        busy = [_overlap(p, since, until) for p in self.busy_periods(since, until)]
        late = [lag for lag in lags if lag >= self.busy_floor]
        return LagStats(
            count=len(values),
            p50=percentile(values, 50),
            p95=percentile(values, 95),
            p99=percentile(values, 99),
            max=max([*values[-1:], *busy], default=0.0),
            blocked=max(sum(busy), sum(late)),
            utilization=self._utilization(since, until),
            span=until - since,
        )

    def max_block(
        self, since: float | None = None, until: float | None = None
    ) -> float:
        """Return the longest time the loop could not react within a span.

        In selector mode this is the longest busy period (exact); in tick mode
        the largest tick lag. Either way a block still going on at ``until``
        counts up to ``until``.

        Args:
            since: Start of the span (perf_counter seconds).
            until: End of the span (perf_counter seconds); by default now.
        """
        since, until = self._span(since, until)
        periods = self.busy_periods(since, until)
        longest = max((_overlap(p, since, until) for p in periods), default=0.0)
        if self.mode == "tick":
            longest = max([longest, *(s.lag for s in self.samples(since, until))])
        return longest

    def _span(self, since: float | None, until: float | None) -> tuple[float, float]:
        until = perf_counter() if until is None else until
        return (until - self.window if since is None else since), until

    def _unresponsive_since(self) -> float | None:
        """When the loop last stopped reacting; None while it waits in select().

        In tick mode this is when the pending tick is due, which may still lie
        in the future: callers compare it with their own "now".
        """
        return self._busy_since if self.mode == "selector" else self._tick_due

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
            self._publish(sample)

    def _record(self, t: float, lag: float) -> Sample:
        """Store a tick (without telling subscribers); tests feed samples here."""
        sample = Sample(t, lag)
        if self.mode == "tick":
            # Without a selector to time, lateness is the best reading of
            # busyness. t - lag gives back exactly the due time, which is what
            # the watchdog matches its stall against.
            self._busy_total += max(lag, 0.0)
            if lag >= self.busy_floor:
                self._keep_busy(BusyPeriod(t - lag, lag))
        samples, horizon = self._samples, t - self.window
        while samples and samples[0].t < horizon:
            samples.popleft()
            self._totals.popleft()
        samples.append(sample)
        self._totals.append(self._busy_total)
        return sample

    def _keep_busy(self, period: BusyPeriod) -> None:
        busy, horizon = self._busy, period.start - self.window
        while busy and busy[0].end < horizon:
            busy.popleft()
        busy.append(period)

    def _busy_ended(self, now: float) -> None:
        """Close the current busy period; the hot path, called on every select."""
        since = self._busy_since
        if since is None:  # never, while installed: start() sets it first
            return
        duration = now - since
        self._busy_total += duration
        if duration >= self.busy_floor:
            self._keep_busy(BusyPeriod(since, duration))
        # Cleared only after the append: the watchdog takes a change here to
        # mean the period is over and its record is in.
        self._busy_since = None

    def _publish(self, item: Sample | Stall) -> None:
        for callback in tuple(self._subscribers):
            try:
                callback(item)
            except Exception:
                # One broken panel must not stop the heartbeat everyone reads.
                logger.exception("loopbeat subscriber %r failed", callback)

    def _utilization(self, since: float, until: float) -> float:
        if not self._samples:
            return 0.0
        start = max(since, self._samples[0].t)
        if until <= start:
            return 0.0
        busy = self._busy_time(until) - self._busy_time(start)
        return min(1.0, max(0.0, busy / (until - start)))

    def _busy_time(self, at: float) -> float:
        """The running busy total as of the last tick at or before ``at``.

        With no tick after ``at`` the live total is the better reading, plus
        the busy period going on right now, if any.
        """
        index = bisect_right(self._samples, at, key=_time)
        if index < len(self._samples):
            return self._totals[index - 1]
        current = self._unresponsive_since()
        ongoing = at - current if current is not None and current < at else 0.0
        return self._busy_total + ongoing

    def _watch(self, stopping: threading.Event) -> None:
        """The watchdog thread: catch the loop's stack when it is stuck too long.

        It sleeps until the earliest moment a stall could begin rather than
        polling: a loop idle in select() now cannot be stalled for a full
        threshold from now, and one busy since ``since`` not before
        ``since + threshold``. So it wakes about 20 times a second at idle yet
        never sleeps through a stall, however short. While a stall lasts it
        polls, to report the stall soon after it ends.
        """
        stall: Stall | None = None
        threshold = self.stall_threshold
        wait = threshold
        while not stopping.wait(wait):
            since = self._unresponsive_since()
            if stall is not None:
                if since == stall.start:
                    continue
                self._end_stall(stall)
                stall = None
            now = perf_counter()
            if since is not None and now - since > threshold:
                stall = self._catch_stall(since)
                wait = WATCHDOG_POLL
            else:
                wait = threshold if since is None else since + threshold - now
        if stall is not None:
            self._end_stall(stall)
        self._watchdog_cpu += thread_time()  # this thread's CPU since it started

    def _catch_stall(self, since: float) -> Stall | None:
        frame = sys._current_frames().get(self._loop_thread_id)
        frames: list[tuple[str, bool]] = []  # innermost first
        while frame is not None:
            path, project = self._names.describe(frame.f_code.co_filename)
            frames.append(
                (f"{path}:{frame.f_lineno} in {frame.f_code.co_name}", project)
            )
            frame = frame.f_back
        if self._unresponsive_since() != since:
            # The loop moved on while we looked: this stack is not the culprit.
            return None
        stack = tuple(text for text, _ in reversed(frames))
        stall = Stall(
            start=since,
            duration=None,
            project_frame=next((text for text, mine in frames if mine), None),
            innermost_frame=stack[-1] if stack else "<no Python frame>",
            stack=stack,
        )
        self._stalls.append(stall)
        return stall

    def _end_stall(self, stall: Stall) -> None:
        """Fill in the duration and hand the stall to the loop for subscribers."""
        # The loop thread recorded the exact period; tuple() copies the deque in
        # one step, safe while the loop appends to it.
        for period in reversed(tuple(self._busy)):
            if period.start <= stall.start:
                if period.start == stall.start:
                    stall.duration = period.duration
                break
        if stall.duration is None:  # still going on, or fell below busy_floor
            stall.duration = perf_counter() - stall.start
        if self._loop is not None:
            self._loop.call_soon_threadsafe(self._publish, stall)
