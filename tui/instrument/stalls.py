"""Stall capture: a watchdog thread that catches the loop thread's stack.

When the event loop has been unable to react for longer than a threshold,
busy running code or late to wake from select() (waiting for the GIL or a
CPU), the watchdog takes every thread's Python stack (``sys._current_frames``)
and CPU clocks. The loop's stack, its frames named briefly with project code
told from libraries, gives the stall a file and a line; the clocks, read
again when it ends, split its time between the causes (working, starved,
blocked, machine busy; ``tui.instrument.stallsplit``), and the thread that used the
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
from dataclasses import replace
from time import perf_counter, thread_time

from tui.instrument.culprits import (
    ThreadClocks,
)
from tui.instrument.framenames import FrameNames
from tui.instrument.loopstats import BusyPeriod, Stall
from tui.instrument.stallcauses import Caught, CpuMark, StallCauses
from tui.instrument.stallsplit import (
    names_a_culprit,
    split_unseen,
    unseen_place,
)
from tui.instrument.stops import StopDetector
from tui.instrument.threadtimes import CpuSnapshot, ThreadSampler

WATCHDOG_POLL = 0.005
"""Seconds between the watchdog's looks at a stall, to see it end."""
SAMPLE_EVERY = 0.025
"""Seconds between thread readings while runs want them (about 0.2 ms each)."""


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
        running_owner: (owner, start, run) of the callback running now, or None.
        cpu_mark: The CPU clocks the loop noted as it entered or left select().
        sampler: Read every ``SAMPLE_EVERY`` while it is wanted (runs are in
            flight), so threads that end before their run still count.
        threshold: A stretch longer than this (seconds) is a stall.
        names: How frames are named and which count as project code.
        on_ended: Called with each stall once it has ended, whole (its
            duration, split and culprit in): on the watchdog's thread, or on
            the loop's for one recorded after the fact. Nothing half-made is
            ever handed over.
        stops: Told when the watchdog goes to sleep and checked when it
            wakes, to notice the whole process was stopped (``tui.instrument.stops``).
    """

    def __init__(
        self,
        *,
        loop_thread_id: int,
        stuck_since: Callable[[], float | None] | None,
        busy_since: Callable[[], float | None],
        busy_periods: Callable[[], tuple[BusyPeriod, ...]],
        late_wakes: Callable[[], tuple[BusyPeriod, ...]],
        running_owner: Callable[[], tuple[str, float, int] | None],
        cpu_mark: Callable[[], CpuMark | None],
        sampler: ThreadSampler | None = None,
        threshold: float,
        names: FrameNames,
        on_ended: Callable[[Stall], None],
        stops: StopDetector | None = None,
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
        self._on_ended = on_ended
        self._stops = stops
        # Released to stop it; a timed acquire is its sleep (Event's is dearer).
        self._running = threading.Lock()
        self._thread: threading.Thread | None = None
        self._causes = StallCauses(loop_thread_id)
        self._caught: Caught | None = None
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
        self._running = running = threading.Lock()
        running.acquire()
        self._thread = threading.Thread(
            target=self._watch,
            args=(running,),
            name="loopbeat-watchdog",
            daemon=True,
        )
        self._causes.start(self._thread)
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
        stall: Caught | None = None
        threshold = self._threshold
        wait = threshold
        stops = self._stops
        while True:
            if stops is not None:
                stops.expect(wait)
            if running.acquire(timeout=wait):
                break
            if stops is not None:
                stops.check()
            sampler = self._sampler
            if sampler is not None and sampler.wanted:
                sampler.sample()
            since = self._stuck_since()
            if stall is not None:
                if since == stall.stall.start:
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
                self._baseline = self._causes.python_cpu()
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
        self,
        since: float,
        duration: float,
        mark: CpuMark | None,
        owner: tuple[str, int] | None,
    ) -> None:
        """A busy period as long as a stall ended; record it if not caught.

        Called on the loop thread as it enters select(). As with
        ``late_seen``: the loop lost the GIL inside a callback (starting a
        thread, say) to a thread that kept it, and the watchdog with it.

        Args:
            owner: Whose callback took the longest in the period, and the
                demo run it served (0: none), if known.
        """
        self._record_unseen(since, duration, mark, late=False, owner=owner)

    def _record_unseen(
        self,
        start: float,
        duration: float,
        mark: CpuMark | None,
        *,
        late: bool,
        owner: tuple[str, int] | None,
    ) -> None:
        if self._stops is not None:
            self._stops.check()  # the watchdog may not have woken yet
        with self._lock:
            held = self._caught
            if held is not None and held.stall.start == start:
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
                innermost_frame=unseen_place(late, split),
                stack=(),
                late=late,
                owner=owner[0] if owner else None,
                split=split,
                run=owner[1] if owner else 0,
                stopped=self._stopped_within(start, duration),
            )
            if names_a_culprit(split, duration):
                # Only a thread that ran for half the wait is named: the one
                # that held the GIL may have ended since (its clock with it).
                culprit = self._causes.culprit(
                    Caught(stall, mark, None, 0.0, {}, self._baseline, {}),
                    min_cpu=split.starved / 2,
                )
                stall = replace(stall, culprit=culprit)
        self._on_ended(stall)

    @property
    def holding(self) -> float | None:
        """The start of the stall being watched now, not yet handed over."""
        caught = self._caught
        return caught.stall.start if caught is not None else None

    def _catch(self, since: float) -> "Caught | None":
        with self._lock:
            return self._catch_locked(since)

    def _catch_locked(self, since: float) -> "Caught | None":
        if since == self._recorded_unseen:
            return None  # recorded by the loop as it ended
        late = self._busy_since() != since
        mark = self._cpu_mark()
        owner = None if late else self._running_owner()
        frames_by_thread = sys._current_frames()
        try:
            snapshot = CpuSnapshot.take()
            loop_stack = self._names.stack(frames_by_thread.get(self._loop_thread_id))
            me = threading.get_ident()
            wheres = {
                ident: self._names.where(frame)
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
        # A draft: its duration, split and culprit come when it has ended.
        stall = Stall(
            start=since,
            duration=0.0,
            project_frame=next((text for text, mine in loop_stack if mine), None),
            innermost_frame=stack[-1] if stack else "<no Python frame>",
            stack=stack,
            late=late,
            owner=owner[0] if owner is not None else None,
            run=owner[2] if owner is not None else 0,
        )
        self._caught = Caught(
            stall,
            mark,
            snapshot,
            thread_time(),
            wheres,
            self._baseline,
            self._causes.python_cpu(),
        )
        return self._caught

    def _end(self, caught: "Caught") -> None:
        """Measure the stall's duration, causes and culprit; hand it over whole."""
        draft = caught.stall
        records = self._late_wakes() if draft.late else self._busy_periods()
        duration = None
        for period in reversed(records):
            if period.start <= draft.start:
                if period.start == draft.start:
                    duration = period.duration
                break
        if duration is None:  # still going on, or fell below busy_floor
            duration = perf_counter() - draft.start
        split, culprit = self._causes.explain(caught, duration)
        stall = replace(
            draft,
            duration=duration,
            split=split,
            culprit=culprit,
            stopped=self._stopped_within(draft.start, duration),
        )
        self._on_ended(stall)
        # Let go only once handed over: until then a wait for the stalls of a
        # span (LoopMonitor.stalls_settled) knows this one is still coming.
        with self._lock:
            if self._caught is caught:
                self._caught = None

    def _stopped_within(self, start: float, duration: float) -> float:
        if self._stops is None:
            return 0.0
        return self._stops.stopped_within(start, start + duration)
