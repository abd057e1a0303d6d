"""Stall capture: a watchdog thread that catches the loop thread's stack.

When the event loop has been unable to react for longer than a threshold,
busy running code or late to wake from select() (waiting for the GIL or a
CPU), the watchdog takes every thread's Python stack (``sys._current_frames``)
and CPU clocks. The loop's stack, its frames named briefly with project code
told from libraries, gives the stall a file and a line; the clocks, read
again when it ends, split its time between the causes (working, starved,
blocked, machine busy), and the thread that used the CPU meanwhile is named
as the culprit of a starved loop. It learns of the loop through callables
and hands each stall back through two more, so it knows nothing of how the
monitor keeps time.

Standard library only, like the monitor.
"""

import os
import site
import sys
import sysconfig
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from time import perf_counter, thread_time
from types import FrameType

from tui.loopstats import STARVED, BusyPeriod, CauseSplit, Stall
from tui.threadtimes import CpuSnapshot

WATCHDOG_POLL = 0.005
"""Seconds between the watchdog's looks at a stall, to see it end."""

_MEASURING_FILES = {
    os.path.join(os.path.dirname(os.path.abspath(__file__)), name)
    for name in ("heartbeat.py", "stalls.py", "owners.py")
}
_NOT_PROJECT = {".venv", "site-packages", "dist-packages"}


class FrameNames:
    """Names code locations briefly and tells project code from libraries.

    Args:
        project_roots: Directories holding project code.
        excluded_files: Files under those roots never counted as project code
            (the monitor's own files always are excluded).
    """

    def __init__(
        self, project_roots: Iterable[str], excluded_files: Iterable[str] = ()
    ) -> None:
        self._roots = [os.path.abspath(root) for root in project_roots]
        self._excluded = {
            *_MEASURING_FILES,
            *(os.path.abspath(f) for f in excluded_files),
        }
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


@dataclass(frozen=True, slots=True)
class CpuMark:
    """The loop thread's and the process's CPU clocks at one moment."""

    at: float
    loop_cpu: float
    process_cpu: float


class StallWatchdog:
    """A daemon thread that catches stalls of the loop thread and their causes.

    Args:
        loop_thread_id: ``threading.get_ident()`` of the loop's thread.
        stuck_since: When the loop last became unable to react, busy or late
            to wake from select(); None while it waits within its timeout.
            Read from the watchdog's thread. None: use ``busy_since``.
        busy_since: When the loop's current busy period began, or None.
        busy_periods: The monitor's recorded busy periods, oldest first, as a
            tuple copied in one step (safe while the loop appends).
        late_wakes: Likewise its recorded late wake-ups.
        running_owner: (owner, start) of the callback running now, or None.
        cpu_mark: The CPU clocks the loop noted as it entered or left select().
        threshold: A stretch longer than this (seconds) is a stall.
        names: How frames are named and which count as project code.
        on_caught: Called on the watchdog's thread with each stall as it is
            caught (duration still None).
        on_ended: Called on the watchdog's thread once the stall has ended
            and its duration, split and culprit are filled in.
    """

    def __init__(
        self,
        *,
        loop_thread_id: int,
        stuck_since: Callable[[], float | None] | None,
        busy_since: Callable[[], float | None],
        busy_periods: Callable[[], tuple[BusyPeriod, ...]],
        late_wakes: Callable[[], tuple[BusyPeriod, ...]],
        running_owner: Callable[[], tuple[str, float] | None],
        cpu_mark: Callable[[], CpuMark | None],
        threshold: float,
        names: FrameNames,
        on_caught: Callable[[Stall], None],
        on_ended: Callable[[Stall], None],
    ) -> None:
        self._loop_thread_id = loop_thread_id
        self._stuck_since = stuck_since or busy_since
        self._busy_since = busy_since
        self._busy_periods = busy_periods
        self._late_wakes = late_wakes
        self._running_owner = running_owner
        self._cpu_mark = cpu_mark
        self._threshold = threshold
        self._names = names
        self._on_caught = on_caught
        self._on_ended = on_ended
        self._stopping = threading.Event()
        self._thread: threading.Thread | None = None
        self._loop_clock: int | None = None
        self._caught: _Caught | None = None
        self.cpu_seconds = 0.0
        """CPU time the watchdog thread used, counted when it stops."""

    def start(self) -> None:
        """Start watching in a daemon thread."""
        try:
            self._loop_clock = time.pthread_getcpuclockid(self._loop_thread_id)
        except (AttributeError, OSError):  # not on every platform
            self._loop_clock = None
        self._stopping = threading.Event()
        self._thread = threading.Thread(
            target=self._watch,
            args=(self._stopping,),
            name="loopbeat-watchdog",
            daemon=True,
        )
        self._thread.start()

    def stop(self) -> None:
        """Stop and join the thread (prompt: its wait returns at once)."""
        self._stopping.set()
        if self._thread is not None:
            self._thread.join()
            self._thread = None

    def _watch(self, stopping: threading.Event) -> None:
        """Catch the loop's stack and clocks when it is stuck too long.

        It sleeps until the earliest moment a stall could begin rather than
        polling: a loop idle in select() now cannot be stalled for a full
        threshold from now, and one stuck since ``since`` not before
        ``since + threshold``. So it wakes about 20 times a second at idle yet
        never sleeps through a stall, however short. While a stall lasts it
        polls, to report the stall soon after it ends.
        """
        stall: Stall | None = None
        threshold = self._threshold
        wait = threshold
        while not stopping.wait(wait):
            since = self._stuck_since()
            if stall is not None:
                if since == stall.start:
                    continue
                self._end(stall)
                stall = None
            now = perf_counter()
            if since is not None and now - since > threshold:
                stall = self._catch(since)
                wait = WATCHDOG_POLL
            else:
                wait = threshold if since is None else since + threshold - now
                wait = max(wait, WATCHDOG_POLL)
        if stall is not None:
            self._end(stall)
        self.cpu_seconds += thread_time()  # this thread's CPU since it started

    def _catch(self, since: float) -> Stall | None:
        late = self._busy_since() != since
        mark = self._cpu_mark()
        owner = None if late else self._running_owner()
        frames_by_thread = sys._current_frames()
        snapshot = CpuSnapshot.take()
        loop_stack = self._stack(frames_by_thread.get(self._loop_thread_id))
        if self._stuck_since() != since:
            # The loop moved on while we looked: this stack is not the culprit.
            return None
        stack = tuple(text for text, _ in reversed(loop_stack))
        stall = Stall(
            start=since,
            duration=None,
            project_frame=next((text for text, mine in loop_stack if mine), None),
            innermost_frame=stack[-1] if stack else "<no Python frame>",
            stack=stack,
            late=late,
            owner=owner[0] if owner is not None else None,
        )
        self._caught = _Caught(stall, mark, snapshot, thread_time(), frames_by_thread)
        self._on_caught(stall)
        return stall

    def _stack(self, frame: FrameType | None) -> list[tuple[str, bool]]:
        """A thread's frames, innermost first, each named and marked mine or not."""
        frames: list[tuple[str, bool]] = []
        while frame is not None:
            path, project = self._names.describe(frame.f_code.co_filename)
            frames.append(
                (f"{path}:{frame.f_lineno} in {frame.f_code.co_name}", project)
            )
            frame = frame.f_back
        return frames

    def _end(self, stall: Stall) -> None:
        """Fill in the duration, the causes and the culprit, then hand it over."""
        records = self._late_wakes() if stall.late else self._busy_periods()
        for period in reversed(records):
            if period.start <= stall.start:
                if period.start == stall.start:
                    stall.duration = period.duration
                break
        if stall.duration is None:  # still going on, or fell below busy_floor
            stall.duration = perf_counter() - stall.start
        caught, self._caught = self._caught, None
        if caught is not None and caught.stall is stall:
            self._explain(stall, caught)
        self._on_ended(stall)

    def _explain(self, stall: Stall, caught: "_Caught") -> None:
        """Split the stall's time between the causes and name who starved it."""
        duration = stall.duration or 0.0
        now = CpuSnapshot.take()
        usage = now.since(caught.snapshot)
        loop_native = _native_id(self._loop_thread_id)
        watchdog = threading.get_native_id()
        mark = caught.mark
        if mark is not None and self._loop_clock is not None:
            working = time.clock_gettime(self._loop_clock) - mark.loop_cpu
            others = now.process_cpu - mark.process_cpu - working
        else:  # no clocks before the catch: read the caught stretch alone
            working = usage.of(loop_native).cpu if loop_native else 0.0
            others = usage.others(*(t for t in (loop_native,) if t))
        others -= thread_time() - caught.watchdog_cpu
        caught_span = max(usage.wall, 1e-6)
        # Run-queue wait is read over the stretch since the catch only, so
        # it is scaled up to the whole stall.
        queued = (usage.of(loop_native).queued if loop_native else 0.0) * min(
            1.0, duration / caught_span
        )
        working = min(max(working, 0.0), duration)
        queued = min(max(queued, 0.0), duration - working)
        starved = min(max(others, 0.0), duration - working - queued)
        blocked = duration - working - queued - starved
        stall.split = CauseSplit(working, starved, blocked, queued)
        busiest = usage.busiest(*(t for t in (loop_native, watchdog) if t))
        if busiest is not None and stall.split.main == STARVED:
            stall.culprit = self._culprit(busiest[0], caught.frames)

    def _culprit(self, native_id: int, frames: dict[int, FrameType]) -> str:
        """``ThreadPoolExecutor-3_0 at django/db/models/base.py:584 in from_db``."""
        thread = next(
            (t for t in threading.enumerate() if t.native_id == native_id), None
        )
        name = thread.name if thread is not None else f"thread {native_id}"
        frame = frames.get(thread.ident) if thread and thread.ident else None
        stack = self._stack(frame)
        where = next((text for text, mine in stack if mine), None)
        where = where or (stack[0][0] if stack else None)
        return f"{name} at {where}" if where else name


@dataclass(slots=True)
class _Caught:
    """What the watchdog read when it caught a stall, to explain it at the end."""

    stall: Stall
    mark: CpuMark | None
    snapshot: CpuSnapshot
    watchdog_cpu: float
    frames: dict[int, FrameType]


def _native_id(ident: int) -> int | None:
    thread = next((t for t in threading.enumerate() if t.ident == ident), None)
    return thread.native_id if thread is not None else None
