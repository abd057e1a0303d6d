"""Races between the loop thread and the watchdog, held still to be tested.

Each needs the GIL to switch at one exact bytecode, which a real loop does
only now and then (about 2 runs in 5 of the starvation test in
``test_causes.py``); here a pretend loop stands still at that moment instead.
"""

import itertools
import threading
import time

from tui import heartbeat
from tui.framenames import FrameNames
from tui.heartbeat import LoopMonitor
from tui.loopstats import BusyPeriod, Stall
from tui.stalls import CpuMark, StallWatchdog


def test_a_stall_the_loop_recorded_is_not_caught_again() -> None:
    # The loop recorded a long busy period as it ended (the watchdog had been
    # kept out by a thread holding the GIL) and then lost the GIL before it
    # marked the period over: the watchdog sees the loop still stuck since
    # that period's start, and must not record the same stall a second time.
    start = time.perf_counter() - 0.3
    period = BusyPeriod(start, 0.3)
    recorded: list[Stall] = []
    watchdog = StallWatchdog(
        loop_thread_id=threading.get_ident(),
        stuck_since=None,
        busy_since=lambda: start,  # not yet marked over
        busy_periods=lambda: (period,),
        late_wakes=lambda: (),
        running_owner=lambda: None,
        cpu_mark=lambda: None,
        threshold=0.05,
        names=FrameNames([]),
        on_caught=lambda stall: None,
        on_ended=recorded.append,
    )
    mark = CpuMark(start, time.thread_time(), time.process_time())
    watchdog.busy_seen(start, 0.3, mark, owner=None)
    watchdog.start()
    try:
        time.sleep(0.2)  # the watchdog looks every 5 ms meanwhile
    finally:
        watchdog.stop()
    assert [s.start for s in recorded] == [start]


class PretendSelector:
    """Returns at once, noting the CPU mark the loop made before it waited."""

    def __init__(self, monitor: LoopMonitor) -> None:
        self.monitor = monitor
        self.mark_inside: CpuMark | None = None

    def select(self, timeout: float | None = None) -> list[object]:
        self.mark_inside = self.monitor._cpu_mark
        return []


def test_the_cpu_clocks_are_read_before_the_wall_clock(monkeypatch) -> None:
    # The loop can lose the GIL between two clock reads for as long as a
    # starving thread keeps it. CPU clocks read after the wall clock would
    # leave that wait out of the mark, and the starved wait measured from
    # the earlier wall time would read as nobody of ours running. One clock
    # here stands for all three and moves on at every read, so the order of
    # the reads is what the mark shows.
    reads = itertools.count()
    clock = lambda: float(next(reads))  # noqa: E731
    for name in ("perf_counter", "process_time", "thread_time"):
        monkeypatch.setattr(heartbeat, name, clock)
    monitor = LoopMonitor()
    monitor._busy_since = clock()
    selector = PretendSelector(monitor)
    heartbeat._TimedSelector(selector, monitor).select(0.01)
    for mark in (selector.mark_inside, monitor._cpu_mark):
        assert mark is not None
        assert mark.loop_cpu < mark.at and mark.process_cpu < mark.at, mark
