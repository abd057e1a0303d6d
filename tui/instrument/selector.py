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
        """Forward to the real selector, noting when the loop stops being busy."""
        monitor = self._monitor
        if monitor is None:
            return self.wrapped.select(timeout)
        # CPU clocks before wall clocks, here and below: the loop can lose the
        # GIL between any two reads, for as long as a starving thread keeps
        # it. A mark read after that wait would leave it out, and the late
        # wake-up or busy period measured from the earlier wall time would
        # read as nobody of ours running: "machine busy" on a quiet machine.
        cpu = thread_time(), process_time()
        entered = perf_counter()
        monitor._busy_ended(entered)
        monitor._cpu_mark = CpuMark(entered, *cpu)
        if timeout is not None:
            # epoll and poll wait whole milliseconds, rounded up (selectors.py).
            monitor._select_deadline = entered + math.ceil(timeout * 1e3) * 1e-3
        events = self.wrapped.select(timeout)
        cpu = thread_time(), process_time()
        monitor._select_returned(perf_counter(), cpu)
        return events

    def detach(self) -> None:
        """Stop timing but keep forwarding, for when the proxy cannot be removed."""
        self._monitor = None

    def __getattr__(self, name: str) -> Any:
        return getattr(self.wrapped, name)
