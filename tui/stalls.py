"""Stall capture: a watchdog thread that catches the loop thread's stack.

When the event loop has been unable to react for longer than a threshold,
busy running code or late to wake from select() (waiting for the GIL or a
CPU), the watchdog takes every thread's Python stack (``sys._current_frames``)
and CPU clocks. The loop's stack, its frames named briefly with project code
told from libraries, gives the stall a file and a line; the clocks, read
again when it ends, split its time between the causes (working, starved,
blocked, machine busy; ``tui.stallsplit``), and the thread that used the
CPU meanwhile is named as the culprit when the loop waited on it for a
quarter of the stall or more. It learns of the loop through callables
and hands each stall back through two more, so it knows nothing of how the
monitor keeps time.

Standard library only, like the monitor.
"""

import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from time import perf_counter, thread_time
from types import FrameType

from tui.culprits import ThreadClocks, busiest_thread, thread_clocks
from tui.framenames import FrameNames
from tui.loopstats import BusyPeriod, Stall
from tui.stallsplit import names_a_culprit, split_caught, split_unseen
from tui.threadtimes import CpuSnapshot, ThreadSampler

WATCHDOG_POLL = 0.005
"""Seconds between the watchdog's looks at a stall, to see it end."""
SAMPLE_EVERY = 0.025
"""Seconds between thread readings while runs want them (about 0.2 ms each)."""


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
        sampler: Read every ``SAMPLE_EVERY`` while it is wanted (runs are in
            flight), so threads that end before their run still count.
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
        sampler: ThreadSampler | None = None,
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
        self._sampler = sampler
        self._threshold = threshold
        self._names = names
        self._on_caught = on_caught
        self._on_ended = on_ended
        # Released to stop it; a timed acquire is its sleep (Event's is dearer).
        self._running = threading.Lock()
        self._thread: threading.Thread | None = None
        self._loop_clock: int | None = None
        self._caught: _Caught | None = None
        self._baseline: ThreadClocks = {}
        self._recorded_unseen: float | None = None
        """The start of the last stall recorded after the fact."""
        # Held while a stall is caught or recorded after the fact, so the two
        # never record the same late wake-up.
        self._lock = threading.Lock()
        self.cpu_seconds = 0.0
        """CPU time the watchdog thread used, counted when it stops."""

    def start(self) -> None:
        """Start watching in a daemon thread."""
        try:
            self._loop_clock = time.pthread_getcpuclockid(self._loop_thread_id)
        except (AttributeError, OSError):  # not on every platform
            self._loop_clock = None
        self._running = running = threading.Lock()
        running.acquire()
        self._thread = threading.Thread(
            target=self._watch,
            args=(running,),
            name="loopbeat-watchdog",
            daemon=True,
        )
        self._thread.start()

    def stop(self) -> None:
        """Stop and join the thread (prompt: its wait returns at once)."""
        if self._running.locked():
            self._running.release()
        if self._thread is not None:
            self._thread.join()
            self._thread = None

    def _watch(self, running: threading.Lock) -> None:
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
        while not running.acquire(timeout=wait):
            sampler = self._sampler
            if sampler is not None and sampler.wanted:
                sampler.sample()
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
                if sampler is not None and sampler.wanted:
                    wait = min(wait, SAMPLE_EVERY)
                # A baseline for naming whoever starves the loop next: a few
                # microseconds a thread, about 20 times a second.
                self._baseline = self._python_cpu()
        if stall is not None:
            self._end(stall)
        self.cpu_seconds += thread_time()  # this thread's CPU since it started

    def late_seen(self, deadline: float, late: float, mark: CpuMark | None) -> None:
        """A late wake-up of ``late`` seconds ended; record it if not caught.

        Called on the loop thread as it gets back from select(). A thread
        that held the GIL the whole time (a garbage collection, a long C call)
        kept the watchdog from looking too: then the stall is recorded after
        the fact, its split read from the clocks the loop noted as it entered
        select(), its culprit the thread that used the most CPU since the
        watchdog last looked.
        """
        self._record_unseen(deadline, late, mark, late=True, owner=None)

    def busy_seen(
        self, since: float, duration: float, mark: CpuMark | None, owner: str | None
    ) -> None:
        """A busy period as long as a stall ended; record it if not caught.

        Called on the loop thread as it enters select(). As with
        ``late_seen``: the loop lost the GIL inside a callback (starting a
        thread, say) to a thread that kept it, and the watchdog with it.

        Args:
            owner: Whose callback took the longest in the period, if known.
        """
        self._record_unseen(since, duration, mark, late=False, owner=owner)

    def _record_unseen(
        self,
        start: float,
        duration: float,
        mark: CpuMark | None,
        *,
        late: bool,
        owner: str | None,
    ) -> None:
        with self._lock:
            caught = self._caught
            if caught is not None and caught.stall.start == start:
                return  # the watchdog has it, and ends it as usual
            # The loop can lose the GIL before it marks the period over, and
            # the watchdog must not then catch the same stall a second time.
            self._recorded_unseen = start
            now_cpu = thread_time(), time.process_time()
            working = now_cpu[0] - mark.loop_cpu if mark else 0.0
            others = now_cpu[1] - mark.process_cpu - working if mark else 0.0
            split = split_unseen(duration, working=working, others=others)
            stall = Stall(
                start=start,
                duration=duration,
                project_frame=None,
                innermost_frame="<waiting to run after select()>"
                if late
                else "<not seen: another thread held the GIL throughout>",
                stack=(),
                late=late,
                owner=owner,
                split=split,
            )
            if names_a_culprit(split, duration):
                # Only a thread that ran for half the wait is named: the one
                # that held the GIL may have ended since (its clock with it).
                stall.culprit = self._culprit(
                    _Caught(stall, mark, None, 0.0, {}, self._baseline, {}),
                    min_cpu=split.starved / 2,
                )
        self._on_caught(stall)
        self._on_ended(stall)

    def _catch(self, since: float) -> Stall | None:
        with self._lock:
            return self._catch_locked(since)

    def _catch_locked(self, since: float) -> Stall | None:
        if since == self._recorded_unseen:
            return None  # recorded by the loop as it ended
        late = self._busy_since() != since
        mark = self._cpu_mark()
        owner = None if late else self._running_owner()
        frames_by_thread = sys._current_frames()
        try:
            snapshot = CpuSnapshot.take()
            loop_stack = self._stack(frames_by_thread.get(self._loop_thread_id))
            me = threading.get_ident()
            wheres = {
                ident: self._where(frame)
                for ident, frame in frames_by_thread.items()
                if ident not in (self._loop_thread_id, me)
            }
        finally:
            # The dict holds this very frame, which holds the dict: a cycle
            # that kept every thread's locals alive (a worker's 100k-model
            # result set) until a full collection, which then ran inside
            # some later run and was charged to it. Keep strings only.
            frames_by_thread.clear()
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
        self._caught = _Caught(
            stall,
            mark,
            snapshot,
            thread_time(),
            wheres,
            self._baseline,
            self._python_cpu(),
        )
        self._on_caught(stall)
        return stall

    def _where(self, frame: FrameType | None) -> str | None:
        """Where a thread is: its innermost project frame, else its innermost."""
        stack = self._stack(frame)
        where = next((text for text, mine in stack if mine), None)
        return where or (stack[0][0] if stack else None)

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
        with self._lock:
            caught, self._caught = self._caught, None
        if caught is not None and caught.stall is stall:
            self._explain(stall, caught)
        self._on_ended(stall)

    def _explain(self, stall: Stall, caught: "_Caught") -> None:
        """Split the stall's time between the causes and name who starved it."""
        duration = stall.duration or 0.0
        if caught.snapshot is None:
            return
        now = CpuSnapshot.take()
        usage = now.since(caught.snapshot)
        loop_native = _native_id(self._loop_thread_id)
        mark = caught.mark
        if mark is not None and self._loop_clock is not None:
            working = time.clock_gettime(self._loop_clock) - mark.loop_cpu
            others = now.process_cpu - mark.process_cpu - working
        else:  # no clocks before the catch: read the caught stretch alone
            working = usage.of(loop_native).cpu if loop_native else 0.0
            others = usage.others(*(t for t in (loop_native,) if t))
        others -= thread_time() - caught.watchdog_cpu
        # Run-queue waits are read from the catch to now, which can run past
        # the stall's end: scaled down to the stall's length when it does.
        scale = min(1.0, duration / max(usage.wall, 1e-6))
        watchdog = self._thread.native_id if self._thread is not None else None
        holder = usage.busiest(*(t for t in (loop_native, watchdog) if t))
        stall.split = split_caught(
            duration,
            working=working,
            others=others,
            queued=(usage.of(loop_native).queued if loop_native else 0.0) * scale,
            holder_queued=usage.of(holder[0]).queued * scale if holder else 0.0,
            late=stall.late,
        )
        if names_a_culprit(stall.split, duration):
            # A thread that barely ran is not named: the one that held the
            # GIL may have ended before the stall did, its clock with it.
            stall.culprit = self._culprit(caught, min_cpu=stall.split.starved / 4)

    def _python_cpu(self) -> ThreadClocks:
        """Each other Python thread's name and CPU clock, by ident."""
        # The watchdog's own thread never starves the loop of the demo's
        # doing, whichever thread asks (late_seen runs on the loop's).
        if threading.active_count() <= 2:
            return {}  # the loop's and the watchdog's: nobody else to name
        watchdog = self._thread.ident if self._thread is not None else None
        return thread_clocks((self._loop_thread_id, watchdog, threading.get_ident()))

    def _culprit(self, caught: "_Caught", min_cpu: float = 0.0001) -> str | None:
        """The thread that used the most CPU from the catch to now; if none
        ran meanwhile, from the watchdog's last look before the stall to the
        catch (``tui.culprits``)."""
        now = self._python_cpu()
        spans: tuple[tuple[ThreadClocks, ThreadClocks], ...]
        if caught.at_catch:
            spans = ((caught.at_catch, now), (caught.baseline, caught.at_catch))
        else:  # recorded after the fact: no catch in between
            spans = ((caught.baseline, now),)
        return busiest_thread(spans, caught.wheres, min_cpu)


@dataclass(slots=True)
class _Caught:
    """What the watchdog read when it caught a stall, to explain it at the end."""

    stall: Stall
    mark: CpuMark | None
    snapshot: CpuSnapshot | None
    watchdog_cpu: float
    wheres: dict[int, str | None]
    """Where each other thread was at the catch (strings: no frames kept)."""
    baseline: ThreadClocks
    at_catch: ThreadClocks


def _native_id(ident: int) -> int | None:
    thread = next((t for t in threading.enumerate() if t.ident == ident), None)
    return thread.native_id if thread is not None else None
