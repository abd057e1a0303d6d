"""The loop's selector, timed: the gaps between selects are its busy periods.

Standard library only, like the monitor that installs it
(``tui.instrument.heartbeat``).
"""

import math
from time import perf_counter, process_time, thread_time
from typing import TYPE_CHECKING, Any

from tui.instrument.stallcauses import CpuMark

if TYPE_CHECKING:
    from tui.instrument.heartbeat import LoopMonitor


MARK_REUSE = 0.0002
"""Seconds a CPU mark stays good for between runs (``read_mark``)."""


def read_mark() -> CpuMark:
    """The loop thread's and the process's CPU clocks, and the time.

    A stall's split needs the clocks as it began: the last select() the loop
    entered or left. While a run is in flight (the ledger times callbacks)
    they are read at every select. Between runs a mark taken less than
    ``MARK_REUSE`` before is used again: at idle the loop leaves select() and
    re-enters it within microseconds, and two CPU clock reads (system calls)
    each way were much of what watching an idle loop cost. The error is
    bounded: the loop's CPU since the mark, and other threads', over at most
    ``MARK_REUSE``.
    """
    # CPU clocks before the wall clock: the loop can lose the GIL between any
    # two reads, for as long as a starving thread keeps it. A mark read after
    # that wait would leave it out, and the late wake-up or busy period
    # measured from the earlier wall time would read as nobody of ours
    # running: "machine busy" on a quiet machine.
    cpu = thread_time(), process_time()
    return CpuMark(perf_counter(), *cpu)


class TimedSelector:
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
        last CPU mark still holds, see ``read_mark``.
        """
        monitor = self._monitor
        if monitor is None:
            return self.wrapped.select(timeout)
        ledger = monitor.ledger
        entered = perf_counter()
        mark = monitor._cpu_mark
        if mark is None or entered - mark.at >= MARK_REUSE or ledger.timing:
            mark = read_mark()
            entered = mark.at
        since = monitor._busy_since
        if since is not None:  # always, while attached: _attach sets it first
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
        if now - mark.at >= MARK_REUSE or ledger.timing:
            mark = read_mark()
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
