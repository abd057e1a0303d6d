"""Why a stall happened: its time split between the causes, and who starved it.

The watchdog (``tui.instrument.stalls``) catches a stall and reads every
thread's clocks at that moment; ``StallCauses`` reads them again when the
stall has ended and turns the difference into a ``CauseSplit`` (working,
starved, blocked, machine busy; the arithmetic is ``tui.instrument.stallsplit``)
and, when the loop waited on another thread for a quarter of the stall or
more, names that thread and where it was (``tui.instrument.culprits``).

Standard library only, like the rest of the instrument.
"""

import threading
import time
from dataclasses import dataclass
from time import thread_time

from tui.instrument.culprits import (
    ThreadClocks,
    busiest_thread,
    native_id,
    thread_clocks,
)
from tui.instrument.loopstats import CauseSplit, Stall
from tui.instrument.stallsplit import names_a_culprit, split_caught
from tui.instrument.threadtimes import CpuSnapshot


@dataclass(frozen=True, slots=True)
class CpuMark:
    """The loop thread's and the process's CPU clocks at one moment."""

    at: float
    loop_cpu: float
    process_cpu: float


@dataclass(frozen=True, slots=True)
class Caught:
    """What the watchdog read when it caught a stall, to explain it at the end."""

    stall: Stall
    """A draft: the frames and the owner, read at the catch."""
    mark: CpuMark | None
    snapshot: CpuSnapshot | None
    watchdog_cpu: float
    wheres: dict[int, str | None]
    """Where each other thread was at the catch (strings: no frames kept)."""
    baseline: ThreadClocks
    at_catch: ThreadClocks


class StallCauses:
    """Explains the stalls of one loop thread, for the watchdog watching it.

    Args:
        loop_thread_id: ``threading.get_ident()`` of the loop's thread.
    """

    def __init__(self, loop_thread_id: int) -> None:
        self._loop_thread_id = loop_thread_id
        self._loop_clock: int | None = None
        self.watchdog_thread: threading.Thread | None = None
        """The watchdog's own thread: never a culprit, its CPU never a cause."""

    def start(self, watchdog_thread: threading.Thread) -> None:
        """Open the loop thread's CPU clock; ``watchdog_thread`` is the reader."""
        self.watchdog_thread = watchdog_thread
        try:
            self._loop_clock = time.pthread_getcpuclockid(self._loop_thread_id)
        except (AttributeError, OSError):  # not on every platform
            self._loop_clock = None

    def explain(
        self, caught: "Caught", duration: float
    ) -> tuple[CauseSplit | None, str | None]:
        """Split the stall's time between the causes and name who starved it."""
        if caught.snapshot is None:
            return None, None
        now = CpuSnapshot.take()
        usage = now.since(caught.snapshot)
        loop_native = native_id(self._loop_thread_id)
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
        watchdog = (
            self.watchdog_thread.native_id if self.watchdog_thread is not None else None
        )
        holder = usage.busiest(*(t for t in (loop_native, watchdog) if t))
        split = split_caught(
            duration,
            working=working,
            others=others,
            queued=(usage.of(loop_native).queued if loop_native else 0.0) * scale,
            holder_queued=usage.of(holder[0]).queued * scale if holder else 0.0,
            late=caught.stall.late,
        )
        if not names_a_culprit(split, duration):
            return split, None
        # A thread that barely ran is not named: the one that held the GIL
        # may have ended before the stall did, its clock with it.
        return split, self.culprit(caught, min_cpu=split.starved / 4)

    def python_cpu(self) -> ThreadClocks:
        """Each other Python thread's name and CPU clock, by ident."""
        # The watchdog's own thread never starves the loop of the demo's
        # doing, whichever thread asks (late_seen runs on the loop's).
        if threading.active_count() <= 2:
            return {}  # the loop's and the watchdog's: nobody else to name
        watchdog = (
            self.watchdog_thread.ident if self.watchdog_thread is not None else None
        )
        return thread_clocks((self._loop_thread_id, watchdog, threading.get_ident()))

    def culprit(self, caught: "Caught", min_cpu: float = 0.0001) -> str | None:
        """The thread that used the most CPU from the catch to now; if none
        ran meanwhile, from the watchdog's last look before the stall to the
        catch (``tui.instrument.culprits``)."""
        now = self.python_cpu()
        spans: tuple[tuple[ThreadClocks, ThreadClocks], ...]
        if caught.at_catch:
            spans = ((caught.at_catch, now), (caught.baseline, caught.at_catch))
        else:  # recorded after the fact: no catch in between
            spans = ((caught.baseline, now),)
        return busiest_thread(spans, caught.wheres, min_cpu)
